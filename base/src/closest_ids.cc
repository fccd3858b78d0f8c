// closest_ids.cc — see closest_ids.h.
#include "newsflow/base/closest_ids.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace newsflow {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> ClosestIds(std::string_view wanted, const std::vector<std::string>& known, size_t n) {
  std::vector<std::pair<size_t, size_t>> scored;  // (distance, index in known)
  scored.reserve(known.size());
  for (size_t i = 0; i < known.size(); ++i) {
    const std::string_view k = known[i];
    size_t d = EditDistance(wanted, k);
    if (!wanted.empty() && (k.find(wanted) != std::string_view::npos || wanted.find(k) != std::string_view::npos))
      d = std::min<size_t>(d, 1);
    scored.emplace_back(d, i);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && out.size() < n; ++i) out.push_back(known[scored[i].second]);
  return out;
}

}  // namespace newsflow
