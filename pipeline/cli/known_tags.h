// known_tags.h — the tag ids a command may name (`query --tag/--any/--not`,
// `stats --tag`): those some stored document carries, and those of a rule
// set when one is given, so that a misspelt tag is a usage error naming the
// closest ones rather than an empty answer.
//
// Ownership: borrows the store. Threads: as the store's reads. Errors: the
// store's or the rule loader's Status.
#pragma once

#include <string>
#include <vector>

#include "newsflow/base/status.h"
#include "newsflow/storage/store.h"

namespace newsflow::cli {

// Sorted, unique: the stored documents' tags and, unless rules_dir is "",
// the tags of its rule set.
Status KnownTags(storage::Store& store, const std::string& rules_dir, std::vector<std::string>* out);

// "" if every tag of `lists` is in `known` (sorted); else the usage message
// for the first one that is not.
std::string UnknownTagMessage(const std::vector<const std::vector<std::string>*>& lists,
                              const std::vector<std::string>& known);

}  // namespace newsflow::cli
