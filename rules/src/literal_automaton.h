// literal_automaton.h — a character-wise Aho-Corasick automaton over UTF-8
// literals, laid out as a double array: CompiledRules' literal tier for sets
// of tens of thousands of literals (watch lists of company names), where
// Hyperscan's literal matcher slows down with the literal count while an
// automaton makes one transition per character whatever the count
// (bench/RESULTS.md, "Watch lists").
//
// Ownership and threads: immutable after Build; Scan is const, keeps no
// state between calls and may run on any number of threads at once.
// Errors: Build rejects (false, *error says which literal) an empty literal
// or one that is not valid UTF-8; the caller keeps such literals elsewhere.
//
// Matching is on bytes, exactly as Hyperscan's: every occurrence of every
// literal is reported, overlapping ones included, as (id, begin, end) byte
// offsets, in order of end offset. ASCII letters of the text are folded to
// lower case, so a literal given in lower case matches as Hyperscan's
// HS_FLAG_CASELESS would; a literal with an upper-case ASCII letter never
// matches (the caller folds case-sensitive ones too and checks the bytes of
// their hits). The text may hold
// invalid UTF-8: a byte that does not start a well-formed, shortest-form
// sequence is a character no literal contains, so a literal matches exactly
// where its bytes occur.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::rules {

// Allocates arrays of 1 MiB or more on 2 MiB boundaries and asks for
// transparent huge pages (madvise; a hint the kernel may ignore): the scan
// jumps around a multi-megabyte array, and with 4 KiB pages most of its
// cache misses are TLB misses too.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) {
    constexpr size_t kHuge = size_t{2} << 20;
    const size_t bytes = n * sizeof(T);
    if (bytes < (size_t{1} << 20)) return static_cast<T*>(::operator new(bytes));
    const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < (size_t{1} << 20))
      ::operator delete(p);
    else
      std::free(p);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

class LiteralAutomaton {
 public:
  struct Literal {
    std::string_view text;  // UTF-8, non-empty; ASCII letters in lower case to match caselessly
    uint32_t id;            // reported on a match; ids may repeat
  };

  // Builds the automaton of `literals` into *out (replacing what it held).
  static bool Build(std::span<const Literal> literals, LiteralAutomaton* out, std::string* error);

  // Calls on_match(id, begin, end) for every occurrence in `text`, in order
  // of end offset.
  template <class OnMatch>
  void Scan(std::string_view text, OnMatch&& on_match) const;

  // The automaton as bytes of this machine's byte order (Serialize), and
  // back (Load). Load refuses, false with *why, bytes that are not a
  // well-formed automaton: arrays of the sizes stated, every transition and
  // failure link in range, failure links always to a shallower state and
  // output chains that end (so no scan can loop or read out of range), no
  // output at the root, and every output a literal of `literal_bytes` (id
  // -> the literal's length in bytes, or kNoLiteral). It does not prove the
  // failure links and chains are the ones Build computes: bytes that pass
  // scan safely (Report never reports a begin before the text) but may
  // miss or misplace hits. The caller checks that every literal reports
  // itself, and reads only bytes this build wrote (automaton_cache.h).
  static constexpr uint32_t kNoLiteral = 0xFFFFFFFFu;
  void Serialize(std::string* out) const;
  static bool Load(std::string_view bytes, std::span<const uint32_t> literal_bytes, LiteralAutomaton* out,
                   std::string* why);

  size_t states() const { return states_; }
  size_t memory_bytes() const {
    return cells_.size() * (sizeof(Cell) + sizeof(uint32_t)) + outputs_.size() * sizeof(Output) +
           codes_.size() * sizeof(uint32_t);
  }

