// unknown_tag.cc — see unknown_tag.h.
#include "pipeline/query/unknown_tag.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "newsflow/base/closest_ids.h"

namespace newsflow::pipeline {

std::string UnknownTagText(const std::string& tag, const std::vector<std::string>& known, std::string_view note) {
  if (known.empty()) return fmt::format("unknown tag '{}': no stored document carries any tag", tag);
  return fmt::format("unknown tag '{}' (closest known: {}{}{})", tag, fmt::join(ClosestIds(tag, known, 3), ", "),
                     note.empty() ? "" : "; ", note);
}

}  // namespace newsflow::pipeline
