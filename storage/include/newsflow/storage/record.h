// record.h — the documents, dead letters and offsets that the store keeps.
//
// These are plain value types owned by the caller; the store copies what it
// needs during a write and returns fresh copies on reads. The storage library
// knows nothing of rules or of the pipeline: a tag is an opaque string here.
// Threads: values and pure codec functions, no shared state. Errors: the
// decoders return false for bytes that are not such a value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::storage {

// Which field of a document a span points into.
enum class Field : uint8_t { kTitle = 0, kBody = 1, kLabel = 2 };

// One piece of evidence for a tag. For the title and body: a matched
// keyword occurrence, in byte offsets of the ORIGINAL field text (before
// normalization), so it can be highlighted in what the feed sent. For
// kLabel: a feed label that counted, [begin, end) = [i, i + 1) with i its
// index in Record::labels and `keyword` its name.
struct Span {
  std::string tag;      // tag id the hit counted for, e.g. "cluster:ai"
  std::string keyword;  // the rule keyword that matched (kLabel: the label's name)
  Field field = Field::kBody;
  uint32_t begin = 0;   // [begin, end) in the original field bytes (kLabel: label index)
  uint32_t end = 0;
};

// A topic name the feed attached to the document (ths tagInfo concept, cls
// subject or sector); opaque to the store.
struct Label {
  std::string field;  // "ths.tagInfo", "cls.subjects", ...
  std::string name;
};

// One tag on a document with the score it reached.
struct TagScore {
  std::string tag;
  double score = 0.0;
};

// A stored, tagged document. `key` is "<source>:<id>" and is the primary key.
struct Record {
  std::string key;
  std::string source;            // "cls", "eastmoney", "ths", or a map's name
  int64_t time_ms = 0;           // published time, UTC, milliseconds since epoch
  std::string title;             // original title (may contain HTML)
  std::string body;              // original body (may contain HTML)
  std::string url;
  std::string level;             // importance level where the feed has one
  std::vector<std::string> stocks;       // the feed's own codes, as sent (raw form)
  std::vector<std::string> stock_codes;  // canonical form of each, same order ("" = no canonical form);
                                         // indexed in by_stock. Opaque to the store.
  std::vector<Label> labels;     // the feed's labels, in its order (label spans index them)
  std::vector<TagScore> tags;    // sorted by tag id, unique
  std::vector<Span> spans;
  std::string ruleset_version;   // version of the rule set that produced tags
  std::string origin;            // where it came from: "file:PATH:LINE" or "kafka:TOPIC/P@OFFSET"
  std::string story;             // story id: the key of the story's first member ("" = none assigned)
};

// A record the pipeline could not turn into a document.
struct DeadLetter {
  std::string reason;    // human-readable cause, e.g. "json: TAPE_ERROR at byte 17"
  std::string position;  // source position: "file:PATH:LINE" or "kafka:TOPIC/P@OFFSET"
  std::string raw;       // the raw bytes exactly as read (may be invalid UTF-8 / contain NULs)
  int64_t time_ms = 0;   // when it was dead-lettered (wall clock, UTC ms)
  // Its number in the store's dead-letter log (from 1, in arrival order,
  // never reused, kept by a prune): set when read from the store, not encoded.
  uint64_t seq = 0;
};

// A consumer position to persist atomically with the documents it produced.
struct Offset {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;  // the next offset to consume
};

// Compact binary encoding of a Record (versioned, little-endian, varint
// lengths). Decode returns false on a malformed value.
std::string EncodeRecord(const Record& r);
[[nodiscard]] bool DecodeRecord(std::string_view in, Record* out);

// Replaces the empty story id at the end of an EncodeRecord() value (cheap:
// the story is the last field). False if `encoded` is not such a value.
[[nodiscard]] bool SetEncodedStory(std::string* encoded, std::string_view story);

std::string EncodeDeadLetter(const DeadLetter& d);
[[nodiscard]] bool DecodeDeadLetter(std::string_view in, DeadLetter* out);

}  // namespace newsflow::storage
