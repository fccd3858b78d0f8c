// story_sketch.cc — see story_sketch.h.
#include "pipeline/story/story_sketch.h"

#include "newsflow/base/fnv1a.h"
#include "newsflow/base/uninitialized_allocator.h"
#include "pipeline/decode/stock_code.h"
#include "pipeline/story/sort_unique_hashes.h"
#include "pipeline/story/story_cues.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace newsflow::pipeline {
namespace {

// Decodes one UTF-8 code point at s[i]; advances i. Invalid bytes yield 0.
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  const int n = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : -1;
  if (n < 0 || i + static_cast<size_t>(n) >= s.size()) {
    ++i;
    return 0;
  }
  uint32_t cp = b0 & (0x3F >> n);
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += n + 1;
  return cp;
}

// A story is told by its lead: the sketch reads the headline and the first
// kLeadChars kept characters (and kLeadBytes bytes of the body), so a long
// article costs what a long flash does.
constexpr size_t kLeadChars = 300;
constexpr size_t kLeadBytes = 1500;
// Number values kept per document: the pair feature compares every value of
// one side with every value of the other, so a hostile text full of numbers
// must not make it quadratic in the text's length.
constexpr size_t kMaxValues = 64;

bool IsDigit(uint32_t c) { return c >= '0' && c <= '9'; }
bool IsIdeograph(uint32_t c) { return c >= 0x4E00 && c <= 0x9FFF; }

// Kept characters: digits, ASCII letters (folded to lower case), ideographs.
uint32_t Keep(uint32_t c) {
  if (IsIdeograph(c) || IsDigit(c) || (c >= 'a' && c <= 'z')) return c;  // most are ideographs
  if (c >= 'A' && c <= 'Z') return c | 0x20;
  return 0;
}

uint32_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<uint32_t>(x);
}

// Four bytes as loaded from memory, the first in the low byte.
uint32_t Le32(uint32_t w) {
  if constexpr (std::endian::native == std::endian::big) return __builtin_bswap32(w);
  return w;
}

// Grows without zeroing what it adds: AppendCodePoints makes room for the
// worst case (a code point and an ASCII position per byte: 6 KB each for a
// 1,500-byte lead) and writes fewer, and zeroing that room first was ~4% of
// a sketch's instructions.
using CodeVector = UninitializedVector<uint32_t>;

// A text as code points, with the positions of its ASCII ones (every digit,
// '.', ':' and Latin letter: where number tokens and stock codes can
// start). Those scans then visit a few dozen positions instead of every
// code point of the lead.
struct CodePoints {
  CodeVector c;
  CodeVector ascii;  // ascending indexes into c of code points 1..0x7F
  void clear() {
    c.clear();
    ascii.clear();
  }
};

// Appends the code points of s to *cps (as NextCodePoint decodes them, one
// per step). The feeds' text is mostly three-byte ideographs and ASCII: those
// two take a short path, written into room reserved for the worst case (one
// code point per byte, and an ASCII position per byte) instead of a
// push_back each. While four bytes are left, a three-byte sequence is tested
// and decoded from one 4-byte load (its lead byte's low bits, then the two
// continuations'); the last three bytes take NextCodePoint's checks.
void AppendCodePoints(std::string_view s, CodePoints* cps) {
  CodeVector& c = cps->c;
  CodeVector& ascii = cps->ascii;
  const size_t start = c.size(), ascii_start = ascii.size();
  c.resize(start + s.size());
  ascii.resize(ascii_start + s.size());
  uint32_t* const first = c.data();
  uint32_t* out = first + start;
  uint32_t* asc = ascii.data() + ascii_start;
  const auto* b = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  auto slow = [&] {  // anything else, as NextCodePoint decodes it
    const uint32_t cp = NextCodePoint(s, i);  // an overlong form can be ASCII
    *asc = static_cast<uint32_t>(out - first);
    asc += cp != 0 && cp < 0x80;
    *out++ = cp;
  };
  for (; i + 4 <= n;) {
    const uint8_t b0 = b[i];
    if (b0 < 0x80) {
      *asc = static_cast<uint32_t>(out - first);
      asc += b0 != 0;
      *out++ = b0;
      ++i;
      continue;
    }
    uint32_t w;
    std::memcpy(&w, b + i, 4);
    w = Le32(w);
    if ((w & 0xC0C0F0u) == 0x8080E0u) {  // 1110xxxx 10xxxxxx 10xxxxxx
      *out++ = ((w & 0x0Fu) << 12) | ((w >> 2) & 0xFC0u) | ((w >> 16) & 0x3Fu);
      i += 3;
    } else {
      slow();
    }
  }
  while (i < n) slow();  // the last three bytes at most; ASCII decodes to itself there too
  c.resize(static_cast<size_t>(out - first));
  ascii.resize(static_cast<size_t>(asc - ascii.data()));
}

