#include "tables_command.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lx/cmsg_table.h"
#include "lx/ioctl_table.h"
#include "lx/socket_tables.h"
#include "lx/sockopt_table.h"
#include "lx/status_table.h"
#include "wsk/ntstatus.h"
#include "wsk/wsk.h"

namespace lxwsk_tool {
namespace {

// A table as text cells; every printer and `explain` read these.
struct Table {
  std::string id;
  std::string title;
  std::string about;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

std::string Hex(uint32_t v) { return absl::StrFormat("0x%X", v); }
std::string Num(long v) {
  return v >= 0 && v < 10
             ? absl::StrCat(v)
             : absl::StrFormat("%d (0x%X)", v, static_cast<uint32_t>(v));
}

std::string WskFlagName(uint32_t f, bool receive) {
  if (f == 0) return "—";
  std::vector<std::string> names;
  struct N {
    uint32_t v;
    const char* n;
  };
  static const N kSend[] = {{wsk::WSK_FLAG_OOB, "WSK_FLAG_OOB"}};
  static const N kRecv[] = {{wsk::WSK_FLAG_WAITALL, "WSK_FLAG_WAITALL"}};
  static const N kLx[] = {
      {wsk::WSK_FLAG_LX_DONTWAIT, "WSK_FLAG_LX_DONTWAIT"},
      {wsk::WSK_FLAG_LX_PEEK, "WSK_FLAG_LX_PEEK"},
      {wsk::WSK_FLAG_LX_TRUNC, "WSK_FLAG_LX_TRUNC"},
      {wsk::WSK_FLAG_LX_OOB, "WSK_FLAG_LX_OOB"},
      {wsk::WSK_FLAG_LX_MORE, "WSK_FLAG_LX_MORE"},
      {wsk::WSK_FLAG_LX_DONTROUTE, "WSK_FLAG_LX_DONTROUTE"},
      {wsk::WSK_FLAG_LX_EOR, "WSK_FLAG_LX_EOR"},
      {wsk::WSK_FLAG_LX_CONFIRM, "WSK_FLAG_LX_CONFIRM"},
      {wsk::WSK_FLAG_LX_ERRQUEUE, "WSK_FLAG_LX_ERRQUEUE"},
      {wsk::WSK_FLAG_LX_CMSG_CLOEXEC, "WSK_FLAG_LX_CMSG_CLOEXEC"},
      {wsk::WSK_FLAG_LX_FASTOPEN, "WSK_FLAG_LX_FASTOPEN"},
      {wsk::WSK_FLAG_LX_ZEROCOPY, "WSK_FLAG_LX_ZEROCOPY"}};
  for (const N& n : receive ? kRecv : kSend) {
    if (f == n.v) names.push_back(n.n);
  }
  for (const N& n : kLx) {
    if (f == n.v) names.push_back(n.n);
  }
  if (names.empty()) return Hex(f);
  return absl::StrCat(names[0], " (", Hex(f), ")");
}

std::vector<Table> BuildTables() {
  std::vector<Table> t;
  auto value_table = [&](const char* id, const char* title, const char* about,
                         std::span<const lx::ValueRow> rows) {
    Table tab{id, title, about, {"name", "Linux", "Windows / WSK", "note"}, {}};
    for (const lx::ValueRow& r : rows) {
      tab.rows.push_back(
          {r.name, Num(r.linux_value), Num(r.windows_value), r.note});
    }
    t.push_back(std::move(tab));
  };
  value_table("families", "Address families",
              "Families that go through WSK; all others pass through to the "
              "host untouched.",
              lx::FamilyRows());
  value_table("types", "Socket types",
              "SOCK_STREAM takes the WSK stream category, every other type "
              "the datagram category.",
              lx::SocketTypeRows());
  value_table("type-flags", "Socket type flags",
              "Windows socket types carry no flags: WskSocket extension flags.",
              lx::SocketTypeFlagRows());
  value_table("protocols", "Protocols", "Same numbers on both sides.",
              lx::ProtocolRows());

  Table opts{"sockopts",
             "Socket options",
             "Linux (level, name) to Windows (level, name) and the value "
             "conversion. Levels tagged LX(n) carry a Linux-only option to "
             "the host untouched.",
             {"name", "Linux level", "Linux name", "Windows level",
              "Windows name", "value", "note"},
             {}};
  for (const lx::SockoptRow& r : lx::SockoptRows()) {
    std::string wl = (r.ws_level & 0xFFFF0000u) == wsk::WSK_LX_LEVEL_TAG
                         ? absl::StrCat("LX(", r.ws_level & 0xFFFF, ")")
                         : Num(static_cast<long>(r.ws_level));
    opts.rows.push_back(
        {r.name, lx::LinuxLevelName(r.linux_level), Num(r.linux_name), wl,
         Num(static_cast<long>(r.ws_name)), lx::OptKindName(r.kind), r.note});
  }
  t.push_back(std::move(opts));

  Table cm{"cmsgs",
           "Control messages (ancillary data)",
           "Linux (level, type) to the Windows WSACMSGHDR (level, type) they "
           "cross WSK as, and the data conversion. Anything else crosses "
           "tunnelled: level LX(linux level), Linux type and bytes.",
           {"name", "Linux level", "Linux type", "Windows level",
            "Windows type", "data", "note"},
           {}};
  for (const lx::CmsgRow& r : lx::CmsgRows()) {
    cm.rows.push_back({r.name, lx::LinuxLevelName(r.linux_level),
                       Num(r.linux_type), Num(static_cast<long>(r.ws_level)),
                       Num(static_cast<long>(r.ws_type)),
                       lx::CmsgKindName(r.kind), r.note});
  }
  t.push_back(std::move(cm));

  Table msg{"msg-flags",
            "MSG_* flags (send/recv)",
            "Each Linux flag becomes a WSK flag, an lxwsk extension flag, or "
            "is handled by the syscalls layer itself.",
            {"name", "Linux", "WskSend/WskSendTo", "WskReceive/WskReceiveFrom",
             "note"},
            {}};
  for (const lx::MsgFlagRow& r : lx::MsgFlagRows()) {
    msg.rows.push_back({r.name, Num(r.linux_flag),
                        WskFlagName(r.wsk_send, false),
                        WskFlagName(r.wsk_receive, true), r.note});
  }
  t.push_back(std::move(msg));
  value_table("msg-result-flags", "msg_flags results",
              "Flags WskReceiveFrom reports (Windows values) and the Linux "
              "msg_flags bits they become.",
              lx::MsgResultFlagRows());

  Table io{"ioctls",
           "ioctls",
           "Requests with a Winsock equivalent go through WskControlSocket"
           "(WskIoctl); the rest are tunnelled with SIO_LXWSK_HOST_IOCTL.",
           {"name", "Linux", "Winsock", "direction", "note"},
           {}};
  for (const lx::IoctlRow& r : lx::IoctlRows()) {
    io.rows.push_back({r.name, Hex(static_cast<uint32_t>(r.linux_request)),
                       Hex(r.ws_code), r.writes_result ? "out" : "in", r.note});
  }
  t.push_back(std::move(io));

  Table st{"status",
           "NTSTATUS ⇄ Winsock error ⇄ errno",
           "kBoth rows are a bijection (host errno -> NTSTATUS -> errno "
           "round-trips); decode rows are statuses a real WSK provider "
           "reports that the host adapter never produces.",
           {"NTSTATUS", "value", "Winsock", "errno", "direction", "note"},
           {}};
  for (const lx::StatusRow& r : lx::StatusRows()) {
    const char* name = wsk::NtStatusName(r.status);
    st.rows.push_back({name ? name : "?", Hex(static_cast<uint32_t>(r.status)),
                       r.wsa_error ? absl::StrCat(r.wsa_error) : "—",
                       absl::StrCat(r.errno_name, " (", r.linux_errno, ")"),
                       r.direction == lx::Direction::kBoth ? "both" : "decode",
                       r.note});
  }
  t.push_back(std::move(st));
  return t;
}

std::string Escape(const std::string& s, bool json) {
  std::string out;
  for (char c : s) {
    if (json && (c == '"' || c == '\\')) out += '\\';
    if (!json && c == '|') out += '\\';
    out += c;
  }
  return out;
}

void PrintMarkdown(const Table& t) {
  printf("## %s (`%s`)\n\n%s\n\n| %s |\n|", t.title.c_str(), t.id.c_str(),
         t.about.c_str(), absl::StrJoin(t.columns, " | ").c_str());
  for (size_t i = 0; i < t.columns.size(); ++i) printf("---|");
  printf("\n");
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(Escape(c, false));
    printf("| %s |\n", absl::StrJoin(cells, " | ").c_str());
  }
  printf("\n");
}

void PrintJson(const std::vector<const Table*>& ts) {
  printf("{");
  for (size_t k = 0; k < ts.size(); ++k) {
    const Table& t = *ts[k];
    printf("%s\n  \"%s\": [", k ? "," : "", t.id.c_str());
    for (size_t i = 0; i < t.rows.size(); ++i) {
      printf("%s\n    {", i ? "," : "");
      for (size_t j = 0; j < t.columns.size(); ++j) {
        printf("%s\"%s\": \"%s\"", j ? ", " : "",
               Escape(t.columns[j], true).c_str(),
               Escape(t.rows[i][j], true).c_str());
      }
      printf("}");
    }
    printf("\n  ]");
  }
  printf("\n}\n");
}

}  // namespace

int TablesCommand(int argc, char** argv) {
  std::string format = "markdown";
  std::string only;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--format=", 0) == 0) {
      format = a.substr(9);
    } else if (a == "--help" || a == "-h") {
      printf("Usage: lxwsk tables [--format=markdown|json] [TABLE]\n");
      return 0;
    } else if (a.rfind("-", 0) == 0) {
      fprintf(stderr, "lxwsk: tables: unknown option '%s'\n", a.c_str());
      return 2;
    } else {
      only = a;
    }
  }
  if (format != "markdown" && format != "json") {
    fprintf(stderr, "lxwsk: tables: unknown format '%s' (markdown or json)\n",
            format.c_str());
    return 2;
  }
  std::vector<Table> all = BuildTables();
  std::vector<const Table*> chosen;
  for (const Table& t : all) {
    if (only.empty() || t.id == only) chosen.push_back(&t);
  }
  if (chosen.empty()) {
    std::vector<std::string> ids;
    for (const Table& t : all) ids.push_back(t.id);
    fprintf(stderr, "lxwsk: tables: no table '%s' (one of: %s)\n", only.c_str(),
            absl::StrJoin(ids, ", ").c_str());
    return 2;
  }
  if (format == "json") {
    PrintJson(chosen);
    return 0;
  }
  if (only.empty()) {
    printf(
        "# Translation tables\n\n"
        "Generated by `lxwsk tables --format=markdown` from the rows in\n"
        "`syscalls/tables/`; a test fails when this file drifts from "
        "them.\n\n");
  }
  for (const Table* t : chosen) PrintMarkdown(*t);
  return 0;
}

