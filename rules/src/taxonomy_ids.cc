// taxonomy_ids.cc — see taxonomy_ids.h. The table must equal the id columns
// of rules/taxonomy.md (TaxonomyIds.EqualTheTaxonomyFile checks it).
#include "newsflow/rules/taxonomy_ids.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "newsflow/base/closest_ids.h"

namespace newsflow::rules {

const std::vector<std::string>& TaxonomyIds() {
  static const std::vector<std::string> ids = {
    "cluster:network-communications", "cluster:semiconductors", "cluster:uhd-display", "cluster:smart-terminals",
    "cluster:smart-sensors", "cluster:software-it", "cluster:ai", "cluster:digital-creative", "cluster:fashion",
    "cluster:machine-tools", "cluster:robotics", "cluster:laser-additive", "cluster:precision-instruments",
    "cluster:high-end-equipment", "cluster:new-energy", "cluster:energy-storage",
    "cluster:energy-saving-environmental", "cluster:nev-icv", "cluster:new-materials", "cluster:petrochemical",
    "cluster:medical-devices", "cluster:biomedicine", "cluster:health", "cluster:marine",
    "cluster:synthetic-biology", "cluster:blockchain", "cluster:cell-gene", "cluster:aerospace",
    "cluster:low-altitude", "cluster:brain-science", "cluster:deep-earth-sea", "cluster:optical-comm-computing",
    "cluster:quantum", "theme:digital-currency", "theme:carbon", "theme:data-elements", "theme:cross-border-finance",
    "region:guangdong", "region:shenzhen", "region:guangzhou", "region:greater-bay-area"};
  return ids;
}

std::string TaxonomyProblem(std::string_view tag) {
  static constexpr std::string_view kFixed[] = {"cluster:", "theme:", "region:"};
  const bool fixed = std::any_of(std::begin(kFixed), std::end(kFixed),
                                 [&](std::string_view f) { return tag.substr(0, f.size()) == f; });
  const auto& ids = TaxonomyIds();
  if (!fixed || std::find(ids.begin(), ids.end(), tag) != ids.end()) return "";
  return fmt::format("tag '{}' is not in the taxonomy (rules/taxonomy.md; closest: {})", tag,
                     fmt::join(ClosestIds(tag, ids, 3), ", "));
}

}  // namespace newsflow::rules
