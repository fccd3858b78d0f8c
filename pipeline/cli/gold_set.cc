// gold_set.cc — reading hand-labelled items (see gold_set.h).
#include "gold_set.h"

#include <map>

#include "json_lines.h"
#include "newsflow/rules/taxonomy_ids.h"

namespace newsflow::cli {
namespace {

// "" if a gold label may carry `tag`; else why not. A fixed family's id must
// be the taxonomy's (a misspelt one would score a right tag as a miss and a
// false positive); project:, program: and watch: ids are the rule set's and
// the desk's own.
std::string LabelTagProblem(const std::string& tag) {
  if (std::string problem = rules::TaxonomyProblem(tag); !problem.empty()) return problem;
  for (const char* family : {"cluster:", "theme:", "region:", "project:", "program:", "watch:"})
    if (tag.rfind(family, 0) == 0 && tag.size() > std::string_view(family).size()) return "";
  return "tag '" + tag + "' is of no family (cluster:, theme:, region:, project:, program:, watch:)";
}

// Appends the items of one gold file; `seen` holds every key read so far
// (with its file), so that an item labelled twice is an error.
Status LoadGoldInto(const std::string& path, std::vector<GoldItem>* out, std::map<std::string, std::string>* seen) {
  return ForEachJsonLine(path, [out, seen, &path](simdjson::dom::element e) {
    GoldItem g;
    std::string_view sv;
    if (e["key"].get(sv)) return Status::InvalidArgument("missing key");
    g.key = sv;
    if (const auto [at, fresh] = seen->emplace(g.key, path); !fresh)
      return Status::InvalidArgument("key '" + g.key + "' is labelled twice (also in " + at->second + ")");
    if (!e["title"].get(sv)) g.title = sv;
    if (!e["body"].get(sv)) g.body = sv;
    simdjson::dom::array labels;
    if (e["labels"].get(labels)) return Status::InvalidArgument("missing labels");
    simdjson::dom::array feed_labels;  // optional: {field, name} as the feed sent them
    if (!e["feed_labels"].get(feed_labels)) {
      for (auto l : feed_labels) {
        std::string_view field, name;
        if (l["field"].get(field) || l["name"].get(name))
          return Status::InvalidArgument("a feed label needs field and name");
        g.feed_labels.push_back({std::string(field), std::string(name)});
      }
    }
    for (auto l : labels) {
      if (l["tag"].get(sv)) return Status::InvalidArgument("label without tag");
      const std::string tag(sv);
      if (std::string problem = LabelTagProblem(tag); !problem.empty()) return Status::InvalidArgument(problem);
      g.labels.insert(tag);
      if (!l["evidence"].get(sv)) g.evidence[tag] = sv;
    }
    out->push_back(std::move(g));
    return Status::OK();
  });
}

}  // namespace

Status LoadGold(const std::string& path, std::vector<GoldItem>* out) {
  std::map<std::string, std::string> seen;
  return LoadGoldInto(path, out, &seen);
}

Status LoadGoldFiles(const std::vector<std::string>& paths, std::vector<GoldItem>* out) {
  std::map<std::string, std::string> seen;
  for (const auto& p : paths) {
    if (Status st = LoadGoldInto(p, out, &seen); !st.ok()) return st;
  }
  return Status::OK();
}

}  // namespace newsflow::cli
