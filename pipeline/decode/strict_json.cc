// strict_json.cc — see strict_json.h.
//
// Speed: scalars are checked on their raw bytes (the number grammar of RFC
// 8259 section 6, the three atoms) instead of being converted; a container
// is taken whole from On-Demand (raw_json()) and checked by a byte-level
// recursive descent, which is several times cheaper than walking it value by
// value through the On-Demand API; strings are looked at only when the line
// has a backslash at all. Cost: bench/RESULTS.md, "Decode".
#include "pipeline/decode/strict_json.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace newsflow::pipeline {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// raw_json_token() runs to the next structural character: the token, then
// whitespace only.
inline bool OnlySpace(std::string_view rest) {
  for (char c : rest)
    if (!IsSpace(c)) return false;
  return true;
}

enum class NumberCheck { kValid, kInvalid, kNearLimit };

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and nothing after it. An
// integer of 19+ digits or a float with a 3+ digit exponent may be out of
// range (beyond 64 bits, overflowing to infinity): kNearLimit, for the
// parser to judge.
NumberCheck CheckNumber(std::string_view t) {
  size_t i = 0;
  const size_t n = t.size();
  if (i < n && t[i] == '-') ++i;
  const size_t int_start = i;
  if (i < n && t[i] == '0') {
    ++i;
  } else {
    if (i >= n || !IsDigit(t[i])) return NumberCheck::kInvalid;
    while (i < n && IsDigit(t[i])) ++i;
  }
  const size_t int_digits = i - int_start;
  bool is_float = false;
  if (i < n && t[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(t[i])) return NumberCheck::kInvalid;
    while (i < n && IsDigit(t[i])) ++i;
    is_float = true;
  }
  bool big_exponent = false;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (i >= n || !IsDigit(t[i])) return NumberCheck::kInvalid;
    const size_t exp_start = i;
    while (i < n && IsDigit(t[i])) ++i;
    big_exponent = i - exp_start > 2;  // |exponent| >= 100: let the parser judge the range
    is_float = true;
  }
  if (!OnlySpace(t.substr(i))) return NumberCheck::kInvalid;
  if ((!is_float && int_digits >= 19) || big_exponent || int_digits > 300) return NumberCheck::kNearLimit;
  return NumberCheck::kValid;
}

// Near a limit: an integer must fit 64 bits (signed or unsigned), a float
// must stay finite.
bool InRange(std::string_view t) {
  const bool is_float = t.find_first_of(".eE") != std::string_view::npos;
  if (!is_float) {
    if (t[0] == '-') {
      int64_t v;
      const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
      return r.ec == std::errc() && r.ptr == t.data() + t.size();
    }
    uint64_t v;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    return r.ec == std::errc() && r.ptr == t.data() + t.size();
  }
  const std::string copy(t);
  errno = 0;
  const double d = std::strtod(copy.c_str(), nullptr);
  return std::isfinite(d);
}

inline bool IsAtom(std::string_view t, std::string_view atom) {
  return t.substr(0, atom.size()) == atom && OnlySpace(t.substr(atom.size()));
}

// Recursive descent over the raw bytes of a container (object or array)
// that On-Demand hands over whole (raw_json()): cheaper than walking it value
// by value through the On-Demand API. Strings are skipped with memchr when
// the line has no backslash (stage 1 checked their bytes), else their
// escapes are checked (\uXXXX surrogates must pair, as the parser requires).
class Bytes {
 public:
  Bytes(std::string_view s, bool escapes) : p_(s.data()), end_(s.data() + s.size()), escapes_(escapes) {}

