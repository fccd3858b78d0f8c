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

// The longest prefix of `s` of at most `max_bytes` that ends at a UTF-8
// character boundary (a cut inside a character wrote invalid UTF-8).
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

}  // namespace newsflow::cli
