// file_progress.cc — see file_progress.h.
#include "pipeline/job/file_progress.h"

#include <fmt/format.h>

#include <cstdio>
#include <string_view>

namespace newsflow::pipeline {

std::string FileProgress::Encode() const {
  std::string out = fmt::format("records={} stored={} dead={} done={}", records, stored, dead, done ? 1 : 0);
  if (!read_as.empty()) out += " as=" + read_as;
  return out;
}

Status FileProgress::Parse(const std::string& text, FileProgress* out) {
  unsigned long long r = 0, s = 0, d = 0;
  int done = 0, end = 0;
  if (std::sscanf(text.c_str(), "records=%llu stored=%llu dead=%llu done=%d%n", &r, &s, &d, &done, &end) != 4 ||
      (done != 0 && done != 1)) {
    return Status::Corruption("unreadable file progress '" + text + "'");
  }
  std::string read_as;
  const std::string_view rest = std::string_view(text).substr(static_cast<size_t>(end));
  if (rest.rfind(" as=", 0) == 0 && rest.size() > 4 && rest.find(' ', 4) == std::string_view::npos) {
    read_as = std::string(rest.substr(4));
  } else if (!rest.empty()) {
    return Status::Corruption("unreadable file progress '" + text + "'");
  }
  *out = FileProgress{r, s, d, done == 1, std::move(read_as)};
  return Status::OK();
}

}  // namespace newsflow::pipeline
