// Unit tests of the trace reader (trace_json) and of `lxwsk trace`'s
// transformations (trace_command) on hand-written trace lines.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "trace_command.h"
#include "trace_json.h"

namespace lxwsk_tool {
namespace {

// The example line of the JSON trace format (lxcore_shim/trace.cc).
constexpr char kConnectLine[] =
    R"({"ts_ns":1795506289929581825,"mono_ns":4843816851154,"dur_ns":5269,)"
    R"("pid":32616,"tid":32616,"call":"connect","fd":5,)"
    R"("args":"5, {AF_INET(2), 127.0.0.1:8080}, 16","passthrough":false,)"
    R"("wsk":[{"fn":"WskBind","text":"WskBind(NULL, flags=0x10000 )"
    R"(LX_IMPLICIT_BIND) -> STATUS_SUCCESS (0x00000000) info=0",)"
    R"("status":"STATUS_SUCCESS","ntstatus":"0x00000000","info":0,)"
    R"("mono_ns":4843816851229,"dur_ns":480},)"
    R"({"fn":"WskConnect","text":"WskConnect(AF_INET(2) 127.0.0.1:8080) -> )"
    R"(STATUS_DEVICE_NOT_READY (0xC00000A3) info=0",)"
    R"("status":"STATUS_DEVICE_NOT_READY","ntstatus":"0xC00000A3","info":0,)"
    R"("mono_ns":4843816851800,"dur_ns":3000}],)"
    R"("ret":-1,"errno":"EINPROGRESS"})";

TraceRecord Parse(const std::string& line) {
  TraceRecord r;
  std::string error;
  EXPECT_TRUE(ParseTraceRecord(line, &r, &error)) << error << "\n" << line;
  return r;
}

// Builders for records in tests.
TraceWskCall Wsk(const std::string& fn, const std::string& args,
                 const std::string& status, uint64_t info, uint64_t mono,
                 uint64_t dur, bool socket = false) {
  TraceWskCall w;
  w.fn = fn;
  w.status = status;
  w.ntstatus = status == "STATUS_SUCCESS" ? "0x00000000" : "0xC0000236";
  w.text = absl::StrCat(fn, "(", args, ") -> ", status, " (", w.ntstatus, ") ",
                        socket ? "socket=0x55aa" : "info=", info);
  w.information = info;
  w.socket_result = socket;
  w.mono_ns = mono;
  w.dur_ns = dur;
  return w;
}

TraceRecord Rec(int64_t pid, const std::string& call, int64_t fd,
                const std::string& args, int64_t ret, uint64_t mono,
                uint64_t dur, std::vector<TraceWskCall> wsk = {}) {
  TraceRecord r;
  r.pid = r.tid = pid;
  r.call = call;
  r.fd = fd;
  r.args = args;
  r.ret = ret;
  if (ret < 0) r.errno_name = "ECONNREFUSED";
  r.mono_ns = mono;
  r.dur_ns = dur;
  r.wsk = std::move(wsk);
  return r;
}

TEST(JsonTest, ParsesValues) {
  JsonValue v;
  std::string error;
  ASSERT_TRUE(ParseJson(
      R"( {"a":[1,-2,3.5,1e3,true,false,null],"s":"x\"\\\/\n\u00e9\ud83d\ude00",)"
      R"("big":18446744073709551615,"min":-9223372036854775808} )",
      &v, &error))
      << error;
  ASSERT_EQ(v.type, JsonValue::Type::kObject);
  const JsonValue* a = v.Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->array.size(), 7u);
  int64_t i;
  EXPECT_TRUE(a->array[1].AsInt64(&i));
  EXPECT_EQ(i, -2);
  EXPECT_FALSE(a->array[2].integer);
  EXPECT_DOUBLE_EQ(a->array[2].number, 3.5);
  EXPECT_FALSE(a->array[3].integer);
  EXPECT_DOUBLE_EQ(a->array[3].number, 1000);
  EXPECT_TRUE(a->array[4].boolean);
  EXPECT_EQ(a->array[6].type, JsonValue::Type::kNull);
  EXPECT_EQ(v.Find("s")->string, "x\"\\/\n\xC3\xA9\xF0\x9F\x98\x80");
  uint64_t u;
  EXPECT_TRUE(v.Find("big")->AsUint64(&u));
  EXPECT_EQ(u, UINT64_MAX);
  EXPECT_FALSE(v.Find("big")->AsInt64(&i));
  EXPECT_TRUE(v.Find("min")->AsInt64(&i));
  EXPECT_EQ(i, INT64_MIN);
  EXPECT_FALSE(v.Find("min")->AsUint64(&u));
}

