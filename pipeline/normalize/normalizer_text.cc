// normalizer_text.cc — HTML character references and markup recognition for
// the normalizer (see normalizer_text.h).
#include "pipeline/normalize/normalizer_text.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace newsflow::pipeline::normalizer_internal {
namespace {

struct NamedEntity {
  std::string_view name;
  uint32_t cp;
};

// Sorted by name (bytewise) for binary search; checked below at compile time.
constexpr std::array<NamedEntity, 56> kNamedEntities = {{
    {"amp", 0x26},     {"apos", 0x27},     {"bdquo", 0x201E},  {"bull", 0x2022},
    {"cent", 0xA2},    {"copy", 0xA9},     {"darr", 0x2193},   {"deg", 0xB0},
    {"divide", 0xF7},  {"emsp", 0x2003},   {"ensp", 0x2002},   {"euro", 0x20AC},
    {"frac12", 0xBD},  {"frac14", 0xBC},   {"frac34", 0xBE},   {"ge", 0x2265},
    {"gt", 0x3E},      {"hellip", 0x2026}, {"laquo", 0xAB},    {"larr", 0x2190},
    {"ldquo", 0x201C}, {"le", 0x2264},     {"lsaquo", 0x2039}, {"lsquo", 0x2018},
    {"lt", 0x3C},      {"mdash", 0x2014},  {"micro", 0xB5},    {"middot", 0xB7},
    {"minus", 0x2212}, {"nbsp", 0xA0},     {"ndash", 0x2013},  {"ne", 0x2260},
    {"para", 0xB6},    {"permil", 0x2030}, {"plusmn", 0xB1},   {"pound", 0xA3},
    {"quot", 0x22},    {"raquo", 0xBB},    {"rarr", 0x2192},   {"rdquo", 0x201D},
    {"reg", 0xAE},     {"rsaquo", 0x203A}, {"rsquo", 0x2019},  {"sbquo", 0x201A},
    {"sect", 0xA7},    {"shy", 0xAD},      {"sup1", 0xB9},     {"sup2", 0xB2},
    {"sup3", 0xB3},    {"thinsp", 0x2009}, {"times", 0xD7},    {"trade", 0x2122},
    {"uarr", 0x2191},  {"yen", 0xA5},      {"zwj", 0x200D},    {"zwnj", 0x200C},
}};

constexpr size_t kMaxEntityName = 8;

constexpr int Utf8Len(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

constexpr bool EntityTableIsValid() {
  for (size_t i = 0; i < kNamedEntities.size(); ++i) {
    if (i > 0 && !(kNamedEntities[i - 1].name < kNamedEntities[i].name)) return false;
    // "&name;" must be at least as long as the UTF-8 it decodes to.
    if (Utf8Len(kNamedEntities[i].cp) > static_cast<int>(kNamedEntities[i].name.size() + 2))
      return false;
    if (kNamedEntities[i].name.size() > kMaxEntityName) return false;
  }
  return true;
}
static_assert(EntityTableIsValid(), "kNamedEntities must be sorted, short, and not expand");

// HTML reads &#128;..&#159; as windows-1252 (what the author meant).
constexpr std::array<uint16_t, 32> kWindows1252 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

inline bool IsAsciiAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char l = static_cast<char>(c | 0x20);
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

bool IsBlockTag(std::string_view name) {
  // Elements whose boundaries separate words when rendered.
  static constexpr std::string_view kBlock[] = {
      "address", "article", "aside", "blockquote", "br", "caption", "center", "dd",
      "div", "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
      "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "option", "p",
      "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr",
      "ul",
  };
  for (std::string_view b : kBlock) {
    if (b == name) return true;
  }
  return false;
}

// Case-insensitive search of an ASCII needle (lower case) in s from `from`.
size_t FindAsciiCaseless(std::string_view s, size_t from, std::string_view lower_needle) {
  if (lower_needle.empty() || s.size() < lower_needle.size()) return std::string_view::npos;
  const size_t last = s.size() - lower_needle.size();
  for (size_t i = from; i <= last; ++i) {
    size_t k = 0;
    while (k < lower_needle.size() && AsciiLower(s[i + k]) == lower_needle[k]) ++k;
    if (k == lower_needle.size()) return i;
  }
  return std::string_view::npos;
}

}  // namespace

size_t ParseEntity(std::string_view s, uint32_t* cp) {
  const size_t n = s.size();
  if (n < 3 || s[0] != '&') return 0;
  if (s[1] == '#') {
    size_t i = 2;
    uint32_t v = 0;
    size_t digits = 0;
    if (s[i] == 'x' || s[i] == 'X') {
      ++i;
      for (; i < n && digits < 8; ++i, ++digits) {
        const int h = HexValue(s[i]);
        if (h < 0) break;
        v = v * 16 + static_cast<uint32_t>(h);
      }
    } else {
      for (; i < n && digits < 8 && IsAsciiDigit(s[i]); ++i, ++digits) {
        v = v * 10 + static_cast<uint32_t>(s[i] - '0');
      }
    }
    if (digits == 0 || i >= n || s[i] != ';') return 0;
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    if (v >= 0x80 && v <= 0x9F) v = kWindows1252[v - 0x80];
    *cp = v;
    return i + 1;
  }
  size_t i = 1;
  while (i < n && i <= kMaxEntityName && (IsAsciiAlpha(s[i]) || IsAsciiDigit(s[i]))) ++i;
  if (i == 1 || i >= n || s[i] != ';') return 0;
  const std::string_view name = s.substr(1, i - 1);
  const auto it = std::lower_bound(
      kNamedEntities.begin(), kNamedEntities.end(), name,
      [](const NamedEntity& e, std::string_view key) { return e.name < key; });
  if (it == kNamedEntities.end() || it->name != name) return 0;
  *cp = it->cp;
  return i + 1;
}

Markup ParseMarkup(std::string_view s, size_t pos, size_t last_gt) {
  Markup m;
  const size_t n = s.size();
  if (pos + 1 >= n || last_gt == std::string_view::npos || last_gt <= pos) {
    // No '>' after pos: only an (unterminated) comment can still be markup.
    if (s.substr(pos, 4) == "<!--") {
      m.kind = Markup::kComment;
      m.length = n - pos;
    }
    return m;
  }
  const char c1 = s[pos + 1];
  if (c1 == '!') {
    if (s.substr(pos, 4) == "<!--") {
      const size_t end = s.find("-->", pos + 4);
      m.kind = Markup::kComment;
      m.length = end == std::string_view::npos ? n - pos : end + 3 - pos;
      return m;
    }
    const size_t gt = s.find('>', pos + 2);  // <!DOCTYPE ...>, <![CDATA[...]>
    m.kind = Markup::kOther;
    m.length = gt + 1 - pos;  // gt exists: last_gt > pos
    return m;
  }
  if (c1 == '?') {
    const size_t gt = s.find('>', pos + 2);
    m.kind = Markup::kOther;
    m.length = gt + 1 - pos;
    return m;
  }
  m.closing = c1 == '/';
  size_t i = pos + 1 + (m.closing ? 1 : 0);
  if (i >= n || !IsAsciiAlpha(s[i])) return m;  // "a < b", "<5%", "</ x": text
  char name[16];
  size_t name_len = 0;
  for (; i < n && (IsAsciiAlpha(s[i]) || IsAsciiDigit(s[i]) || s[i] == '-' || s[i] == ':'); ++i) {
    if (name_len < sizeof(name)) name[name_len] = AsciiLower(s[i]);
    ++name_len;
  }
  const std::string_view tag_name(name, std::min(name_len, sizeof(name)));
  const bool name_fits = name_len <= sizeof(name);

  // Find the closing '>' outside quoted attribute values.
  size_t gt = std::string_view::npos;
  char quote = 0;
  char prev = 0;  // previous non-space character outside quotes
  for (size_t j = i; j <= last_gt; ++j) {
    const char c = s[j];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '>') {
      gt = j;
      break;
    }
    if ((c == '"' || c == '\'') && prev == '=') {
      quote = c;
      prev = 0;
      continue;
    }
    if (!IsAsciiSpace(c)) prev = c;
  }
  if (gt == std::string_view::npos) gt = s.find('>', i);  // unbalanced quote
  // gt exists: i <= last_gt (a tag name is not '>'), so find succeeds.
  m.kind = Markup::kTag;
  m.length = gt + 1 - pos;
  if (name_fits) {
    m.block = IsBlockTag(tag_name);
    if (!m.closing && (tag_name == "script" || tag_name == "style")) {
      const bool self_closing = gt > i && s[gt - 1] == '/';
      m.raw_text = !self_closing;
      m.raw_text_name = tag_name == "script" ? std::string_view("script") : std::string_view("style");
    }
  }
  return m;
}

