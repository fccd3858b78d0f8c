// pcre2_engine.cc — PCRE2-JIT one-alternation engine.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pcre2_engine.h"

#include <pcre2.h>

#include <algorithm>

namespace newsflow::bench {

namespace {

std::string ErrorText(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof(buf)) < 0) return "PCRE2 error " + std::to_string(code);
  return reinterpret_cast<const char*>(buf);
}
}  // namespace

Pcre2Engine::~Pcre2Engine() { Free(); }

void Pcre2Engine::Free() {
  for (pcre2_code* c : codes_) pcre2_code_free(c);
  codes_.clear();
}

namespace {

// One alternation of patterns [first, last); callout strings are global ids.
std::string Alternation(const std::vector<PatternSpec>& patterns, size_t first, size_t last) {
  std::string re = "(?:";
  for (size_t i = first; i < last; ++i) {
    const PatternSpec& p = patterns[i];
    if (i > first) re += '|';
    re += "(?:";
    if (p.boundary) re += "(?<![0-9A-Za-z])";
    if (p.caseless && HasAsciiLetter(p.text)) re += "(?i)";
    for (unsigned char c : p.text) AppendRegexByte(&re, c);
    if (p.boundary) re += "(?![0-9A-Za-z])";
    re += ")(?C\"" + std::to_string(i) + "\")";
  }
  re += ")";
  return re;
}

}  // namespace

std::string Pcre2Engine::Build(const std::vector<PatternSpec>& patterns) {
  Free();
  patterns_ = patterns.size();
  size_t chunk = std::max<size_t>(patterns.size(), 1);
  for (size_t first = 0; first < patterns.size();) {
    const size_t last = std::min(patterns.size(), first + chunk);
    const std::string re = Alternation(patterns, first, last);
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(), 0, &err, &off, nullptr);
    if (code == nullptr) {
      if (err == PCRE2_ERROR_PATTERN_TOO_LARGE && chunk > 1) {
        chunk = (chunk + 1) / 2;
        continue;
      }
      return "pcre2_compile: " + ErrorText(err) + " (alternation of " + std::to_string(last - first) + " patterns)";
    }
    codes_.push_back(code);
    if (int rc = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); rc != 0) return "pcre2_jit_compile: " + ErrorText(rc);
    first = last;
  }
  return "";
}

size_t Pcre2Engine::database_bytes() const {
  size_t a = 0, b = 0;
  for (pcre2_code* c : codes_) {
    size_t x = 0, y = 0;
    pcre2_pattern_info(c, PCRE2_INFO_SIZE, &x);
    pcre2_pattern_info(c, PCRE2_INFO_JITSIZE, &y);
    a += x;
    b += y;
  }
  return a + b;
}

class Pcre2Engine::Pcre2Scanner : public Scanner {
 public:
  Pcre2Scanner(const std::vector<pcre2_code*>& codes, size_t patterns) : codes_(codes), seen_(patterns, 0) {
    md_ = pcre2_match_data_create(1, nullptr);
    mctx_ = pcre2_match_context_create(nullptr);
    stack_ = pcre2_jit_stack_create(32 * 1024, 8 << 20, nullptr);
    pcre2_jit_stack_assign(mctx_, nullptr, stack_);
    pcre2_set_callout(mctx_, &OnCallout, this);
    pcre2_set_match_limit(mctx_, UINT32_MAX);
    pcre2_set_depth_limit(mctx_, UINT32_MAX);
  }
  ~Pcre2Scanner() override {
    pcre2_jit_stack_free(stack_);
    pcre2_match_context_free(mctx_);
    pcre2_match_data_free(md_);
  }

  bool Scan(std::string_view doc, MatchFn on_match) override {
    if (++epoch_ == 0) {
      std::fill(seen_.begin(), seen_.end(), 0);
      epoch_ = 1;
    }
    on_match_ = &on_match;
    for (pcre2_code* code : codes_) {
      const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(doc.data()), doc.size(), 0, 0, md_, mctx_);
      if (rc != PCRE2_ERROR_NOMATCH) return false;  // every path ends in a failing callout
    }
    return true;
  }

 private:
  static int OnCallout(pcre2_callout_block* b, void* ctx) {
    auto* s = static_cast<Pcre2Scanner*>(ctx);
    uint32_t id = 0;
    for (PCRE2_SIZE i = 0; i < b->callout_string_length; ++i) id = id * 10 + (b->callout_string[i] - '0');
    if (s->seen_[id] != s->epoch_) {
      s->seen_[id] = s->epoch_;
      (*s->on_match_)(id);
    }
    return 1;  // fail here: backtrack into the other alternatives and start positions
  }

  const std::vector<pcre2_code*>& codes_;
  pcre2_match_data* md_ = nullptr;
  pcre2_match_context* mctx_ = nullptr;
  pcre2_jit_stack* stack_ = nullptr;
  std::vector<uint32_t> seen_;
  uint32_t epoch_ = 0;
  const MatchFn* on_match_ = nullptr;
};

std::unique_ptr<Scanner> Pcre2Engine::NewScanner() const { return std::make_unique<Pcre2Scanner>(codes_, patterns_); }

}  // namespace newsflow::bench