  // One shortest-form UTF-8 character at text[i] (i < n): its code point and
  // byte length, or kNotAChar and 1 for a byte that starts none.
  static constexpr uint32_t kNotAChar = 0xFFFFFFFFu;
  [[gnu::always_inline]] static inline uint32_t Decode(const unsigned char* p, size_t i, size_t n, size_t* len);

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr uint32_t kHasOutput = 0x80000000u;  // in Cell::base
  static constexpr uint32_t kBaseMask = 0x7FFFFFFFu;
  // A state at index i: its children are at base + code (code >= 1) and a
  // child's check is its parent's index; free cells and the root (0) have
  // check kNone. fail = the state of the longest proper suffix. The top bit
  // of base says a literal ends here (or at a fail state): output_[i] is then
  // the first, chained through Output::next. 12 bytes: what the scan touches
  // on every character, kept small for the cache.
  struct Cell {
    uint32_t base = 0;
    uint32_t check = kNone;
    uint32_t fail = 0;
  };
  struct Output {
    uint32_t id;
    uint32_t bytes;  // the literal's length, for its begin offset
    uint32_t next;
  };

  std::vector<Cell, HugePageAllocator<Cell>> cells_;  // sized so that base + any code is in range
  std::vector<uint32_t> output_;  // cell -> first Output (kNone if none)
  std::vector<Output> outputs_;
  std::vector<uint32_t> codes_;  // code point -> code (0 = in no literal); 'A'-'Z' share 'a'-'z''s
  size_t states_ = 0;

  // One character at p[*i] (advancing *i, never past n) from state s.
  [[gnu::always_inline]] uint32_t Step(uint32_t s, const unsigned char* p, size_t* i, size_t n) const;
  // The literals ending in state s, at byte offset `end`.
  template <class OnMatch>
  [[gnu::always_inline]] void Report(uint32_t s, size_t end, OnMatch& on_match) const;
};

inline uint32_t LiteralAutomaton::Decode(const unsigned char* p, size_t i, size_t n, size_t* len) {
  const unsigned b = p[i];
  *len = 1;
  if (b < 0x80) return b;
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (b >= 0xE0 && b < 0xF0) {
    if (!cont(1) || !cont(2)) return kNotAChar;
    const uint32_t cp = ((b & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000)) return kNotAChar;
    *len = 3;
    return cp;
  }
  if (b >= 0xC0 && b < 0xE0) {
    if (!cont(1)) return kNotAChar;
    const uint32_t cp = ((b & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
    if (cp < 0x80) return kNotAChar;
    *len = 2;
    return cp;
  }
  if (b >= 0xF0 && b < 0xF8) {
    if (!cont(1) || !cont(2) || !cont(3)) return kNotAChar;
    const uint32_t cp =
        ((b & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) | (p[i + 3] & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return kNotAChar;
    *len = 4;
    return cp;
  }
  return kNotAChar;
}

inline uint32_t LiteralAutomaton::Step(uint32_t s, const unsigned char* p, size_t* i, size_t n) const {
  size_t len;
  const uint32_t cp = p[*i] < 0x80 ? (len = 1, p[*i]) : Decode(p, *i, n, &len);
  *i += len;
  const uint32_t code = cp < codes_.size() ? codes_[cp] : 0;
  if (code == 0) return 0;
  const Cell* cells = cells_.data();
  for (;;) {
    const uint32_t t = (cells[s].base & kBaseMask) + code;
    if (cells[t].check == s) return t;
    if (s == 0) return 0;
    s = cells[s].fail;
  }
}

template <class OnMatch>
inline void LiteralAutomaton::Report(uint32_t s, size_t end, OnMatch& on_match) const {
  if (!(cells_[s].base & kHasOutput)) return;
  for (uint32_t o = output_[s]; o != kNone; o = outputs_[o].next)
    // Never more bytes than the text has: a built automaton's never are,
    // and a loaded one (Load) must not make a begin offset wrap.
    if (outputs_[o].bytes <= end)
      on_match(outputs_[o].id, static_cast<uint32_t>(end - outputs_[o].bytes), static_cast<uint32_t>(end));
}

template <class OnMatch>
void LiteralAutomaton::Scan(std::string_view text, OnMatch&& on_match) const {
  if (cells_.empty()) return;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  uint32_t s = 0;
  for (size_t i = 0; i < n;) {
    s = Step(s, p, &i, n);
    Report(s, i, on_match);
  }
}

}  // namespace newsflow::rules
