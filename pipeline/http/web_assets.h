// web_assets.h — the web desk's files (pipeline/http/web/), built into the
// binary so `newsflow serve` needs nothing beside it. The table is
// generated at build time (cmake/embed_web.cmake) from the files.
//
// Ownership: static data. Threads: read-only. Errors: none.
#pragma once

#include <string_view>

namespace newsflow::pipeline {

struct WebAsset {
  std::string_view name;          // "index.html", "desk.js", ...
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view bytes;
};

// The built-in file of that name, or null.
const WebAsset* FindWebAsset(std::string_view name);

}  // namespace newsflow::pipeline
