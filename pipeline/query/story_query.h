// story_query.h — the read side's story views, shared by `query`/`show`
// and the HTTP API: a document's fellow story members, and a query
// collapsed to one document per story.
//
// Ownership: borrows the store. Threads: as the store's reads (any thread).
// Errors: the store's Status.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "newsflow/storage/store.h"

namespace newsflow::pipeline {

// The story id of a record (a document stored before story ids is its own story).
inline std::string StoryOf(const storage::Record& r) { return r.story.empty() ? r.key : r.story; }

// The members of story `id`, earliest first (by key at one time): the
// stored documents of that story, or the document `id` itself when it was
// stored without a story id (story ids off), a story of one as StoryOf says.
Status MembersOfStory(storage::Store& store, std::string_view id, std::vector<storage::Record>* out);

// After MembersOfStory found no member of `id`: *story = the story of the
// stored document whose key is `id` (a member's key given for its story's
// id, a mistake in the command), or "" when no document has that key.
Status StoryOfMemberKey(storage::Store& store, std::string_view id, std::string* story);

// A story as a collapsed listing shows it: the earliest of `members`
// (earliest first, as MembersOfStory gives them) that matches `filter`, or
// nullptr if none does; *also = the keys of every other member.
const storage::Record* ShownMember(const std::vector<storage::Record>& members, const storage::QueryOptions& filter,
                                   std::vector<std::string>* also);

// The keys of r's story members other than r itself, earliest first.
Status OtherMembers(storage::Store& store, const storage::Record& r, std::vector<std::string>* out);

// One document per story among those matching q: the story's earliest
// matching document (by key at one time, as StoryMembers orders them),
// newest stories first, at most q.limit of them (0 = all), each visited
// with the keys of its other members as it is read back (nothing held but
// a key per story); visit returns false to stop (null: none is read back,
// only *total is wanted). *total: the number of matching stories, set
// before the first visit.
using CollapsedVisitor = std::function<bool(const storage::Record&, const std::vector<std::string>& also)>;
Status ForEachCollapsed(storage::Store& store, const storage::QueryOptions& q, uint64_t* total,
                        const CollapsedVisitor& visit);

}  // namespace newsflow::pipeline