  bool Whole() {
    if (!Value(0)) return false;
    Space();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 1024;  // simdjson's default

  void Space() {
    while (p_ < end_ && IsSpace(*p_)) ++p_;
  }
  bool Eat(char c) {
    Space();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  bool Value(int depth) {
    Space();
    if (p_ >= end_) return false;
    switch (*p_) {
      case '{': return Object(depth + 1);
      case '[': return Array(depth + 1);
      case '"': return String();
      case 't': return Word("true");
      case 'f': return Word("false");
      case 'n': return Word("null");
      default: return Number();
    }
  }

  bool Object(int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    if (Eat('}')) return true;
    for (;;) {
      Space();
      if (p_ >= end_ || *p_ != '"' || !String() || !Eat(':') || !Value(depth)) return false;
      if (Eat(',')) continue;
      return Eat('}');
    }
  }

  bool Array(int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '['
    if (Eat(']')) return true;
    for (;;) {
      if (!Value(depth)) return false;
      if (Eat(',')) continue;
      return Eat(']');
    }
  }

  bool Word(std::string_view w) {
    if (static_cast<size_t>(end_ - p_) < w.size() || std::string_view(p_, w.size()) != w) return false;
    p_ += w.size();
    return true;
  }

  // One pass over -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; numbers
  // that may be out of range go to InRange.
  bool Number() {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    const char* digits = p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else {
      if (p_ >= end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    const size_t int_digits = static_cast<size_t>(p_ - digits);
    bool near_limit = int_digits >= 19;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ >= end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
      near_limit = int_digits > 300;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      const char* exp = p_;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
      if (p_ == exp) return false;
      near_limit = p_ - exp > 2 || int_digits > 300;
    }
    return !near_limit || InRange(std::string_view(start, static_cast<size_t>(p_ - start)));
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
  }
  bool U4(unsigned* out) {
    if (end_ - p_ < 4) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = Hex(p_[i]);
      if (h < 0) return false;
      v = v << 4 | static_cast<unsigned>(h);
    }
    p_ += 4;
    *out = v;
    return true;
  }

  bool String() {
    ++p_;  // '"'
    if (!escapes_) {
      const void* q = std::memchr(p_, '"', static_cast<size_t>(end_ - p_));
      if (q == nullptr) return false;
      p_ = static_cast<const char*>(q) + 1;
      return true;
    }
    while (p_ < end_) {
      const char c = *p_++;
      if (c == '"') return true;
      if (c != '\\') continue;
      if (p_ >= end_) return false;
      const char e = *p_++;
      if (e == 'u') {
        unsigned u;
        if (!U4(&u)) return false;
        if (u >= 0xDC00 && u <= 0xDFFF) return false;  // a low surrogate alone
        if (u >= 0xD800 && u <= 0xDBFF) {             // must be followed by a low one
          unsigned lo;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
          p_ += 2;
          if (!U4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
        }
      } else if (std::strchr("\"\\/bfnrt", e) == nullptr || e == 0) {
        return false;
      }
    }
    return false;
  }

  const char* p_;
  const char* end_;
  bool escapes_;
};

struct Walker {
  bool escapes;  // the line has a backslash somewhere

  error_code Value(od::value v, od::json_type t) noexcept {
    switch (t) {
      case od::json_type::object: {
        od::object o;
        std::string_view raw;
        if (error_code e = v.get_object().get(o)) return e;
        if (error_code e = o.raw_json().get(raw)) return e;
        return Bytes(raw, escapes).Whole() ? SUCCESS : simdjson::TAPE_ERROR;
      }
      case od::json_type::array: {
        od::array a;
        std::string_view raw;
        if (error_code e = v.get_array().get(a)) return e;
        if (error_code e = a.raw_json().get(raw)) return e;
        return Bytes(raw, escapes).Whole() ? SUCCESS : simdjson::TAPE_ERROR;
      }
      case od::json_type::number: {
        switch (CheckNumber(v.raw_json_token())) {
          case NumberCheck::kValid: return SUCCESS;
          case NumberCheck::kInvalid: return simdjson::NUMBER_ERROR;
          case NumberCheck::kNearLimit: break;
        }
        od::number num;  // the parser rejects integers beyond 64 bits and floats that overflow
        return v.get_number().get(num);
      }
      case od::json_type::string: {
        if (!escapes) return SUCCESS;  // stage 1 checked UTF-8 and control characters
        std::string_view s;
        return v.get_string().get(s);
      }
      case od::json_type::boolean: {
        const std::string_view t = v.raw_json_token();
        return IsAtom(t, "true") || IsAtom(t, "false") ? SUCCESS : simdjson::INCORRECT_TYPE;
      }
      case od::json_type::null:
        return IsAtom(v.raw_json_token(), "null") ? SUCCESS : simdjson::N_ATOM_ERROR;
    }
    return simdjson::INCORRECT_TYPE;
  }
};

}  // namespace

error_code ConsumeStrict(od::value v, bool escapes) noexcept {
  // Scalars straight from their raw token (no type() and getter calls
  // through the On-Demand API: most unread values are scalars).
  const std::string_view raw = v.raw_json_token();
  switch (raw.empty() ? '\0' : raw[0]) {
    case '"':
      if (!escapes) return SUCCESS;  // stage 1 checked UTF-8 and control characters
      break;
    case 't': return IsAtom(raw, "true") ? SUCCESS : simdjson::T_ATOM_ERROR;
    case 'f': return IsAtom(raw, "false") ? SUCCESS : simdjson::F_ATOM_ERROR;
    case 'n': return IsAtom(raw, "null") ? SUCCESS : simdjson::N_ATOM_ERROR;
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
      switch (CheckNumber(raw)) {
        case NumberCheck::kValid: return SUCCESS;
        case NumberCheck::kInvalid: return simdjson::NUMBER_ERROR;
        case NumberCheck::kNearLimit: break;
      }
      break;
    default:
      break;
  }
  od::json_type t;
  if (error_code e = v.type().get(t)) return e;
  return Walker{escapes}.Value(v, t);
}

error_code ConsumeStrict(od::value v, od::json_type t, bool escapes) noexcept { return Walker{escapes}.Value(v, t); }

}  // namespace newsflow::pipeline
