// gold_set.h — hand-labelled items (tests/eval/gold_*.jsonl), read by `eval`
// and by `rules coverage --gold`.
//
// A line: {"key", "feed", "title", "body", "labels": [{"tag", "evidence"}],
// "feed_labels": [{"field", "name"}]}. `labels` are the gold tags; the
// optional `feed_labels` are the item's own feed labels (evidence the rule
// set's label table reads, as in a run).
// Ownership/threads: plain values, no shared state. Errors: LoadGold returns
// NotFound for an unreadable file and InvalidArgument naming FILE:LINE for a
// malformed line, a label whose tag is outside the taxonomy or of no family,
// or a key labelled twice (in one file, or in any two LoadGoldFiles reads);
// items read before it stay in `out`.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "newsflow/base/status.h"
#include "pipeline/decode/document.h"

namespace newsflow::cli {

struct GoldItem {
  std::string key, title, body;
  std::vector<pipeline::FeedLabel> feed_labels;  // the item's feed labels (evidence, not gold)
  std::set<std::string> labels;
  std::map<std::string, std::string> evidence;  // tag -> the label's evidence
};

// Appends the items of one gold file to `out`.
Status LoadGold(const std::string& path, std::vector<GoldItem>* out);

// Appends the items of each file in turn; stops at the first error.
Status LoadGoldFiles(const std::vector<std::string>& paths, std::vector<GoldItem>* out);

}  // namespace newsflow::cli
