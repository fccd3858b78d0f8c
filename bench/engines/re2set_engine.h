// re2set_engine.h — RE2::Set, one regex per pattern.
//
// Each pattern becomes a regex over Latin-1 (= bytes): ASCII letters of a
// caseless pattern as [aA] classes (RE2's (?i) would also fold Latin-1
// letters, i.e. UTF-8 bytes), every other byte as \xHH, and a boundary as
// (?:^|[^0-9A-Za-z]) ... (?:[^0-9A-Za-z]|$). RE2::Set::Match answers "which
// patterns occur anywhere", exactly the contract's question, so no per-hit
// work is left to do. max_mem is raised to 4 GiB: with RE2's default (8 MB)
// the 1,848 project keywords compile, but the DFA cache thrashes and a pass
// over cls runs at ~2 MB/s; from 64 MB on it warms up after one pass to
// ~150-210 MB/s. When the DFA still runs out of memory Match() fails and the
// scanner reports it.
#pragma once

#include <memory>

#include "engine.h"

namespace newsflow::bench {

class Re2SetEngine : public Engine {
 public:
  explicit Re2SetEngine(int64_t max_mem = int64_t{4} << 30);
  ~Re2SetEngine() override;
  std::string name() const override { return "re2set"; }
  std::string Build(const std::vector<PatternSpec>& patterns) override;
  std::unique_ptr<Scanner> NewScanner() const override;

  // The regex used for one pattern (exposed for tests and the report).
  static std::string ToRegex(const PatternSpec& p);

 private:
  class Re2Scanner;
  struct Impl;  // holds the RE2::Set
  int64_t max_mem_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace newsflow::bench