int ExplainCommand(int argc, char** argv) {
  if (argc != 1) {
    fprintf(stderr, "Usage: lxwsk explain NAME|VALUE\n");
    return 2;
  }
  std::string q = absl::AsciiStrToUpper(argv[0]);
  // A number matches any cell holding that value in decimal or hex.
  char* end = nullptr;
  unsigned long v = strtoul(argv[0], &end, 0);
  bool numeric = end != argv[0] && *end == '\0';
  std::string dec = absl::StrCat(v);
  std::string hex = absl::AsciiStrToUpper(absl::StrFormat("0x%X", v));
  int hits = 0;
  for (const Table& t : BuildTables()) {
    for (const auto& row : t.rows) {
      bool match = false;
      for (const std::string& cell : row) {
        std::string up = absl::AsciiStrToUpper(cell);
        if (!numeric && (up == q || up.rfind(q + " ", 0) == 0)) match = true;
        if (numeric &&
            (cell == dec || up == hex || up.rfind(dec + " (", 0) == 0 ||
             up.find("(" + hex + ")") != std::string::npos)) {
          match = true;
        }
      }
      if (!match) continue;
      ++hits;
      printf("%s — %s\n", t.title.c_str(), row[0].c_str());
      for (size_t j = 1; j < t.columns.size(); ++j) {
        if (!row[j].empty())
          printf("  %-26s %s\n", t.columns[j].c_str(), row[j].c_str());
      }
    }
  }
  if (hits == 0) {
    fprintf(stderr, "lxwsk: explain: nothing known as '%s'\n", argv[0]);
    return 1;
  }
  return 0;
}

}  // namespace lxwsk_tool