TEST(JsonTest, RejectsMalformed) {
  const char* bad[] = {
      "",
      "{",
      "{\"a\":}",
      "{\"a\":1,}",
      "[1 2]",
      "{\"a\":1} x",
      "\"\\x\"",
      "\"a\tb\"",
      "01",
      "-",
      "1.",
      "tru",
      "\"\\ud800\"",
      "{1:2}",
      "\"open",
  };
  for (const char* text : bad) {
    JsonValue v;
    std::string error;
    EXPECT_FALSE(ParseJson(text, &v, &error)) << text;
    EXPECT_TRUE(absl::StartsWith(error, "column ")) << error;
  }
  std::string deep(100, '[');
  JsonValue v;
  std::string error;
  EXPECT_FALSE(ParseJson(deep + std::string(100, ']'), &v, &error));
}

TEST(JsonTest, StringRoundTrip) {
  std::string s =
      "a\"b\\c\nd\x01"
      "e/\xC3\xA9";
  std::string quoted;
  AppendJsonString(s, &quoted);
  EXPECT_EQ(quoted, "\"a\\\"b\\\\c\\nd\\u0001e/\xC3\xA9\"");
  JsonValue v;
  std::string error;
  ASSERT_TRUE(ParseJson(quoted, &v, &error)) << error;
  EXPECT_EQ(v.string, s);
}

TEST(TraceRecordTest, ParsesTheTracerFormat) {
  TraceRecord r = Parse(kConnectLine);
  EXPECT_EQ(r.ts_ns, 1795506289929581825u);
  EXPECT_EQ(r.mono_ns, 4843816851154u);
  EXPECT_EQ(r.dur_ns, 5269u);
  EXPECT_EQ(r.pid, 32616);
  EXPECT_EQ(r.call, "connect");
  EXPECT_EQ(r.fd, 5);
  EXPECT_EQ(r.args, "5, {AF_INET(2), 127.0.0.1:8080}, 16");
  EXPECT_FALSE(r.passthrough);
  EXPECT_EQ(r.ret, -1);
  EXPECT_EQ(r.errno_name, "EINPROGRESS");
  ASSERT_EQ(r.wsk.size(), 2u);
  EXPECT_EQ(r.wsk[0].fn, "WskBind");
  EXPECT_EQ(r.wsk[1].status, "STATUS_DEVICE_NOT_READY");
  EXPECT_EQ(r.wsk[1].ntstatus, "0xC00000A3");
  EXPECT_FALSE(r.wsk[1].socket_result);
  EXPECT_EQ(r.wsk[1].mono_ns, 4843816851800u);
}

TEST(TraceRecordTest, SocketResultAndNoErrno) {
  TraceRecord r = Parse(
      R"({"ts_ns":1,"mono_ns":2,"dur_ns":3,"pid":4,"tid":5,"call":"socket",)"
      R"("fd":-1,"args":"AF_INET, SOCK_STREAM, 0","passthrough":false,)"
      R"("wsk":[{"fn":"WskSocket","text":"t","status":"STATUS_SUCCESS",)"
      R"("ntstatus":"0x00000000","socket":94805275497408,"mono_ns":2,)"
      R"("dur_ns":1}],"ret":3,"future_key":{"x":[1]}})");
  EXPECT_EQ(r.ret, 3);
  EXPECT_TRUE(r.errno_name.empty());
  ASSERT_EQ(r.wsk.size(), 1u);
  EXPECT_TRUE(r.wsk[0].socket_result);
  EXPECT_EQ(r.wsk[0].information, 94805275497408u);
}

