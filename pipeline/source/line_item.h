// line_item.h — internal to source/: makes a batch item of a line read by a
// line source (file, stdin, follow:): its position, a clean slate for the
// later steps (an item may be recycled from an earlier batch), and the
// dead-letter reason of a line cut at the record cap.
//
// Threads: a plain function. Errors: none.
#pragma once

#include <string>
#include <string_view>

#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

// `it.raw` already holds the line; `name` and `line_no` make its position
// ("file:PATH:LINE"); `cap` is the record cap a truncated line was cut at.
// A line the input ended without a newline may hold one byte over the cap
// (line_cut.h): with no newline after it that byte is the record's, and the
// line is cut here.
inline void FinishLineItem(Item& it, std::string_view name, uint64_t line_no, bool truncated, size_t cap,
                           Batch* batch) {
  if (it.raw.size() > cap) {
    truncated = true;
    it.raw.resize(cap);
  }
  it.position.assign(name).append(":").append(std::to_string(line_no));
  it.kafka.reset();
  it.error.clear();
  it.tags.clear();
  it.story.clear();
  if (truncated)
    it.error = "oversized line: more than " + std::to_string(cap) + " bytes (kept the first " + std::to_string(cap) +
               ")";
  batch->bytes += it.raw.size() + 1;
}

}  // namespace newsflow::pipeline
