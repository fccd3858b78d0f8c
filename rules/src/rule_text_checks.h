// rule_text_checks.h — the checks every rule file format applies to tag ids
// and keyword text (YAML rule files and TSV watch lists alike).
//
// Pure functions; thread-safe; no errors beyond their return values.
#pragma once

#include <string>
#include <string_view>

#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {

// cluster:|theme:|region:|project:|program:|watch: and a lowercase slug of
// a-z, 0-9 and inner '-'.
bool IsValidTag(std::string_view tag);

// The families IsValidTag accepts, for messages.
inline constexpr const char* kTagFamilies = "cluster:|theme:|region:|project:|program:|watch:";

// "" when `k`'s text can be matched; otherwise what is wrong with it: empty,
// a NUL byte, invalid UTF-8, a newline in a literal, or only whitespace
// (which would match nearly every document or nothing).
std::string KeywordTextProblem(const Keyword& k);

}  // namespace newsflow::rules
