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

Status ForEachCollapsed(storage::Store& store, const storage::QueryOptions& q, uint64_t* total,
                        const CollapsedVisitor& visit) {
  storage::QueryOptions all = q;
  all.limit = 0;
  // One pass keeps each story's earliest match as a key and a time, not the
  // matches themselves: memory follows the number of stories, not the
  // documents' bytes (all of a 400k-document store's records were 700 MB).
  struct Earliest {
    int64_t time_ms;
    std::string key;
  };
  std::unordered_map<std::string, Earliest> earliest;  // story -> its earliest match
  std::vector<const std::string*> order;               // stories by their newest match
  // The walk is newest first and by key at one time: a story's earliest
  // match is its last of the oldest time met, the first met at that time.
  NEWSFLOW_RETURN_IF_ERROR(store.ForEach(all, [&](const storage::Record& r) {
    auto [it, fresh] = earliest.try_emplace(StoryOf(r), Earliest{r.time_ms, r.key});
    if (fresh) order.push_back(&it->first);
    else if (r.time_ms < it->second.time_ms) it->second = Earliest{r.time_ms, r.key};  // an older match of the same story
    return true;
  }));
  *total = order.size();
  if (!visit) return Status::OK();
  size_t shown = 0;
  std::vector<std::string> also;
  for (const std::string* story : order) {
    if (q.limit > 0 && shown >= q.limit) break;
    storage::Record r;
    bool found = false;
    NEWSFLOW_RETURN_IF_ERROR(store.Get(earliest.at(*story).key, &r, &found));
    if (!found) {  // removed since the pass (a writer's prune between the two reads)
      --*total;
      continue;
    }
    NEWSFLOW_RETURN_IF_ERROR(OtherMembers(store, r, &also));
    ++shown;
    if (!visit(r, also)) break;
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