// Length of a wire dateline "[财联社]M月D日电|讯" starting at cps[i], or 0.
size_t DatelineAt(const CodeVector& c, size_t i) {
  size_t j = i;
  auto digits = [&](size_t max) {
    size_t n = 0;
    while (j < c.size() && IsDigit(c[j]) && n < max) ++j, ++n;
    return n > 0;
  };
  if (!digits(2) || j >= c.size() || c[j] != U'月') return 0;
  ++j;
  if (!digits(2) || j >= c.size() || c[j] != U'日') return 0;
  ++j;
  if (j >= c.size() || (c[j] != U'电' && c[j] != U'讯')) return 0;
  return j + 1 - i;
}

bool IsUnit(uint32_t c) {
  switch (c) {
    case U'%': case U'亿': case U'万': case U'元': case U'点': case U'倍': case U'个':
    case U'家': case U'只': case U'股': case U'手': case U'吨': case U'桶':
      return true;
    default:
      return false;
  }
}

bool IsCalendar(uint32_t c) { return c == U'年' || c == U'月' || c == U'日' || c == U'号' || c == U'时'; }

// The value of the digits c[b, e) (an optional '.' fraction included), or
// false for more than 15 integer digits (no amount the feeds state; a double
// would round it, or overflow to inf and "agree" with everything). Fraction
// digits past the ninth are ignored.
bool ValueOf(const CodeVector& c, size_t b, size_t e, double* out) {
  double v = 0, scale = 0;  // scale: 0 before the '.', then 0.1, 0.01 ...
  int integer_digits = 0, fraction_digits = 0;
  for (size_t k = b; k < e; ++k) {
    if (c[k] == '.') {
      scale = 0.1;
    } else if (scale == 0) {
      if (++integer_digits > 15) return false;
      v = v * 10 + (c[k] - '0');
    } else if (++fraction_digits <= 9) {
      v += (c[k] - '0') * scale;
      scale /= 10;
    }
  }
  *out = v;
  return true;
}

// After 万/亿/万亿: a counted thing (the value is then a count of it, in its
// own class), or 0 for money (元, or nothing: "营收1650亿" is an amount).
uint32_t CountedAfterMagnitude(uint32_t c) {
  switch (c) {
    case U'股': case U'手': case U'吨': case U'桶': case U'人': case U'辆': case U'台': case U'户':
    case U'家': case U'只': case U'个': case U'件': case U'套': case U'张': case U'份': case U'次':
      return c;
    default:
      return 0;
  }
}

// A currency other than the yuan written as two characters (美元, 港元 ...):
// its class, or 0.
uint32_t Currency(uint32_t a, uint32_t b) {
  if (b != U'元' && !(a == U'英' && b == U'镑')) return 0;
  switch (a) {
    case U'美': case U'港': case U'欧': case U'日': case U'英': case U'澳': case U'加':
      return a * 31 + b;
    default:
      return 0;
  }
}

// The value and unit class of a number token whose digits are c[b, e) and
// whose unit starts at c[e] (see StoryNumber), or false if it has no usable
// value. A magnitude (万 1e4, 亿 1e8, 万亿 1e12) scales the value; then 元 or
// nothing is money (class kStoryMoneyUnit, in 元), another currency (美元,
// 港元 ...) or a counted thing (股, 人, 吨 ...) is its own class, and any other
// unit (%, 点, 倍 ...) is its own class at face value.
bool ValueWithUnit(const CodeVector& c, size_t b, size_t e, StoryNumber* n) {
  if (!ValueOf(c, b, e, &n->value)) return false;
  n->unit = 0;
  auto at = [&](size_t k) -> uint32_t { return k < c.size() ? c[k] : 0; };
  size_t k = e;
  double magnitude = 1;
  if (at(k) == U'万' && at(k + 1) == U'亿') {
    magnitude = 1e12, k += 2;
  } else if (at(k) == U'万') {
    magnitude = 1e4, ++k;
  } else if (at(k) == U'亿') {
    magnitude = 1e8, ++k;
  }
  n->value *= magnitude;
  if (const uint32_t cur = Currency(at(k), at(k + 1)); cur != 0) {
    n->unit = cur;
  } else if (at(k) == U'元') {
    n->unit = kStoryMoneyUnit;
  } else if (magnitude > 1) {
    const uint32_t counted = CountedAfterMagnitude(at(k));
    n->unit = counted != 0 ? counted * 31 : kStoryMoneyUnit;
  } else if (at(k) == U'盎' && at(k + 1) == U'司') {
    n->unit = at(k) * 31 + at(k + 1);
  } else if (IsUnit(at(k))) {
    n->unit = at(k) * 31;
  }
  return true;
}

