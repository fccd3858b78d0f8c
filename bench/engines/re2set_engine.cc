// re2set_engine.cc — RE2::Set engine.
#include "re2set_engine.h"

#include <re2/re2.h>
#include <re2/set.h>

namespace newsflow::bench {

std::string Re2SetEngine::ToRegex(const PatternSpec& p) {
  std::string re;
  if (p.boundary) re += "(?:^|[^0-9A-Za-z])";
  for (unsigned char c : p.text) {
    const unsigned char lower = c | 0x20;
    if (p.caseless && lower >= 'a' && lower <= 'z') {
      re += '[';
      re += static_cast<char>(lower - 0x20);
      re += static_cast<char>(lower);
      re += ']';
    } else {
      AppendRegexByte(&re, c);
    }
  }
  if (p.boundary) re += "(?:[^0-9A-Za-z]|$)";
  return re;
}

struct Re2SetEngine::Impl {
  explicit Impl(const RE2::Options& o) : set(o, RE2::UNANCHORED) {}
  RE2::Set set;
};

Re2SetEngine::Re2SetEngine(int64_t max_mem) : max_mem_(max_mem) {}
Re2SetEngine::~Re2SetEngine() = default;

std::string Re2SetEngine::Build(const std::vector<PatternSpec>& patterns) {
  RE2::Options opt;
  opt.set_encoding(RE2::Options::EncodingLatin1);
  opt.set_max_mem(max_mem_);
  opt.set_log_errors(false);
  impl_ = std::make_unique<Impl>(opt);
  RE2::Set* set_ = &impl_->set;
  for (size_t i = 0; i < patterns.size(); ++i) {
    std::string err;
    if (set_->Add(ToRegex(patterns[i]), &err) != static_cast<int>(i))
      return "RE2::Set::Add(pattern " + std::to_string(i) + "): " + err;
  }
  if (!set_->Compile()) return "RE2::Set::Compile failed (program larger than max_mem)";
  return "";
}

class Re2SetEngine::Re2Scanner : public Scanner {
 public:
  explicit Re2Scanner(const re2::RE2::Set& set) : set_(set) { hits_.reserve(64); }
  bool Scan(std::string_view doc, MatchFn on_match) override {
    re2::RE2::Set::ErrorInfo info;
    if (!set_.Match(re2::StringPiece(doc.data(), doc.size()), &hits_, &info) &&
        info.kind != re2::RE2::Set::kNoError)
      return false;  // kOutOfMemory: the DFA gave up
    for (int h : hits_) on_match(static_cast<uint32_t>(h));
    return true;
  }

 private:
  const re2::RE2::Set& set_;
  std::vector<int> hits_;
};

std::unique_ptr<Scanner> Re2SetEngine::NewScanner() const { return std::make_unique<Re2Scanner>(impl_->set); }

}  // namespace newsflow::bench
