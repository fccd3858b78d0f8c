// rotated_name.h — internal to source/: which files beside a followed file
// are its rotated generations.
//
// A rotation renames the file with a numbered or dated suffix: logrotate's
// `feed.jsonl.1`, `feed.jsonl-20261201` (dateext), `feed.jsonl.2026-12-01`,
// or, with its `extension` option, `feed-20261201.jsonl`. A name that merely
// starts with the file's name (`feed.jsonl.notes`, `feed.jsonl.bak`,
// `feed.jsonl-writer.log`) is not a rotation, and a compressed generation
// (`feed.jsonl.2.gz`) is not one either: it cannot be read as JSON Lines.
//
// Threads: a plain function. Errors: none.
#pragma once

#include <string_view>

namespace newsflow::pipeline {

// True if `candidate` (a file name, no directory) names a rotated
// generation of the file named `name`: `name` or its stem followed by a
// suffix of one separator ('.', '-', '_') and then digits and separators
// only, starting with a digit (and, for the stem, `name`'s extension after).
bool IsRotatedName(std::string_view name, std::string_view candidate);

}  // namespace newsflow::pipeline
