// json_lines.cc — see json_lines.h.
#include "json_lines.h"

#include <fmt/format.h>

#include <fstream>

#include "pipeline/decode/decoder.h"

namespace newsflow::cli {

Status ForEachJsonLine(const std::string& path, const std::function<Status(simdjson::dom::element)>& fn) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  simdjson::dom::parser parser;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n == 1 && line.starts_with(pipeline::kUtf8Bom)) line.erase(0, pipeline::kUtf8Bom.size());
    if (line.empty()) continue;
    simdjson::dom::element e;
    Status s = Status::OK();
    if (auto ec = parser.parse(line).get(e)) {
      s = Status::InvalidArgument(simdjson::error_message(ec));
    } else {
      s = fn(e);
    }
    if (!s.ok()) return Status::InvalidArgument(fmt::format("{}:{}: {}", path, n, s.message()));
  }
  return Status::OK();
}

}  // namespace newsflow::cli
