// file_progress.cc — see file_progress.h.
#include "pipeline/job/file_progress.h"

#include <fmt/format.h>

#include <cstdio>

namespace newsflow::pipeline {

std::string FileProgress::Encode() const {
  return fmt::format("records={} stored={} dead={} done={}", records, stored, dead, done ? 1 : 0);
}

Status FileProgress::Parse(const std::string& text, FileProgress* out) {
  unsigned long long r = 0, s = 0, d = 0;
  int done = 0, end = 0;
  if (std::sscanf(text.c_str(), "records=%llu stored=%llu dead=%llu done=%d%n", &r, &s, &d, &done, &end) != 4 ||
      static_cast<size_t>(end) != text.size() || (done != 0 && done != 1)) {
    return Status::Corruption("unreadable file progress '" + text + "'");
  }
  *out = FileProgress{r, s, d, done == 1};
  return Status::OK();
}

}  // namespace newsflow::pipeline
