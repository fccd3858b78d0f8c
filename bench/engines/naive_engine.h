// naive_engine.h — std::string_view::find, pattern by pattern.
//
// For each pattern, every occurrence in the document is found with
// string_view::find until one passes the boundary test. Caseless patterns
// with ASCII letters are searched (lower-cased) in an ASCII-lower-cased copy
// of the document, made once per document.
#pragma once

#include "engine.h"

namespace newsflow::bench {

class NaiveEngine : public Engine {
 public:
  std::string name() const override { return "naive"; }
  std::string Build(const std::vector<PatternSpec>& patterns) override;
  std::unique_ptr<Scanner> NewScanner() const override;
  size_t database_bytes() const override;

 private:
  class NaiveScanner;
  struct Needle {
    std::string text;  // lower-cased when `folded`
    bool folded, boundary;
  };
  std::vector<Needle> needles_;
  bool any_folded_ = false;
};

}  // namespace newsflow::bench