TEST(TraceRecordTest, ReportsWhatIsWrong) {
  struct Case {
    std::string from, to, error;
  } cases[] = {
      {R"("call":"connect",)", "", "missing \"call\""},
      {R"("pid":32616)", R"("pid":"32616")", "\"pid\" is not a number"},
      {R"("pid":32616)", R"("pid":1.5)", "\"pid\" is not an integer"},
      {R"("ts_ns":1795506289929581825)", R"("ts_ns":-1)",
       "\"ts_ns\" is not an unsigned integer"},
      {R"("passthrough":false)", R"("passthrough":0)",
       "\"passthrough\" is not true or false"},
      {R"("info":0,"mono_ns":4843816851229)", R"("mono_ns":4843816851229)",
       "wsk[0]: missing \"info\" or \"socket\""},
      {R"("errno":"EINPROGRESS")", R"("errno":5)", "\"errno\" is not a string"},
  };
  for (const Case& c : cases) {
    std::string line = kConnectLine;
    size_t at = line.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    line.replace(at, c.from.size(), c.to);
    TraceRecord r;
    std::string error;
    EXPECT_FALSE(ParseTraceRecord(line, &r, &error)) << line;
    EXPECT_EQ(error, c.error);
  }
  TraceRecord r;
  std::string error;
  EXPECT_FALSE(ParseTraceRecord("[1]", &r, &error));
  EXPECT_EQ(error, "not a JSON object");
}

TEST(PercentileTest, NearestRank) {
  EXPECT_EQ(Percentile({}, 50), 0u);
  EXPECT_EQ(Percentile({7}, 99), 7u);
  EXPECT_EQ(Percentile({4, 1, 3, 2}, 50), 2u);
  std::vector<uint64_t> hundred;
  for (uint64_t i = 100; i >= 1; --i) hundred.push_back(i);
  EXPECT_EQ(Percentile(hundred, 50), 50u);
  EXPECT_EQ(Percentile(hundred, 99), 99u);
  EXPECT_EQ(Percentile(hundred, 100), 100u);
}

std::vector<TraceRecord> ClientAndServer() {
  return {
      // server, pid 100: listening socket on port 41000
      Rec(100, "socket", -1, "AF_INET, SOCK_STREAM, 0", 3, 1000, 10,
          {Wsk("WskSocket", "AF_INET(2), type=1, proto=0, STREAM|LX_INLINE",
               "STATUS_SUCCESS", 0x55aa, 1001, 5, true)}),
      Rec(100, "bind", 3, "3, {AF_INET(2), 127.0.0.1:41000}, 16", 0, 1100, 10,
          {Wsk("WskBind", "AF_INET(2) 127.0.0.1:41000, flags=0x0",
               "STATUS_SUCCESS", 0, 1101, 5)}),
      // client, pid 200 (its first line comes before the server's accept)
      Rec(200, "connect", 7, "7, {AF_INET(2), 127.0.0.1:41000}, 16", -1, 2000,
          50,
          {Wsk("WskBind", "NULL, flags=0x10000 LX_IMPLICIT_BIND",
               "STATUS_SUCCESS", 0, 2001, 1),
           Wsk("WskConnect", "AF_INET(2) 127.0.0.1:41000",
               "STATUS_CONNECTION_REFUSED", 0, 2003, 40)}),
      Rec(200, "send", 7, "7, 0x7ffe12345678, 4, 0x0", 4, 2100, 20,
          {Wsk("WskSend", "WSK_BUF{len=4}, flags=0x0", "STATUS_SUCCESS", 4,
               2101, 10)}),
      Rec(200, "recvfrom", 7, "7, 0x55aa00001111, 1024, 0x0, (nil), (nil)", 9,
          2200, 20,
          {Wsk("WskReceive", "WSK_BUF{len=1024}, flags=0x0", "STATUS_SUCCESS",
               9, 2201, 10)}),
      // server again: accept with the client's ephemeral port 52000
      Rec(100, "accept4", 3, "3, 0x7ffd00000010, 0x7ffd00000020, 0x80000", 4,
          1200, 900,
          {Wsk("WskAccept", "flags=0x40000, remote=AF_INET(2) 127.0.0.1:52000",
               "STATUS_SUCCESS", 0x66bb, 1500, 5, true)}),
      Rec(100, "close", 4, "4", 0, 3000, 10,
          {Wsk("WskCloseSocket", "handle=4", "STATUS_SUCCESS", 0, 3001, 5)}),
  };
}

