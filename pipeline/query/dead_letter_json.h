// dead_letter_json.h — a stored dead letter as one JSON object
// (`dead-letter --json`), its raw bytes given back exactly.
//
// The raw bytes may be anything (invalid UTF-8, NUL, a line cut at the record
// cap), which a JSON string cannot hold losslessly: "raw_base64" holds them
// all (RFC 4648 base64), "raw" holds them as text only when they are valid
// UTF-8 (else null, so a U+FFFD there is a real one), and
// "invalid_utf8_offset" is the offset of the first byte that is not part of
// valid UTF-8 (null when there is none).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "newsflow/storage/record.h"

namespace newsflow::pipeline {

// Standard base64 with padding (RFC 4648, section 4).
std::string Base64(std::string_view bytes);

// One JSON object (no newline): id, time (UTC), time_ms, position, reason,
// size (of raw, in bytes), raw, raw_base64, invalid_utf8_offset.
std::string DeadLetterToJson(const storage::DeadLetter& d);

}  // namespace newsflow::pipeline
