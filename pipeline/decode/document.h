// document.h — the canonical document every feed is decoded into.
//
// Ownership: plain values; an Item of a batch owns its Document. Threads:
// one thread at a time, with its batch. Errors: none (a decoder that cannot
// fill one dead-letters the item).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "newsflow/storage/record.h"

namespace newsflow::pipeline {

// A topic name the feed attached to the item (ths tagInfo concept, cls
// subject or sector): evidence for tags through the rule set's label table.
// The stored record keeps it as it is (field "ths.tagInfo", "cls.subjects",
// "cls.plate_list" or a field map's `as`; name as the feed wrote it).
using FeedLabel = storage::Label;

// One news item, independent of the feed it came from. Owned by its batch.
struct Document {
  std::string key;        // "<source>:<id>", e.g. "cls:2370637", "eastmoney:2026...", "ths:4377313"
  std::string source;     // "cls", "eastmoney", "ths", or the field map's `source`
  std::string id;         // the feed's own id, as text
  int64_t time_ms = 0;    // published time, UTC milliseconds since the epoch (0 = unknown)
  std::string title;      // as the feed sent it (HTML and all)
  std::string body;
  std::string url;
  std::string level;      // importance level where the feed has one (cls A/B/C, ths import)
  std::vector<std::string> stocks;       // the feed's codes as sent
  std::vector<std::string> stock_codes;  // CanonicalStockCode of each (stock_code.h), same order
  std::vector<FeedLabel> labels;         // in the feed's order, per label source of the field map
};

}  // namespace newsflow::pipeline
