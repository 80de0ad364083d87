#include "trace_json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lxwsk_tool {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(absl::string_view text) : s_(text) {}

  bool ParseDocument(JsonValue* out, std::string* error) {
    SkipSpace();
    if (!ParseValue(out, 0)) {
      *error = absl::StrCat("column ", pos_ + 1, ": ", error_);
      return false;
    }
    SkipSpace();
    if (pos_ != s_.size()) {
      *error = absl::StrCat("column ", pos_ + 1,
                            ": unexpected text after the value");
      return false;
    }
    return true;
  }

 private:
  bool Fail(const std::string& what) {
    if (error_.empty()) error_ = what;
    return false;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(absl::string_view word) {
    if (s_.substr(pos_, word.size()) != word) {
      return Fail(absl::StrCat("expected '", word, "'"));
    }
    pos_ += word.size();
    return true;
  }

  bool ParseValue(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    if (pos_ >= s_.size()) return Fail("unexpected end of line");
    char c = s_[pos_];
    switch (c) {
      case '{':
        return ParseObject(v, depth);
      case '[':
        return ParseArray(v, depth);
      case '"':
        v->type = JsonValue::Type::kString;
        return ParseString(&v->string);
      case 't':
        v->type = JsonValue::Type::kBool;
        v->boolean = true;
        return Literal("true");
      case 'f':
        v->type = JsonValue::Type::kBool;
        v->boolean = false;
        return Literal("false");
      case 'n':
        v->type = JsonValue::Type::kNull;
        return Literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(v);
        return Fail(absl::StrFormat("unexpected character '%c'", c));
    }
  }

  bool ParseObject(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        return Fail("expected a string key");
      }
      std::string key;
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
      ++pos_;
      SkipSpace();
      JsonValue member;
      if (!ParseValue(&member, depth + 1)) return false;
      v->object.emplace_back(std::move(key), std::move(member));
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool ParseArray(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      JsonValue item;
      if (!ParseValue(&item, depth + 1)) return false;
      v->array.push_back(std::move(item));
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("bad \\u escape");
      }
    }
    *out = v;
    return true;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return Fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        continue;
      }
      if (pos_ >= s_.size()) return Fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair
            uint32_t low;
            if (s_.substr(pos_, 2) != "\\u") return Fail("lone surrogate");
            pos_ += 2;
            if (!Hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return Fail("lone surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail("lone surrogate");
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Fail(absl::StrFormat("bad escape '\\%c'", e));
      }
    }
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  bool ParseNumber(JsonValue* v) {
    v->type = JsonValue::Type::kNumber;
    size_t start = pos_;
    bool negative = false;
    if (s_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Fail("bad number");
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && IsDigit(s_[pos_ + 1])) {
      return Fail("bad number (leading zero)");
    }
    bool exact = true;
    uint64_t mag = 0;
    while (pos_ < s_.size() && IsDigit(s_[pos_])) {
      uint64_t d = static_cast<uint64_t>(s_[pos_] - '0');
      if (mag > (UINT64_MAX - d) / 10) exact = false;
      mag = mag * 10 + d;
      ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      exact = false;
      ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Fail("bad number");
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      exact = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Fail("bad number");
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    std::string literal(s_.substr(start, pos_ - start));
    v->number = strtod(literal.c_str(), nullptr);
    if (exact && negative && mag > (uint64_t{1} << 63)) exact = false;
    v->integer = exact;
    v->negative = exact && negative && mag != 0;
    v->magnitude = exact ? mag : 0;
    return true;
  }

  absl::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

// Typed member access for the record reader; each sets *error naming the
// key on a missing or mistyped member.
class Fields {
 public:
  Fields(const JsonValue& obj, const char* where, std::string* error)
      : obj_(obj), where_(where), error_(error) {}

  const JsonValue* Get(const char* key, JsonValue::Type type,
                       const char* type_name, bool optional = false) {
    const JsonValue* v = obj_.Find(key);
    if (v == nullptr) {
      if (!optional) Fail(absl::StrCat("missing \"", key, "\""));
      return nullptr;
    }
    if (v->type != type) {
      Fail(absl::StrCat("\"", key, "\" is not ", type_name));
      return nullptr;
    }
    return v;
  }
  bool Uint(const char* key, uint64_t* out) {
    const JsonValue* v = Get(key, JsonValue::Type::kNumber, "a number");
    if (v == nullptr) return false;
    if (!v->AsUint64(out)) {
      return Fail(absl::StrCat("\"", key, "\" is not an unsigned integer"));
    }
    return true;
  }
  bool Int(const char* key, int64_t* out) {
    const JsonValue* v = Get(key, JsonValue::Type::kNumber, "a number");
    if (v == nullptr) return false;
    if (!v->AsInt64(out)) {
      return Fail(absl::StrCat("\"", key, "\" is not an integer"));
    }
    return true;
  }
  bool String(const char* key, std::string* out, bool optional = false) {
    const JsonValue* v =
        Get(key, JsonValue::Type::kString, "a string", optional);
    if (v == nullptr) return optional && ok_;
    *out = v->string;
    return true;
  }
  bool Bool(const char* key, bool* out) {
    const JsonValue* v = Get(key, JsonValue::Type::kBool, "true or false");
    if (v == nullptr) return false;
    *out = v->boolean;
    return true;
  }
  bool Fail(const std::string& what) {
    if (ok_) *error_ = absl::StrCat(where_, what);
    ok_ = false;
    return false;
  }
  bool ok() const { return ok_; }

 private:
  const JsonValue& obj_;
  const char* where_;
  std::string* error_;
  bool ok_ = true;
};

bool ParseWsk(const JsonValue& v, int index, TraceWskCall* w,
              std::string* error) {
  std::string where = absl::StrCat("wsk[", index, "]: ");
  if (v.type != JsonValue::Type::kObject) {
    *error = absl::StrCat(where, "not an object");
    return false;
  }
  Fields f(v, where.c_str(), error);
  f.String("fn", &w->fn) && f.String("text", &w->text) &&
      f.String("status", &w->status) && f.String("ntstatus", &w->ntstatus) &&
      f.Uint("mono_ns", &w->mono_ns) && f.Uint("dur_ns", &w->dur_ns);
  if (!f.ok()) return false;
  if (v.Find("socket") != nullptr) {
    w->socket_result = true;
    return f.Uint("socket", &w->information);
  }
  if (v.Find("info") == nullptr) {
    return f.Fail("missing \"info\" or \"socket\"");
  }
  return f.Uint("info", &w->information);
}

}  // namespace

