// gold_set.cc — reading hand-labelled items (see gold_set.h).
#include "gold_set.h"

#include "json_lines.h"

namespace newsflow::cli {

Status LoadGold(const std::string& path, std::vector<GoldItem>* out) {
  return ForEachJsonLine(path, [out](simdjson::dom::element e) {
    GoldItem g;
    std::string_view sv;
    if (e["key"].get(sv)) return Status::InvalidArgument("missing key");
    g.key = sv;
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
      g.labels.insert(tag);
      if (!l["evidence"].get(sv)) g.evidence[tag] = sv;
    }
    out->push_back(std::move(g));
    return Status::OK();
  });
}

Status LoadGoldFiles(const std::vector<std::string>& paths, std::vector<GoldItem>* out) {
  for (const auto& p : paths) {
    if (Status st = LoadGold(p, out); !st.ok()) return st;
  }
  return Status::OK();
}

}  // namespace newsflow::cli
