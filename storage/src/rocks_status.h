// rocks_status.h — a RocksDB status as a newsflow Status.
//
// The message is `what`, ": ", then RocksDB's own words. A write that
// RocksDB refuses because a background job (a flush, a compaction) failed
// comes back as Incomplete, with that job's error as its text, while the
// write controller is stopped and the error handler has not yet made the
// database read-only (DBImpl::DelayWrite); later writes return the error
// itself. Such a status is classified by the error it carries, so a full
// disk reads as NoSpace whichever of the two RocksDB returned. A code not
// named here is Internal, or IOError when `other_is_io_error`.
//
// Threads: a pure function. Errors: none of its own.
#pragma once

#include <string>

#include <rocksdb/status.h>

#include "newsflow/base/status.h"

namespace newsflow::storage {

Status FromRocks(const std::string& what, const rocksdb::Status& s, bool other_is_io_error = false);

}  // namespace newsflow::storage
