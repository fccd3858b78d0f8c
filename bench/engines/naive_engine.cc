// naive_engine.cc — std::string_view::find per pattern per document.
#include "naive_engine.h"

namespace newsflow::bench {

namespace {
void AsciiLower(std::string_view in, std::string* out) {
  out->resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    (*out)[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  }
}
}  // namespace

std::string NaiveEngine::Build(const std::vector<PatternSpec>& patterns) {
  needles_.clear();
  any_folded_ = false;
  for (const PatternSpec& p : patterns) {
    Needle n{p.text, p.caseless && HasAsciiLetter(p.text), p.boundary};
    if (n.folded) {
      std::string lower;
      AsciiLower(n.text, &lower);
      n.text = std::move(lower);
      any_folded_ = true;
    }
    needles_.push_back(std::move(n));
  }
  return "";
}

size_t NaiveEngine::database_bytes() const {
  size_t n = 0;
  for (const auto& x : needles_) n += x.text.size();
  return n;
}

class NaiveEngine::NaiveScanner : public Scanner {
 public:
  explicit NaiveScanner(const NaiveEngine& e) : e_(e) {}
  bool Scan(std::string_view doc, MatchFn on_match) override {
    if (e_.any_folded_) AsciiLower(doc, &lower_);
    for (uint32_t id = 0; id < e_.needles_.size(); ++id) {
      const Needle& n = e_.needles_[id];
      const std::string_view hay = n.folded ? std::string_view(lower_) : doc;
      for (size_t pos = hay.find(n.text); pos != std::string_view::npos; pos = hay.find(n.text, pos + 1)) {
        if (!n.boundary || BoundaryOk(doc, pos, pos + n.text.size())) {
          on_match(id);
          break;
        }
      }
    }
    return true;
  }

 private:
  const NaiveEngine& e_;
  std::string lower_;
};

std::unique_ptr<Scanner> NaiveEngine::NewScanner() const { return std::make_unique<NaiveScanner>(*this); }

}  // namespace newsflow::bench