// Number tokens of cps: digits[.digits] with an optional unit; a date or
// clock part (followed by 年/月/日/号/时, or either side of ':') is skipped.
// Their hashes go to *out and, when values is not null, their values to it.
// A token starts at a digit the previous token did not take: only the ASCII
// positions are visited.
void Numbers(const CodePoints& cps, std::vector<uint32_t>* out, std::vector<StoryNumber>* values) {
  const CodeVector& c = cps.c;
  size_t i = 0;  // where the previous token ended
  for (const uint32_t at : cps.ascii) {
    if (at < i || !IsDigit(c[at])) continue;
    i = at;
    const size_t b = i;
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    while (i < c.size() && IsDigit(c[i])) h = h * 131 + c[i++];
    if (i + 1 < c.size() && c[i] == '.' && IsDigit(c[i + 1])) {
      h = h * 131 + '.';
      ++i;
      while (i < c.size() && IsDigit(c[i])) h = h * 131 + c[i++];
    }
    const size_t digits_end = i;
    size_t len = i - b;
    const bool clock = (i < c.size() && c[i] == ':') || (b > 0 && c[b - 1] == ':');
    if (clock || (i < c.size() && IsCalendar(c[i]))) continue;
    if (i < c.size() && IsUnit(c[i])) {
      h = h * 131 + c[i++];
      ++len;
    } else if (i + 1 < c.size() && ((c[i] == U'美' && c[i + 1] == U'元') || (c[i] == U'盎' && c[i + 1] == U'司'))) {
      h = h * 131 + c[i] + c[i + 1] * 7;
      i += 2;
      len += 2;
    }
    if (len < 2) continue;
    out->push_back(Mix(h));
    StoryNumber n;
    if (values && values->size() < kMaxValues && ValueWithUnit(c, b, digits_end, &n)) values->push_back(n);
  }
}

