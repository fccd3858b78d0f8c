// pcre2_engine.h — PCRE2 with JIT, every pattern in one alternation.
//
//   (?:(?<![0-9A-Za-z])(?i)ai(?![0-9A-Za-z])(?C"0")|\xe8\x8a\xaf\xe7\x89\x87(?C"1")|...)
//
// A plain leftmost-first loop over one alternation reports one alternative
// per position and skips overlapping occurrences (电路 inside 集成电路), so it
// cannot answer the contract's question. Instead each alternative ends in a
// string callout naming its pattern; the callout records the pattern and
// returns 1 ("fail here"), so PCRE2 backtracks through every alternative at
// every start position: every occurrence is seen, as in the other engines.
// Compiled without UTF (bytes; (?i) folds ASCII only with the default
// tables). PCRE2's compiled-pattern size limit (64 KiB of code units with
// the default link size of Debian's build) is reached at about a thousand
// keywords: then the patterns are split into the fewest alternations that
// compile (halving the chunk size until each fits), and every document is
// scanned by each of them in turn (regexes() says how many).
#pragma once

#include "engine.h"

struct pcre2_real_code_8;

namespace newsflow::bench {

class Pcre2Engine : public Engine {
 public:
  ~Pcre2Engine() override;
  std::string name() const override { return "pcre2-jit"; }
  std::string Build(const std::vector<PatternSpec>& patterns) override;
  std::unique_ptr<Scanner> NewScanner() const override;
  size_t database_bytes() const override;
  size_t regexes() const { return codes_.size(); }

 private:
  class Pcre2Scanner;
  void Free();
  std::vector<pcre2_real_code_8*> codes_;
  size_t patterns_ = 0;
};

}  // namespace newsflow::bench
