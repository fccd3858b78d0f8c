// simplified_spelling.h — a keyword as normalized documents spell it: its
// traditional Chinese converted to simplified (機器學習 -> 机器学习, 晶圓 ->
// 晶圆), which the normalizer does to every traditional document before
// matching. The Tagger adds this spelling beside the keyword; `rules lint`
// compares keywords in it.
//
// Ownership: borrows the Normalizer for the call. Threads: as Normalizer
// (thread-safe). Errors: none; a keyword that does not convert is returned
// as it is.
#pragma once

#include <string>

#include "pipeline/normalize/normalizer.h"

namespace newsflow::pipeline {

// `keyword` with the text between its ends converted to simplified Chinese
// (a space at either end, which SCHEMA.md lets a keyword hold, is kept: the
// normalizer would trim it, as it trims a document's ends). `keyword`
// itself when nothing converts, or when it holds '<' or '&' (the normalizer
// would read them as HTML and could drop part of it). Thread-safe, as
// Normalizer is.
std::string SimplifiedSpelling(const Normalizer& normalizer, const std::string& keyword);

}  // namespace newsflow::pipeline