size_t SkipRawText(std::string_view s, size_t from, std::string_view name) {
  char needle[16] = {'<', '/'};
  const size_t nlen = std::min(name.size(), sizeof(needle) - 2);
  std::memcpy(needle + 2, name.data(), nlen);
  const std::string_view close(needle, nlen + 2);
  size_t at = from;
  while (true) {
    const size_t hit = FindAsciiCaseless(s, at, close);
    if (hit == std::string_view::npos) return s.size();
    const size_t after = hit + close.size();
    // "</scriptx" is not the end tag; "</script>", "</script >" are.
    if (after < s.size() && (IsAsciiAlpha(s[after]) || IsAsciiDigit(s[after]))) {
      at = hit + 1;
      continue;
    }
    const size_t gt = s.find('>', after);
    return gt == std::string_view::npos ? s.size() : gt + 1;
  }
}

size_t SourceUnitLength(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const char c = s[pos];
  if (c == '&') {
    uint32_t cp;
    if (size_t len = ParseEntity(s.substr(pos), &cp)) return len;
    return 1;
  }
  if (c == '<') {
    const Markup m = ParseMarkup(s, pos, s.rfind('>'));
    return m.kind == Markup::kText ? 1 : m.length;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
  uint32_t cp;
  const int len = DecodeUtf8(p, reinterpret_cast<const unsigned char*>(s.data()) + s.size(), &cp);
  return len == 0 ? 1 : static_cast<size_t>(len);
}

}  // namespace newsflow::pipeline::normalizer_internal
