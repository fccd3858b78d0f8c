// strict_json.h — consume a simdjson On-Demand value completely, so that
// everything in it is checked against RFC 8259.
//
// On-Demand validates only what a caller reads: a skipped value is stepped
// over by its structural characters, so `tru`, `01`, `NaN`, `{"b":}` or a
// bad escape `"\x"` in a field nobody reads would pass. ConsumeStrict checks
// the whole value: an object or array is taken whole (raw_json()) and its
// every comma, colon, bracket and value checked by a byte-level recursive
// descent, and every scalar is checked: numbers against the grammar
// (leading zeros, NaN, `1.`, `+1` are errors) and their range (integers
// beyond 64 bits, floats overflowing to infinity), the true/false/null
// atoms, and keys and strings. Keys and strings are unescaped (checked) only
// when `escapes` says the line has a backslash: the parser's stage 1 already
// rejected invalid UTF-8 and unescaped control characters, so without a
// backslash a string cannot be invalid.
//
// Ownership: borrows the value (and its document) for the call. Threads: the
// document's thread. Errors: the simdjson error code of the first problem
// (SUCCESS if the value is valid JSON); never throws.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>

namespace newsflow::pipeline {

// `escapes`: the document's text holds a backslash somewhere.
simdjson::error_code ConsumeStrict(simdjson::ondemand::value v, bool escapes) noexcept;

// The same for a value whose type the caller already read (no second type()).
simdjson::error_code ConsumeStrict(simdjson::ondemand::value v, simdjson::ondemand::json_type t, bool escapes) noexcept;

}  // namespace newsflow::pipeline