std::vector<std::string> Lines(const std::string& s) {
  return absl::StrSplit(s, '\n', absl::SkipEmpty());
}

TEST(MermaidTest, CanonicalDiagram) {
  std::string d = RenderMermaid(ClientAndServer(), {});
  std::vector<std::string> lines = Lines(d);
  ASSERT_GT(lines.size(), 5u);
  EXPECT_EQ(lines[0], "sequenceDiagram");
  EXPECT_EQ(lines[1], "  participant P as Program");
  EXPECT_EQ(lines[2], "  participant S as syscalls layer (lxcore)");
  EXPECT_EQ(lines[3], "  participant W as WSK provider");
  EXPECT_EQ(lines[4], "  participant H as host stack");
  EXPECT_EQ(lines[5], "  Note over P,H: process 1");
  // Per process, by start time: the server's accept before the client.
  const std::string expected_tail =
      "  P->>S: accept4(fd1, PTR, PTR, 0x80000)\n"
      "  S->>W: WskAccept(flags=0x40000, remote=AF_INET(2) "
      "127.0.0.1:PORT_B)\n"
      "  W->>H: HostStack::Accept\n"
      "  W-->>S: STATUS_SUCCESS (0x00000000) socket=sock2\n"
      "  S-->>P: fd2\n"
      "  P->>S: close(fd2)\n"
      "  S->>W: WskCloseSocket(handle=fd2)\n"
      "  W->>H: HostStack::Close\n"
      "  W-->>S: STATUS_SUCCESS (0x00000000) info=0\n"
      "  S-->>P: 0\n"
      "  Note over P,H: process 2\n"
      "  P->>S: connect(fd3, {AF_INET(2), 127.0.0.1:PORT_A}, 16)\n"
      "  S->>W: WskBind(NULL, flags=0x10000 LX_IMPLICIT_BIND)\n"
      "  W-->>S: STATUS_SUCCESS (0x00000000) info=0\n"
      "  S->>W: WskConnect(AF_INET(2) 127.0.0.1:PORT_A)\n"
      "  W->>H: HostStack::Connect\n"
      "  W-->>S: STATUS_CONNECTION_REFUSED (0xC0000236) info=0\n"
      "  S-->>P: -1 ECONNREFUSED\n"
      "  P->>S: send(fd3, PTR, 4, 0x0)\n"
      "  S->>W: WskSend(WSK_BUF{len=4}, flags=0x0)\n"
      "  W->>H: HostStack::Send\n"
      "  W-->>S: STATUS_SUCCESS (0x00000000) info=4\n"
      "  S-->>P: 4\n"
      "  P->>S: recvfrom(fd3, PTR, 1024, 0x0, NULL, NULL)\n"
      "  S->>W: WskReceive(WSK_BUF{len=1024}, flags=0x0)\n"
      "  W->>H: HostStack::Receive\n"
      "  W-->>S: STATUS_SUCCESS (0x00000000) info=9\n"
      "  S-->>P: 9\n";
  EXPECT_TRUE(absl::EndsWith(d, expected_tail)) << d;
  EXPECT_TRUE(absl::StrContains(
      d, "  P->>S: bind(fd1, {AF_INET(2), 127.0.0.1:PORT_A}, 16)\n"))
      << d;
  for (const char* leak : {"41000", "52000", "55aa", "7ffe"}) {
    EXPECT_FALSE(absl::StrContains(d, leak)) << leak << " in\n" << d;
  }
  // The same input gives the same text.
  EXPECT_EQ(d, RenderMermaid(ClientAndServer(), {}));
}

