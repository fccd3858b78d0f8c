// rule_text_checks.cc — see rule_text_checks.h.
#include "rule_text_checks.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace newsflow::rules {
namespace {

// Decodes one UTF-8 sequence at s[*i]; advances *i. Returns false on an
// invalid, overlong, surrogate or out-of-range sequence.
bool NextCodePoint(std::string_view s, size_t* i, char32_t* cp) {
  // Lead byte pattern -> sequence length, payload bits, smallest code point.
  struct Form {
    unsigned char mask, lead;
    size_t len;
    char32_t min;
  };
  static constexpr Form kForms[] = {{0x80, 0x00, 1, 0}, {0xE0, 0xC0, 2, 0x80}, {0xF0, 0xE0, 3, 0x800},
                                    {0xF8, 0xF0, 4, 0x10000}};
  const auto b0 = static_cast<unsigned char>(s[*i]);
  const Form* f = std::find_if(std::begin(kForms), std::end(kForms),
                               [b0](const Form& x) { return (b0 & x.mask) == x.lead; });
  if (f == std::end(kForms) || *i + f->len > s.size()) return false;
  const size_t len = f->len;
  const char32_t min = f->min;
  *cp = b0 & static_cast<unsigned char>(~f->mask);
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) return false;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  *i += len;
  return *cp >= min && *cp <= 0x10FFFF && !(*cp >= 0xD800 && *cp <= 0xDFFF);
}

// Whitespace (ASCII and Unicode spaces) and the invisible zero-width space
// and BOM: a keyword made only of these matches nearly every document or
// nothing at all.
bool IsBlankCodePoint(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || c == 0xFEFF;
}

// The first HTML markup ("<b>", "</b>", "<!--", "<?php") in `text`, or "":
// a '<' before a letter, '/', '!' or '?', with a '>' after it.
std::string_view HtmlMarkup(std::string_view text) {
  for (size_t lt = text.find('<'); lt != std::string_view::npos; lt = text.find('<', lt + 1)) {
    const size_t gt = text.find('>', lt);
    if (gt == std::string_view::npos || lt + 1 >= text.size()) break;
    const char c = text[lt + 1];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '/' || c == '!' || c == '?')
      return text.substr(lt, gt - lt + 1);
  }
  return {};
}

// Regex `re` without its bracket expressions ([...], where '&', '<' and ';'
// are class members, not a sequence, and a full-width member is only a
// dead alternative): what remains matches in sequence. Each class leaves
// `placeholder` in its place.
std::string OutsideBracketExpressions(std::string_view re, char placeholder = ' ') {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      if (!in_class) out.append(re.substr(i, 2));
      ++i;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      // A ']' first in the class (or after '^') is a member.
      if (i + 1 < re.size() && re[i + 1] == '^') ++i;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;
      out += placeholder;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    out += c;
  }
  return out;
}