bool IsAsciiAlpha(uint32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlnum(uint32_t c) { return IsDigit(c) || IsAsciiAlpha(c); }

// The market named by the two ASCII letters at c[i], c[i + 1] (any case):
// "SH", "SZ", "BJ", "HK", or empty. Only ASCII letters count: a CJK code
// point must not read as a market letter by its low byte.
std::string_view MarketAt(const CodeVector& c, size_t i) {
  if (i + 1 >= c.size() || !IsAsciiAlpha(c[i]) || !IsAsciiAlpha(c[i + 1])) return {};
  const char a = static_cast<char>(c[i] & ~0x20u), b = static_cast<char>(c[i + 1] & ~0x20u);  // upper case
  for (std::string_view m : {"SH", "SZ", "BJ", "HK"})
    if (m[0] == a && m[1] == b) return m;
  return {};
}

// Appends the canonical form (stock_code.h) of prefix + c[from, to), ASCII.
void AddCode(std::string_view prefix, const CodeVector& c, size_t from, size_t to,
             std::vector<std::string>* out) {
  std::string raw(prefix);
  for (size_t k = from; k < to; ++k) raw += static_cast<char>(c[k]);
  if (std::string code = CanonicalStockCode(raw); !code.empty()) out->push_back(std::move(code));
}

// Stock codes written in the text, in the canonical form of stock_code.h:
// "601866.SH" / "920181.BJ" -> SH601866 / BJ920181, "0700.HK" -> HK00700,
// "sz002552" -> SZ002552, "(NVDA.O)" / "(NVDA.US)" / "(X.N)" -> US.NVDA.
// The scan finds the tokens (each starts at a '.' or a Latin letter: only
// the ASCII positions are visited); CanonicalStockCode writes their form.
void TextCodes(const CodePoints& cps, std::vector<std::string>* out) {
  const CodeVector& c = cps.c;
  const size_t n = c.size();
  for (const size_t i : cps.ascii) {
    if (c[i] == '.' && i > 0) {
      // "601866.SH", "0700.HK": digits (nothing alphanumeric before), '.', a market.
      size_t b = i;
      while (b > 0 && IsDigit(c[b - 1])) --b;
      const size_t digits = i - b;
      const std::string_view market = MarketAt(c, i + 1);
      const bool lead_ok = b == 0 || !IsAsciiAlnum(c[b - 1]);
      const bool tail_ok = i + 3 >= n || !IsAsciiAlpha(c[i + 3]);
      if (lead_ok && tail_ok && !market.empty() && (market == "HK" ? digits == 4 || digits == 5 : digits == 6))
        AddCode({}, c, b, i + 3, out);
      // "(NVDA.O)": capitals before the '.', a US market after, in brackets.
      size_t t = i;
      while (t > 0 && c[t - 1] >= 'A' && c[t - 1] <= 'Z' && i - (t - 1) <= 5) --t;
      if (t < i && t > 0 && c[t - 1] == '(') {
        size_t m = i + 1;
        while (m < n && c[m] >= 'A' && c[m] <= 'Z' && m - i <= 3) ++m;
        const size_t len = m - i - 1;
        const bool us = (len == 2 && c[i + 1] == 'U' && c[i + 2] == 'S') ||
                        (len == 1 && (c[i + 1] == 'O' || c[i + 1] == 'N'));
        if (us && m < n && c[m] == ')') AddCode("US.", c, t, i, out);
      }
    }
    // "sz002552": a mainland market, six digits, nothing alphanumeric around.
    if (IsAsciiAlpha(c[i]) && i + 8 <= n && (i == 0 || !IsAsciiAlnum(c[i - 1])) &&
        (i + 8 == n || !IsDigit(c[i + 8]))) {
      const std::string_view market = MarketAt(c, i);
      if (market.empty() || market == "HK") continue;
      bool six = true;
      for (size_t k = i + 2; k < i + 8; ++k) six = six && IsDigit(c[k]);
      if (six) AddCode({}, c, i, i + 8, out);
    }
  }
}

uint32_t HashCode(std::string_view code) {
  return Mix(Fnv1a(kFnv1aBasis, code));
}

// The headline's speaker prefix: "X：" or "X:" with X of 2-12 characters and
// no comma, full stop or space before the colon ("港股IPO：", "最高法：").
std::u32string SpeakerPrefix(const CodeVector& h) {
  for (size_t k = 0; k < h.size() && k <= 12; ++k) {
    const uint32_t ch = h[k];
    if (ch == ':' || ch == U'：') return k >= 2 ? std::u32string(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(k)) : U"";
    if (ch == ',' || ch == U'，' || ch == U'。' || ch == ' ' || ch == U'　' || ch == 0) return U"";
  }
  return U"";
}

// Kept characters of a text without a headline whose directions are its cues.
constexpr size_t kCueLead = 40;
static_assert(kCueLead <= kLeadChars, "the lead is found before the trigram loop stops");

// The next kept character (Keep) at or after c[*i], with *i left at it, or
// 0 (never a kept character) with *i at the end. A dateline is skipped.
// Ideographs, most of the text, are tested first.
[[gnu::always_inline]] inline uint32_t NextKept(const CodeVector& c, size_t* i) {
  const size_t n = c.size();
  for (size_t j = *i; j < n; ++j) {
    const uint32_t ch = c[j];
    if (IsIdeograph(ch)) {
      *i = j;
      return ch;
    }
    // A dateline starts with one or two digits and 月.
    if (IsDigit(ch) && ((j + 1 < n && c[j + 1] == U'月') || (j + 2 < n && c[j + 2] == U'月'))) {
      if (const size_t d = DatelineAt(c, j); d > 0) {
        j += d - 1;
        continue;
      }
    }
    if (const uint32_t k = Keep(ch); k != 0) {
      *i = j;
      return k;
    }
  }
  *i = n;
  return 0;
}

// Appends the hashes of the trigrams of the kept characters of c (datelines
// dropped; unsorted, repeats kept) and counts the kept characters. With
// `sample`, a text found to be sampled (kStoryDenseBelow kept characters or
// more) keeps only its trigrams in the sample (InStorySample): those written
// before that count is reached are compacted then, and each later one is
// kept or not as it is written, instead of in a pass over all of them after.
// *cue_lead_end (if given): the code points up to the kCueLead-th kept
// character, all of them if fewer: the lead of a flash that has no headline.
// Counting raw code points instead let the empty title's line break, the
// wire's dateline and punctuation use up the lead, so a cut could fall
// between a flash's two directions ("油价下跌，…股价盘前上涨") and leave it
// one-sided against another feed's headline of the same text.
void Trigrams(const CodeVector& c, bool sample, std::vector<uint32_t>* out, uint32_t* kept_count,
              size_t* cue_lead_end = nullptr) {
  static_assert(kCueLead > 2 && kCueLead < kStoryDenseBelow && kStoryDenseBelow < kLeadChars,
                "the counts Trigrams stops at come in this order, after the first trigram");
  // At most one trigram per code point: written into room made up front.
  const size_t base = out->size();
  out->resize(base + c.size());
  uint32_t* const first = out->data() + base;
  uint32_t* o = first;
  size_t kept = 0, lead_end = c.size(), i = 0;
  const uint64_t k0 = NextKept(c, &i);
  ++i;
  const uint64_t k1 = k0 != 0 ? NextKept(c, &i) : 0;
  ++i;
  kept = k0 == 0 ? 0 : k1 == 0 ? 1 : 2;
  // The last three kept characters, 21 bits each: (w0 << 42) ^ (w1 << 21) ^ k
  // is what Mix takes. Kept characters are below 2^16.
  uint64_t window = (k0 << 21) ^ k1;
  constexpr uint64_t kLastTwo = (uint64_t{1} << 42) - 1;
  // Reads kept characters until the count is `until` (true) or the text ends
  // (false), writing their trigrams: all, or with `sampled` the sample's.
  auto run = [&](auto sampled, size_t until) {
    for (size_t left = until - kept;;) {
      const uint32_t k = NextKept(c, &i);
      if (k == 0) {
        kept = until - left;
        return false;
      }
      window = ((window & kLastTwo) << 21) ^ k;
      const uint32_t g = Mix(window);
      *o = g;
      if constexpr (decltype(sampled)::value) {
        o += InStorySample(g);
      } else {
        ++o;
      }
      ++i;
      if (--left == 0) {
        kept = until;
        return true;
      }
    }
  };
  if (kept == 2 && run(std::false_type{}, kCueLead)) {
    lead_end = i;  // just past the kCueLead-th kept character
    if (!sample) {
      run(std::false_type{}, kLeadChars);
    } else if (run(std::false_type{}, kStoryDenseBelow)) {  // sampled, not dense: keep the sample
      uint32_t* q = first;
      for (const uint32_t* p = first; p != o; ++p) {
        *q = *p;
        q += InStorySample(*p);
      }
      o = q;
      run(std::true_type{}, kLeadChars);
    }
  }
  out->resize(base + static_cast<size_t>(o - first));
  if (kept_count) *kept_count = static_cast<uint32_t>(kept);
  if (cue_lead_end) *cue_lead_end = lead_end;
}

// Where the headline is: the title, or for feeds that put it in the body
// (cls), the 【…】 prefix of the body: bytes [begin, end) of it.
struct HeadlinePlace {
  bool in_title = false;
  size_t begin = 0, end = 0;  // in the body; begin == end: no headline
};

HeadlinePlace FindHeadline(std::string_view title, std::string_view body) {
  if (title.find_first_not_of(" \t\r\n") != std::string_view::npos) return {true, 0, 0};
  const size_t start = body.find_first_not_of(" \t\r\n");
  constexpr std::string_view kOpen = "\xE3\x80\x90", kClose = "\xE3\x80\x91";  // 【 】
  if (start == std::string_view::npos || body.substr(start, kOpen.size()) != kOpen) return {};
  const size_t end = body.find(kClose, start);
  if (end == std::string_view::npos) return {};
  return {false, start + kOpen.size(), end};
}

// Copies code points [from, to) of `text` (and their ASCII positions) to *out.
void CopyRange(const CodePoints& text, size_t from, size_t to, CodePoints* out) {
  out->c.assign(text.c.begin() + static_cast<std::ptrdiff_t>(from), text.c.begin() + static_cast<std::ptrdiff_t>(to));
  const auto lo = std::lower_bound(text.ascii.begin(), text.ascii.end(), from);
  const auto hi = std::lower_bound(lo, text.ascii.end(), to);
  out->ascii.clear();
  for (auto it = lo; it != hi; ++it) out->ascii.push_back(static_cast<uint32_t>(*it - from));
}

// Decodes the lead of the title and body into *text (title, '\n', body) and
// the headline's lead into *h. The headline is part of the text, so it is
// usually copied out of it rather than decoded again: decoding is the same
// on a part as on the whole when the part starts where the whole's decoding
// steps (after the title's start, after "【") and ends where it steps (the
// title's end, or "】": a lead byte, which no sequence before it can take as
// a continuation).
void DecodeLead(std::string_view title, std::string_view body, CodePoints* text, CodePoints* h) {
  text->clear();
  h->clear();
  const HeadlinePlace place = FindHeadline(title, body);
  const std::string_view title_lead = title.substr(0, kLeadBytes);  // a title is a line; the lead is what counts
  const std::string_view body_lead = body.substr(0, kLeadBytes);
  AppendCodePoints(title_lead, text);
  if (place.in_title) CopyRange(*text, 0, text->c.size(), h);
  text->c.push_back('\n');
  text->ascii.push_back(static_cast<uint32_t>(text->c.size() - 1));
  if (place.begin == place.end || place.in_title) {
    AppendCodePoints(body_lead, text);
  } else if (place.end <= body_lead.size()) {
    AppendCodePoints(body_lead.substr(0, place.begin), text);
    const size_t from = text->c.size();
    AppendCodePoints(body_lead.substr(place.begin, place.end - place.begin), text);
    CopyRange(*text, from, text->c.size(), h);
    AppendCodePoints(body_lead.substr(place.end), text);
  } else {  // a headline running past the body's lead: decoded on its own
    AppendCodePoints(body_lead, text);
    AppendCodePoints(body.substr(place.begin, place.end - place.begin).substr(0, kLeadBytes), h);
  }
}

}  // namespace

