# Fails when docs/translation-tables.md differs from `lxwsk tables`.
# Regenerate with: build/bin/lxwsk tables > docs/translation-tables.md
execute_process(COMMAND ${LXWSK} tables --format=markdown
                OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lxwsk tables failed (${rc})")
endif()
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/translation-tables.md is out of date: run\n"
                      "  build/bin/lxwsk tables > docs/translation-tables.md")
endif()
