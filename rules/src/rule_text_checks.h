// rule_text_checks.h — the checks every rule file format applies to tag ids
// and keyword text (YAML rule files and TSV watch lists alike).
//
// Pure functions; thread-safe; no errors beyond their return values.
#pragma once

#include <string>
#include <string_view>

#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {

// A tag of a YAML rule or label entry: cluster:|theme:|region:|project:|
// program: and a lowercase slug of a-z, 0-9 and inner '-'.
bool IsValidTag(std::string_view tag);

// A watch list's tag: watch: and a slug as above. Only watch lists define
// these, and they define nothing else.
bool IsValidWatchTag(std::string_view tag);

// "" when `k`'s text can be matched; otherwise what is wrong with it: empty,
// a NUL byte, invalid UTF-8, a newline or HTML markup in a literal, or only
// whitespace (which would match nearly every document or nothing).
std::string KeywordTextProblem(const Keyword& k);

// The first HTML entity in `text` ("&amp;", "&#38;", "&#x26;"), or "".
// Documents are read with entities decoded, so a name holding one never hits.
std::string_view HtmlEntity(std::string_view text);

// "" when normalized documents can hold what `k` matches as far as the rules
// library can tell; otherwise why they never do. A literal holding an HTML
// entity; a regex that, outside its bracket expressions, holds a full-width
// ASCII character (documents have it folded), an entity or HTML markup
// (documents are read decoded and stripped), where that can be decided: the
// regex has no alternation or optional part there. Traditional Chinese is not
// looked at here (OpenCC is the pipeline's; its Tagger adds the simplified
// spelling of a literal).
std::string NormalizedTextProblem(const Keyword& k);

// "" unless regex `k`, outside its bracket expressions, holds what
// normalized documents never have there: a full-width ASCII character, a
// space other than ' ', or two spaces in a row (then why). Decided whatever
// the regex's alternations: NormalizedTextProblem refuses it where no
// alternation or optional part could do without that text; `rules lint`
// reports the rest (a dead alternative: '芯片|（测试）').
std::string FoldedRegexProblem(const Keyword& k);

// Whether `a` and `b` hold the same CJK ideographs in the same order (what a
// traditional-to-simplified conversion changes; folding does not).
bool SameIdeographs(std::string_view a, std::string_view b);

// `text` with ASCII A-Z lowered: the key under which caseless keywords
// match the same text (NVIDIA, Nvidia).
std::string AsciiLowered(std::string_view text);

// A name as documents read after normalization (pipeline's Normalizer):
// full-width ASCII folded to ASCII (ＮＶＩＤＩＡ -> NVIDIA), invisible code
// points (zero-width space, soft hyphen, BOM, C1 and ASCII controls other
// than whitespace and NUL) dropped, every Unicode space (U+3000, NBSP, TAB
// ...) an ASCII space, runs of spaces one, none at either end. Text that is
// not valid UTF-8 is returned unchanged, for KeywordTextProblem to reject.
// Not done here: traditional Chinese to simplified (OpenCC is the
// pipeline's: its Tagger adds a name's simplified spelling) and HTML
// entities (a name holding one is rejected).
std::string FoldLikeNormalizedText(std::string_view text);

// Whether `text` has an ASCII space with a CJK ideograph (U+3400-U+9FFF)
// right on each side ("集成电路 光刻机"): normalized Chinese text almost
// never does, but YAML writes one where it folds two lines into one scalar.
// False for text that is not valid UTF-8.
bool HasSpaceBetweenIdeographs(std::string_view text);

}  // namespace newsflow::rules
