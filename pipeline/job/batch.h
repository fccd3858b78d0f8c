// batch.h — the unit of work that flows between stages.
//
// A source fills a Batch with raw records; each step of the stage path fills
// in more (decode -> normalize -> match -> evaluate -> prepare -> story ->
// store).
// Items that fail a step carry an `error` (the dead-letter reason, data, not
// a Status) and later steps skip them; prepare turns them into dead letters.
// Ownership and threads: a batch is owned by one thread at a time (moved
// through bounded queues), so nothing in it is synchronized.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "newsflow/storage/record.h"
#include "newsflow/storage/store.h"
#include "pipeline/decode/document.h"
#include "pipeline/normalize/normalizer.h"
#include "pipeline/story/story_sketch.h"

namespace newsflow::rules {
class CompiledRules;
}  // namespace newsflow::rules

namespace newsflow::pipeline {

// One piece of evidence for an item's tag, kept as numbers until a record is
// built (ToRecord): no string is made per hit on the tagging path. For the
// title and body, `keyword` is the matched pattern's number in the rule set
// that tagged the item (rules::CompiledRules::patterns()) and [begin, end)
// are ORIGINAL field byte offsets; for kLabel, `keyword` is the label's
// index in Document::labels and [begin, end) = [keyword, keyword + 1), as
// storage::Span has it.
struct ItemSpan {
  uint32_t keyword = 0;
  storage::Field field = storage::Field::kBody;
  uint32_t begin = 0;
  uint32_t end = 0;
};

// A tag that applies to an item, with the spans that made it fire.
struct ItemTag {
  std::string tag;
  double score = 0;
  bool alert = false;
  std::vector<ItemSpan> spans;
};

// Where a Kafka record came from (absent for files and stdin).
struct KafkaPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;  // the record's produce/log-append timestamp
  std::optional<std::string> key;  // the message key as raw bytes (nullopt: a null key)
};

// An item that arrived already tagged (--format tagged: another newsflow
// instance's --tagged output): its tags, spans and version are kept, not
// computed. Its spans name keywords of the producer's rule set, so they stay
// strings (`tags` carries no ItemSpan).
struct PreTagged {
  std::vector<ItemTag> tags;
  std::vector<storage::Span> spans;  // as the producer stored them
  std::string ruleset_version;
};

struct Item {
  std::string raw;                      // the bytes as read, without the newline
  std::string position;                 // "file:PATH:LINE", "stdin:LINE", "kafka:TOPIC/P@OFFSET"
  std::optional<KafkaPosition> kafka;
  std::string error;                    // non-empty: dead letter with this reason
  Document doc;
  NormalizedText title_norm, body_norm; // filled by the normalize stage
  std::vector<ItemTag> tags;            // filled by the evaluate stage
  std::optional<PreTagged> tagged;      // --format tagged: the tags it came with
  StorySketch sketch;                   // filled on the worker for the story step
  std::string story;                    // story id, filled by the story step (story thread)
};

struct Batch {
  uint64_t seq = 0;                     // order in which the source produced it
  std::vector<Item> items;
  size_t bytes = 0;                     // raw bytes in the batch
  std::vector<storage::Offset> offsets; // consumer positions this batch completes
  // The rule set that tagged the items (their spans number its keywords);
  // set with `prepared`, kept alive across a reload until the batch is done.
  std::shared_ptr<const rules::CompiledRules> rules;
  uint64_t end_record = 0;              // file/stdin sources: records of the input read through this batch
  uint64_t input_bytes_read = 0;        // Source::bytes_read() once the batch was cut (a gzip file's: compressed)
  std::string resume_mark;              // follow: sources: the position after this batch (Source::resume_key)
  // The store write, encoded by the prepare stage on a worker thread.
  storage::PreparedWriteSet prepared;
  bool prepared_ready = false;
  uint64_t story_joined = 0;            // documents that joined an earlier story (set by the story thread)
  uint64_t story_late_joined = 0;       // of those, documents older than the window
  uint64_t story_late_builds = 0;       // late indexes built from the store for this batch
  // Indexes into items in the order the story step assigned them (a regular
  // file's batch: event time); empty = item order. Alerts follow it.
  std::vector<uint32_t> story_order;
  uint64_t story_future_dated = 0;      // documents kept out of the story window: dated after the wall clock
};

}  // namespace newsflow::pipeline