// a-z, 0-9 and '-', not first or last.
bool IsSlug(std::string_view slug) {
  if (slug.empty() || slug.front() == '-' || slug.back() == '-') return false;
  return std::all_of(slug.begin(), slug.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

bool IsValidTag(std::string_view t) {
  static constexpr std::string_view kFamilies[] = {"cluster:", "theme:", "region:", "project:", "program:"};
  for (auto f : kFamilies)
    if (t.substr(0, f.size()) == f) return IsSlug(t.substr(f.size()));
  return false;
}

bool IsValidWatchTag(std::string_view t) {
  constexpr std::string_view kWatch = "watch:";
  return t.substr(0, kWatch.size()) == kWatch && IsSlug(t.substr(kWatch.size()));
}

std::string KeywordTextProblem(const Keyword& k) {
  const std::string what = k.regex ? "regex" : "keyword";
  if (k.text.empty()) return "empty keyword";
  if (k.text.find('\0') != std::string::npos) return what + " contains a NUL byte";
  bool blank = true;
  for (size_t i = 0; i < k.text.size();) {
    char32_t cp = 0;
    if (!NextCodePoint(k.text, &i, &cp)) return what + " is not valid UTF-8";
    blank &= IsBlankCodePoint(cp);
  }
  if (!k.regex && k.text.find('\n') != std::string::npos) return "keyword contains a newline";
  // Documents are matched with their HTML stripped: a literal holding a tag
  // ("<b>Zeta</b>", pasted from a web page), a <!...> or a <?...> could
  // never hit. ("x<5" is text, as the normalizer reads it.)
  if (const std::string_view markup = k.regex ? std::string_view() : HtmlMarkup(k.text); !markup.empty())
    return "keyword holds HTML markup ('" + std::string(markup) + "'): documents are matched with their HTML stripped";
  if (blank) return what + " is only whitespace (it would match nearly every document)";
  return "";
}

std::string_view HtmlEntity(std::string_view text) {
  for (size_t at = text.find('&'); at != std::string_view::npos; at = text.find('&', at + 1)) {
    size_t i = at + 1;
    const bool numeric = i < text.size() && text[i] == '#';
    if (numeric) ++i;
    if (numeric && i < text.size() && (text[i] == 'x' || text[i] == 'X')) ++i;
    const size_t start = i;
    while (i < text.size() && i - start < 32 && std::isalnum(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start && i < text.size() && text[i] == ';') return text.substr(at, i + 1 - at);
  }
  return {};
}

std::string NormalizedTextProblem(const Keyword& k) {
  constexpr const char* kDecoded = " (documents are read with HTML entities decoded and markup stripped)";
  if (!k.regex) {
    if (const std::string_view entity = HtmlEntity(k.text); !entity.empty())
      return "keyword '" + k.text + "' holds the HTML entity '" + std::string(entity) +
             "': write the character itself" + kDecoded;
    return "";
  }
  // Decided only where every character outside the classes must match:
  // with an alternation or an optional part ('|', '?', '*', '{'), the
  // offending text might be one a match does without.
  const std::string sequence = OutsideBracketExpressions(k.text);
  if (sequence.find_first_of("|?*{") != std::string::npos) return "";
  if (std::string folded = FoldedRegexProblem(k); !folded.empty()) return folded;
  if (const std::string_view entity = HtmlEntity(sequence); !entity.empty())
    return "regex '" + k.text + "' holds the HTML entity '" + std::string(entity) +
           "': write the character itself" + kDecoded;
  if (const std::string_view markup = HtmlMarkup(sequence); !markup.empty())
    return "regex '" + k.text + "' holds HTML markup ('" + std::string(markup) + "'), which it can never match" +
           kDecoded;
  return "";
}

std::string FoldedRegexProblem(const Keyword& k) {
  if (!k.regex) return "";
  // A class stands as a character that is no space ('[0-9][0-9]' is not two
  // spaces in a row); a space a quantifier follows may be absent or
  // repeated ('芯片  ?制造' matches "芯片 制造").
  const std::string sequence = OutsideBracketExpressions(k.text, 'x');
  char32_t before = 0;
  for (size_t i = 0; i < sequence.size();) {
    const size_t at = i;
    char32_t cp = 0;
    if (!NextCodePoint(sequence, &i, &cp)) return "";  // KeywordTextProblem's
    if (cp >= 0xFF01 && cp <= 0xFF5E)
      return "regex '" + k.text + "' holds the full-width '" + sequence.substr(at, i - at) +
             "': documents have full-width ASCII folded to half-width; write '" +
             std::string(1, static_cast<char>(cp - 0xFEE0)) + "'";
    const bool quantified = i < sequence.size() && std::string_view("?*+{").find(sequence[i]) != std::string_view::npos;
    if (IsBlankCodePoint(cp) && !quantified && (cp != U' ' || before == U' '))
      return "regex '" + k.text + "' holds " + (cp == U' ' ? std::string("two spaces in a row") : "a space other than ' '") +
             ": documents have every run of spaces collapsed to one ' ' (write ' ', or \\s+)";
    before = cp;
  }
  return "";
}

bool SameIdeographs(std::string_view a, std::string_view b) {
  auto ideographs = [](std::string_view s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
      char32_t cp = 0;
      if (!NextCodePoint(s, &i, &cp)) return std::u32string(U"\uFFFD");
      if ((cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) || cp >= 0x20000) out += cp;
    }
    return out;
  };
  return ideographs(a) == ideographs(b);
}

std::string AsciiLowered(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string FoldLikeNormalizedText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;  // a space is pending (written before the next character)
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    char32_t cp = 0;
    // Invalid UTF-8 is left whole: dropping a character between two stray
    // bytes must not join them into a valid one.
    if (!NextCodePoint(text, &i, &cp)) return std::string(text);
    // As the normalizer: invisible code points and ASCII controls other
    // than whitespace are dropped (NUL stays, for KeywordTextProblem), and
    // spaces collapse.
    if (((cp >= 0x80 && cp <= 0x9F) && cp != 0x85) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) ||
        cp == 0x2060 || cp == 0xFEFF || (cp >= 0x01 && cp <= 0x08) || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F)
      continue;
    if (IsBlankCodePoint(cp)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    if (cp >= 0xFF01 && cp <= 0xFF5E)
      out += static_cast<char>(cp - 0xFEE0);
    else
      out.append(text.substr(at, i - at));
  }
  return out;
}

bool HasSpaceBetweenIdeographs(std::string_view text) {
  auto ideograph = [](char32_t cp) { return cp >= 0x3400 && cp <= 0x9FFF; };
  char32_t before = 0, last = 0;  // the two code points before the current one
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    if (!NextCodePoint(text, &i, &cp)) return false;
    if (last == U' ' && ideograph(before) && ideograph(cp)) return true;
    before = last;
    last = cp;
  }
  return false;
}

}  // namespace newsflow::rules
