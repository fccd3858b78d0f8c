// simplified_spelling.cc — see simplified_spelling.h.
#include "pipeline/job/simplified_spelling.h"

#include <string_view>

namespace newsflow::pipeline {

std::string SimplifiedSpelling(const Normalizer& normalizer, const std::string& keyword) {
  // Two memchr calls: find_first_of("<&") made one per byte of the keyword.
  if (keyword.find('<') != std::string::npos || keyword.find('&') != std::string::npos) return keyword;
  const size_t first = keyword.find_first_not_of(' ');
  if (first == std::string::npos) return keyword;
  const size_t last = keyword.find_last_not_of(' ');
  std::string core = normalizer.ToSimplified(std::string_view(keyword).substr(first, last + 1 - first));
  if (core.empty()) return keyword;
  if (first == 0 && last + 1 == keyword.size()) return core;  // no spaces to put back (most keywords)
  return keyword.substr(0, first) + core + keyword.substr(last + 1);
}

}  // namespace newsflow::pipeline
