// connection_budget.h — how many HTTP connections fit in the open-file limit.
//
// Each connection holds a descriptor. A limit at or below --max-connections
// let idle clients take every descriptor, and the run's store could open no
// new WAL or table file: the write failed and ingestion stopped. The server
// admits at most the limit less a reserve for the store, the sources and
// the sinks (a quarter of the limit, at least 256; half the limit when the
// limit is under 512), so a full server refuses a connection at once and
// ingestion goes on.
//
// Threads: a plain function. Errors: none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace newsflow::pipeline {

inline size_t ConnectionsWithinOpenFileLimit(size_t requested, uint64_t open_file_limit) {
  if (open_file_limit == 0) return requested;  // unknown
  const uint64_t reserve = std::max<uint64_t>(256, open_file_limit / 4);
  const uint64_t budget = open_file_limit >= 2 * reserve ? open_file_limit - reserve : open_file_limit / 2;
  return static_cast<size_t>(std::max<uint64_t>(1, std::min<uint64_t>(requested, budget)));
}

}  // namespace newsflow::pipeline
