// engine.h — the tiny interface every multi-pattern engine of the benchmark
// implements, so that the benchmark (bench/match_bench.cc) and the agreement
// test (tests/bench/engine_agreement_test.cc) run the very same code.
//
// Semantics are the peers' contract (bench/peers/README.md): for each
// document, the set of distinct pattern ids that occur in it at least once,
// overlaps included, satisfying their flags:
//   caseless  ASCII letters fold (CJK has no case; bytes >= 0x80 never fold);
//   boundary  the byte before the occurrence and the byte after it are not
//             ASCII [A-Za-z0-9] (or are the start / end of the document).
// Matching is on bytes; patterns are literals.
//
// Ownership and threads: an Engine is built once (Build) and is then
// immutable; each thread takes its own Scanner (NewScanner), which holds the
// engine's per-thread state (Hyperscan scratch, PCRE2 match data, ...). A
// Scanner must not outlive its Engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace newsflow::bench {

struct PatternSpec {
  std::string text;
  bool caseless = false;
  bool boundary = false;
};

// A non-owning reference to a callable (two pointers, no allocation): cheap
// enough to call once per match.
template <typename Sig>
class FunctionRef;
template <typename R, typename... A>
class FunctionRef<R(A...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT(google-explicit-constructor)
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...); }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

// Called once per distinct (document, pattern) pair.
using MatchFn = FunctionRef<void(uint32_t pattern)>;
using BatchMatchFn = FunctionRef<void(size_t doc, uint32_t pattern)>;

// Per-thread scanning state of one engine.
class Scanner {
 public:
  virtual ~Scanner() = default;
  // Reports each distinct pattern occurring in `doc` once, in any order.
  // False only on an engine error (never on content).
  [[nodiscard]] virtual bool Scan(std::string_view doc, MatchFn on_match) = 0;
  // Scans every document; doc indexes are positions in `docs`. Engines that
  // batch work across documents override this; the default loops over Scan.
  [[nodiscard]] virtual bool ScanMany(std::span<const std::string_view> docs, BatchMatchFn on_match);
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  // Compiles the patterns (pattern id = index). Returns "" on success, else
  // why this engine cannot handle this set; the benchmark records the reason
  // as a "not run" entry instead of stopping.
  virtual std::string Build(const std::vector<PatternSpec>& patterns) = 0;
  // After a successful Build().
  virtual std::unique_ptr<Scanner> NewScanner() const = 0;
  // Size of the compiled form and of one scanner's state, where the engine
  // can tell (0 = unknown).
  virtual size_t database_bytes() const { return 0; }
  virtual size_t scratch_bytes() const { return 0; }
};

// The engines of this directory, by benchmark name:
//   hyperscan          the project's CompiledRules (one rule holding every
//                      pattern), block scan per document, boundary checks in
//                      its match callback
//   hyperscan-batched  raw Hyperscan literal database, one block scan per
//                      64 KB of '\n'-joined documents, hits mapped back
//   re2set             RE2::Set, one regex per pattern
//   pcre2-jit          PCRE2 JIT, all patterns in one alternation
//   naive              std::string_view::find per pattern per document
// nullptr for an unknown name.
std::unique_ptr<Engine> MakeEngine(std::string_view name);
const std::vector<std::string>& EngineNames();

// ASCII [A-Za-z0-9].
inline bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
// Appends byte c to a regular expression: a word byte as itself, any other
// as \xHH (the regex engines' peers read a keyword's bytes literally).
inline void AppendRegexByte(std::string* re, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (IsWordByte(c)) {
    *re += static_cast<char>(c);
    return;
  }
  *re += "\\x";
  *re += kHex[c >> 4];
  *re += kHex[c & 15];
}
inline bool HasAsciiLetter(std::string_view s) {
  for (unsigned char c : s)
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return false;
}
// Boundary test of one occurrence [b, e) of a pattern in doc.
inline bool BoundaryOk(std::string_view doc, size_t b, size_t e) {
  return (b == 0 || !IsWordByte(static_cast<unsigned char>(doc[b - 1]))) &&
         (e >= doc.size() || !IsWordByte(static_cast<unsigned char>(doc[e])));
}

// Patterns file of the peers' contract: "FLAGS\tKEYWORD" per line, FLAGS from
// {i, b} or "-". Return "" or the problem.
std::string ReadPatternsFile(const std::string& path, std::vector<PatternSpec>* out);
std::string WritePatternsFile(const std::string& path, const std::vector<PatternSpec>& patterns);

}  // namespace newsflow::bench
