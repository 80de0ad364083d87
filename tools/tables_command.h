// `lxwsk tables` and `lxwsk explain`: print the translation tables from the
// very rows the code uses (syscalls/tables), as markdown or JSON, and explain
// how one name or value maps across the layers.
#ifndef LXWSK_TOOLS_TABLES_COMMAND_H_
#define LXWSK_TOOLS_TABLES_COMMAND_H_

namespace lxwsk_tool {

int TablesCommand(int argc, char** argv);
int ExplainCommand(int argc, char** argv);

}  // namespace lxwsk_tool

#endif  // LXWSK_TOOLS_TABLES_COMMAND_H_