void BuildStorySketch(std::string_view title, std::string_view body, StorySketch* out,
                      std::span<const std::string> stock_codes) {
  *out = StorySketch{};
  // Scratch, reused across calls (a worker thread sketches thousands of
  // items; allocating the vectors each time was ~10% of the cost).
  thread_local CodePoints text, h;
  thread_local std::vector<uint32_t> grams;
  thread_local std::vector<std::string> codes;
  codes.clear();
  DecodeLead(title, body, &text, &h);

  // The trigrams first, into scratch (the sketch's vectors are then
  // allocated once, at their size): all of a short (dense) text's, the
  // sample of a longer one's.
  grams.clear();
  size_t cue_lead_end = 0;
  Trigrams(text.c, /*sample=*/true, &grams, &out->length, &cue_lead_end);
  out->dense = out->length < kStoryDenseBelow;
  SortUniqueHashes(&grams);
  out->grams.assign(grams.begin(), grams.end());
  if (out->dense)
    std::copy_if(out->grams.begin(), out->grams.end(), std::back_inserter(out->sampled_grams), InStorySample);
  grams.clear();
  Trigrams(h.c, /*sample=*/false, &grams, nullptr);
  SortUniqueHashes(&grams);
  out->title_grams.assign(grams.begin(), grams.end());
  for (uint32_t g : out->title_grams) out->title_sampled += InStorySample(g);
  Numbers(text, &out->numbers, &out->values);
  SortUniqueHashes(&out->numbers);
  Numbers(h, &out->title_numbers, nullptr);
  SortUniqueHashes(&out->title_numbers);
  for (const std::string& code : stock_codes)
    if (!code.empty()) out->codes.push_back(HashCode(code));
  TextCodes(text, &codes);
  for (const std::string& code : codes) out->codes.push_back(HashCode(code));
  SortUniqueHashes(&out->codes);
  out->prefix = SpeakerPrefix(h.c);
  // A flash without a headline is its own: its lead's first characters.
  out->cues = HeadlineCues(!h.c.empty() ? std::span<const uint32_t>(h.c)
                                        : std::span<const uint32_t>(text.c).first(cue_lead_end));
}

}  // namespace newsflow::pipeline
