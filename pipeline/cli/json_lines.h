// json_lines.h — reading a hand-made JSON Lines file (gold items, labelled
// story pairs) line by line, with errors that name FILE:LINE.
//
// Ownership/threads: one parser per call, nothing shared. Errors: NotFound
// for an unreadable file; InvalidArgument "FILE:LINE: ..." for a line that
// does not parse or that `fn` rejects (its message, prefixed). Empty lines
// are skipped; reading stops at the first error.
#pragma once

#include <simdjson.h>

#include <functional>
#include <string>

#include "newsflow/base/status.h"

namespace newsflow::cli {

Status ForEachJsonLine(const std::string& path, const std::function<Status(simdjson::dom::element)>& fn);

}  // namespace newsflow::cli