TEST(MermaidTest, FiltersOneConnection) {
  MermaidOptions o;
  o.pid = 100;
  o.fd = 4;  // the accepted socket: accept4 returned it, close used it
  std::string d = RenderMermaid(ClientAndServer(), o);
  EXPECT_TRUE(absl::StrContains(d, "P->>S: accept4(")) << d;
  EXPECT_TRUE(absl::StrContains(d, "P->>S: close(fd2)")) << d;
  EXPECT_FALSE(absl::StrContains(d, "bind(")) << d;
  EXPECT_FALSE(absl::StrContains(d, "Note over")) << d;
  o.pid = 200;
  o.fd = 7;
  d = RenderMermaid(ClientAndServer(), o);
  EXPECT_TRUE(absl::StrContains(d, "P->>S: connect(fd1,")) << d;
  EXPECT_FALSE(absl::StrContains(d, "accept")) << d;
  o.pid = 999;
  EXPECT_EQ(RenderMermaid(ClientAndServer(), o), "");
}

TEST(MermaidTest, NamesProcessesAndEscapes) {
  std::vector<TraceRecord> recs = {
      Rec(5, "socket", -1, "AF_UNIX, SOCK_STREAM, 0", 3, 1, 1),
      Rec(5, "setsockopt", 3, "3, 1, 2, 0x7ffe00001000, 4", 0, 2, 1,
          {Wsk("WskControlSocket",
               "WskSetOption, code=0x4, level=0xFFFF, in=4, out=0",
               "STATUS_SUCCESS", 0, 2, 1)}),
      Rec(5, "ioctl", 3, "3, 0x5421, 0x7ffe00001000", 0, 3, 1,
          {Wsk("WskControlSocket",
               "WskSetOption, code=0x4040, level=0xFFFF, in=4, out=0",
               "STATUS_SUCCESS", 0, 3, 1)}),
      Rec(5, "weird", 3, "3, a;b#c", 0, 4, 1),
  };
  recs[0].passthrough = true;
  MermaidOptions o;
  o.process_names = {"server"};
  std::string d = RenderMermaid(recs, o);
  EXPECT_TRUE(absl::StrContains(d, "  Note over P,H: server\n")) << d;
  EXPECT_TRUE(absl::StrContains(d, "  Note over S: pass-through")) << d;
  // Option levels, names and ioctl requests by name, from the tables.
  EXPECT_TRUE(absl::StrContains(
      d, "P->>S: setsockopt(fd1, SOL_SOCKET, SO_REUSEADDR, PTR, 4)\n"))
      << d;
  EXPECT_TRUE(absl::StrContains(
      d, "WskControlSocket(WskSetOption, code=0x4 SO_REUSEADDR, level=0xFFFF"))
      << d;
  EXPECT_TRUE(absl::StrContains(d, "P->>S: ioctl(fd1, FIONBIO, PTR)\n")) << d;
  // The backlog stays in the provider: no host arrow after it.
  EXPECT_TRUE(absl::StrContains(
      d,
      "code=0x4040 SO_LXWSK_LISTEN_BACKLOG, level=0xFFFF, in=4, out=0)\n"
      "  W-->>S: STATUS_SUCCESS"))
      << d;
  // ';' ends a Mermaid message and '#' starts a comment.
  EXPECT_TRUE(absl::StrContains(d, "weird(fd1, a#59;b#35;c)")) << d;
}

