// rotated_name.h — internal to source/: which files beside a followed file
// are its rotated generations.
//
// A rotation renames the file with a numbered or dated suffix: logrotate's
// `feed.jsonl.1`, `feed.jsonl-20261201` (dateext), `feed.jsonl.2026-12-01`,
// or, with its `extension` option, `feed.1.jsonl` or `feed-20261201.jsonl`
// (before the extension only these two forms: `feed-2.jsonl` is more often
// another feed than a rotation of `feed.jsonl`). A name that merely
// starts with the file's name (`feed.jsonl.notes`, `feed.jsonl.bak`,
// `feed.jsonl-writer.log`) is not a rotation, and a compressed generation
// (`feed.jsonl.2.gz`) is not one either: it cannot be read as JSON Lines.
//
// Threads: a plain function. Errors: none.
#pragma once

#include <cstdint>
#include <string_view>

namespace newsflow::pipeline {

// True if `candidate` (a file name, no directory) names a rotated
// generation of the file named `name`: `name` followed by a suffix of one
// separator ('.', '-', '_') and then digits and separators only, starting
// with a digit; or `name`'s stem, then '.' and a number or a separator and a
// date (8 digits or more), then `name`'s extension.
bool IsRotatedName(std::string_view name, std::string_view candidate);

// The N of a numbered generation, `name`.N or STEM.N.EXT (logrotate's
// larger N is the older file); 0 for any other name.
uint64_t RotationNumber(std::string_view name, std::string_view candidate);

}  // namespace newsflow::pipeline
