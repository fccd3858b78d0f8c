// story_query.cc — see story_query.h.
#include "pipeline/query/story_query.h"

#include <algorithm>
#include <unordered_map>

namespace newsflow::pipeline {

Status MembersOfStory(storage::Store& store, std::string_view id, std::vector<storage::Record>* out) {
  NEWSFLOW_RETURN_IF_ERROR(store.StoryMembers(id, 0, out));
  if (!out->empty()) return Status::OK();
  storage::Record doc;
  bool found = false;
  NEWSFLOW_RETURN_IF_ERROR(store.Get(id, &doc, &found));
  if (found && doc.story.empty()) out->push_back(std::move(doc));
  return Status::OK();
}

Status StoryOfMemberKey(storage::Store& store, std::string_view id, std::string* story) {
  storage::Record doc;
  bool found = false;
  NEWSFLOW_RETURN_IF_ERROR(store.Get(id, &doc, &found));
  *story = found && StoryOf(doc) != id ? StoryOf(doc) : std::string();
  return Status::OK();
}

const storage::Record* ShownMember(const std::vector<storage::Record>& members, const storage::QueryOptions& filter,
                                   std::vector<std::string>* also) {
  also->clear();
  const auto shown = std::find_if(members.begin(), members.end(),
                                  [&](const storage::Record& m) { return storage::RecordMatches(m, filter); });
  if (shown == members.end()) return nullptr;
  for (const auto& m : members)
    if (m.key != shown->key) also->push_back(m.key);
  return &*shown;
}

Status OtherMembers(storage::Store& store, const storage::Record& r, std::vector<std::string>* out) {
  out->clear();
  std::vector<storage::Record> members;
  NEWSFLOW_RETURN_IF_ERROR(store.StoryMembers(StoryOf(r), 0, &members));
  for (const auto& m : members) {
    if (m.key != r.key) out->push_back(m.key);
  }
  return Status::OK();
}

Status CollapsedQuery(storage::Store& store, const storage::QueryOptions& q, std::vector<storage::Record>* out,
                      std::vector<std::vector<std::string>>* also, uint64_t* total) {
  storage::QueryOptions all = q;
  all.limit = 0;
  std::vector<storage::Record> matches;
  NEWSFLOW_RETURN_IF_ERROR(store.Query(all, &matches));  // newest first
  std::unordered_map<std::string, size_t> earliest;      // story -> index in matches
  std::vector<size_t> order;                             // stories by their newest match
  // The walk is newest first and by key at one time: a story's earliest
  // match is its last of the oldest time met, the first met at that time.
  for (size_t i = 0; i < matches.size(); ++i) {
    auto [it, fresh] = earliest.emplace(StoryOf(matches[i]), i);
    if (fresh) order.push_back(i);
    else if (matches[i].time_ms < matches[it->second].time_ms) it->second = i;  // an older match of the same story
  }
  out->clear();
  also->clear();
  *total = order.size();
  for (size_t first : order) {
    if (q.limit > 0 && out->size() >= q.limit) break;
    storage::Record& r = matches[earliest[StoryOf(matches[first])]];
    also->emplace_back();
    NEWSFLOW_RETURN_IF_ERROR(OtherMembers(store, r, &also->back()));
    out->push_back(std::move(r));
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