TEST(PerfettoTest, NestsAndParses) {
  PerfettoWriter w;
  std::vector<TraceRecord> recs = ClientAndServer();
  // A WSK call that ends after its Linux call (damaged input) is clamped.
  recs[1].wsk[0].dur_ns = 1000;
  for (const TraceRecord& r : recs) w.Add(r);
  EXPECT_EQ(w.clamped(), 1);
  JsonValue doc;
  std::string error;
  ASSERT_TRUE(ParseJson(w.Finish(), &doc, &error)) << error;
  const JsonValue* events = doc.Find("traceEvents");
  ASSERT_NE(events, nullptr);
  int meta = 0, linux = 0, wsk = 0;
  const JsonValue* parent = nullptr;
  for (const JsonValue& e : events->array) {
    std::string ph = e.Find("ph")->string;
    if (ph == "M") {
      ++meta;
      continue;
    }
    ASSERT_EQ(ph, "X");
    if (e.Find("cat")->string == "linux") {
      ++linux;
      parent = &e;
      continue;
    }
    ++wsk;
    ASSERT_NE(parent, nullptr);
    double ts = e.Find("ts")->number, dur = e.Find("dur")->number;
    double pts = parent->Find("ts")->number, pdur = parent->Find("dur")->number;
    EXPECT_GE(ts, pts);
    EXPECT_LE(ts + dur, pts + pdur + 1e-9);
    EXPECT_EQ(e.Find("pid")->magnitude, parent->Find("pid")->magnitude);
  }
  EXPECT_EQ(meta, 4);  // two processes, one thread each
  EXPECT_EQ(linux, 7);
  EXPECT_EQ(wsk, 8);
  // Microseconds, exactly: mono_ns 1000 -> 1.000.
  EXPECT_TRUE(absl::StrContains(w.Finish(), "\"ts\":1.000,\"dur\":0.010"));
  EXPECT_TRUE(absl::StrContains(w.Finish(), "\"socket\":\"0x55aa\""));
  EXPECT_TRUE(ParseJson(PerfettoWriter().Finish(), &doc, &error)) << error;
}

TEST(StatsTest, SectionPerProcess) {
  StatsCollector s;
  for (const TraceRecord& r : ClientAndServer()) s.Add(r);
  std::string out = s.Render();
  EXPECT_TRUE(
      absl::StartsWith(out, "lxwsk statistics: 7 Linux calls in 2 processes\n"))
      << out;
  size_t server = out.find("\n== pid 100 ==\n");
  size_t client = out.find("\n== pid 200 ==\n");
  ASSERT_NE(server, std::string::npos) << out;
  ASSERT_NE(client, std::string::npos) << out;
  ASSERT_LT(server, client);
  std::string c = out.substr(client);
  EXPECT_TRUE(absl::StrContains(c, "\nconnect                   1        1 "))
      << c;
  EXPECT_TRUE(absl::StrContains(c, "\nECONNREFUSED              1\n")) << c;
  EXPECT_TRUE(absl::StrContains(
      c, "\nSTATUS_CONNECTION_REFUSED (0xC0000236)        1\n"))
      << c;
  EXPECT_TRUE(
      absl::StrContains(c, "\nbytes sent                    4 in 1 calls"))
      << c;
  EXPECT_TRUE(
      absl::StrContains(c, "\nbytes received                9 in 1 calls"))
      << c;
  std::string sv = out.substr(server, client - server);
  EXPECT_TRUE(absl::StrContains(sv, "\n(none)\n")) << sv;  // no errno
  EXPECT_TRUE(absl::StrContains(sv,
                                "accept4                   1        0 "
                                "       0.9        0.9\n"))
      << sv;
  EXPECT_EQ(StatsCollector().Render(), "lxwsk statistics: no calls traced\n");
}

}  // namespace
}  // namespace lxwsk_tool
