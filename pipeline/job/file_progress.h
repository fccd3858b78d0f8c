// file_progress.h — how far a run got through a replayable input (a regular
// file), kept in the store with every batch so a crashed or failed run can
// resume where its durable state ends.
//
// Stored value (meta "progress/<file identity>"):
//   "records=<N> stored=<S> dead=<D> done=<0|1>"
// N records of the file are accounted for, S of them stored as documents and
// D dead-lettered; done=1 once the whole file was read and stored.
//
// Ownership: a plain value. Threads: the writer thread. Errors: Parse() fails
// (Corruption) on a value it did not write.
#pragma once

#include <cstdint>
#include <string>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

struct FileProgress {
  uint64_t records = 0;
  uint64_t stored = 0;
  uint64_t dead = 0;
  bool done = false;

  std::string Encode() const;
  static Status Parse(const std::string& text, FileProgress* out);
};

}  // namespace newsflow::pipeline
