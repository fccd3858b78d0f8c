// headline.h — what a human listing (query, alerts) shows for an item: its
// title, or for an item without one (most cls telegraphs) the start of its
// body, HTML tags and line breaks removed, cut at a UTF-8 character
// boundary and marked with "…".
//
// Ownership: returns a new string. Threads: pure. Errors: none.
#pragma once

#include <string>
#include <string_view>

namespace newsflow::cli {

std::string Headline(std::string_view title, std::string_view body);

}  // namespace newsflow::cli