const JsonValue* JsonValue::Find(absl::string_view key) const {
  if (type != Type::kObject) return nullptr;
  for (auto it = object.rbegin(); it != object.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

bool JsonValue::AsUint64(uint64_t* out) const {
  if (type != Type::kNumber || !integer || negative) return false;
  *out = magnitude;
  return true;
}

bool JsonValue::AsInt64(int64_t* out) const {
  if (type != Type::kNumber || !integer) return false;
  if (negative) {
    // magnitude <= 2^63 was checked when parsing.
    *out = magnitude == (uint64_t{1} << 63) ? INT64_MIN
                                            : -static_cast<int64_t>(magnitude);
    return true;
  }
  if (magnitude > static_cast<uint64_t>(INT64_MAX)) return false;
  *out = static_cast<int64_t>(magnitude);
  return true;
}

bool ParseJson(absl::string_view text, JsonValue* out, std::string* error) {
  *out = JsonValue();
  return Parser(text).ParseDocument(out, error);
}

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

bool ParseTraceRecord(absl::string_view line, TraceRecord* rec,
                      std::string* error) {
  JsonValue v;
  if (!ParseJson(line, &v, error)) return false;
  if (v.type != JsonValue::Type::kObject) {
    *error = "not a JSON object";
    return false;
  }
  Fields f(v, "", error);
  f.Uint("ts_ns", &rec->ts_ns) && f.Uint("mono_ns", &rec->mono_ns) &&
      f.Uint("dur_ns", &rec->dur_ns) && f.Int("pid", &rec->pid) &&
      f.Int("tid", &rec->tid) && f.String("call", &rec->call) &&
      f.Int("fd", &rec->fd) && f.String("args", &rec->args) &&
      f.Bool("passthrough", &rec->passthrough) && f.Int("ret", &rec->ret) &&
      f.String("errno", &rec->errno_name, /*optional=*/true);
  if (!f.ok()) return false;
  if (rec->call.empty()) return f.Fail("\"call\" is empty");
  const JsonValue* wsk = f.Get("wsk", JsonValue::Type::kArray, "an array");
  if (wsk == nullptr) return false;
  rec->wsk.clear();
  rec->wsk.resize(wsk->array.size());
  for (size_t i = 0; i < wsk->array.size(); ++i) {
    if (!ParseWsk(wsk->array[i], static_cast<int>(i), &rec->wsk[i], error)) {
      return false;
    }
  }
  return true;
}

bool ReadTrace(const std::string& path,
               const std::function<bool(TraceRecord&&)>& sink,
               std::string* error) {
  const bool use_stdin = path == "-";
  const std::string name = use_stdin ? "<stdin>" : path;
  FILE* in = use_stdin ? stdin : fopen(path.c_str(), "re");
  if (in == nullptr) {
    *error = absl::StrCat("cannot read ", name, ": ", strerror(errno));
    return false;
  }
  char* buf = nullptr;
  size_t cap = 0;
  int number = 0;
  bool ok = true;
  for (;;) {
    errno = 0;
    ssize_t n = getline(&buf, &cap, in);
    if (n < 0) {
      if (ferror(in)) {
        *error = absl::StrCat("cannot read ", name, ": ", strerror(errno));
        ok = false;
      }
      break;
    }
    ++number;
    absl::string_view line(buf, static_cast<size_t>(n));
    const bool terminated = line.back() == '\n';
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == absl::string_view::npos) continue;
    TraceRecord rec;
    std::string why;
    if (!ParseTraceRecord(line, &rec, &why)) {
      // The tracer writes each line, newline included, with one write(2):
      // an unterminated last line is one still being written (a process
      // that outlived the program) and is left out, not an error.
      if (!terminated) break;
      // The text format starts "SECONDS.USEC [PID:TID] call(": say so.
      if (line[0] >= '0' && line[0] <= '9' &&
          line.find(" [") != absl::string_view::npos) {
        why =
            "a text-format trace line; record the trace with "
            "LXWSK_TRACE_FORMAT=json (lxwsk run --trace-format=json)";
      }
      *error = absl::StrCat(name, ":", number, ": malformed trace line: ", why);
      ok = false;
      break;
    }
    rec.line = number;
    if (!sink(std::move(rec))) {
      ok = false;
      break;
    }
  }
  free(buf);
  if (!use_stdin) fclose(in);
  return ok;
}

bool ReadTraceFile(const std::string& path, std::vector<TraceRecord>* records,
                   std::string* error) {
  return ReadTrace(
      path,
      [records](TraceRecord&& r) {
        records->push_back(std::move(r));
        return true;
      },
      error);
}

}  // namespace lxwsk_tool
