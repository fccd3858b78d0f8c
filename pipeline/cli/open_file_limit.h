// open_file_limit.h — the process's open-file limit, raised at start.
//
// A shell's soft limit is often 1024 while the hard one is far higher: a
// desk's idle HTTP connections then took the descriptors RocksDB needed for
// its next WAL or table file, and the write failed ("Too many open files")
// or the run aborted. Every command raises the soft limit to the hard one
// (as systemd's LimitNOFILE= would), capped at kMaxOpenFiles.
//
// Threads: call once from main() before any thread starts. Errors: none
// reported; a limit that cannot be raised stays as it was.
#pragma once

#include <cstdint>

namespace newsflow::cli {

// Enough for any number of connections the HTTP server admits
// (--max-connections is at most 2^20) and the kernel's default fs.nr_open.
inline constexpr uint64_t kMaxOpenFiles = uint64_t{1} << 20;

// Raises the soft RLIMIT_NOFILE toward the hard one (the desk server reads
// the limit in force itself: connection_budget.h).
void RaiseOpenFileLimit();

}  // namespace newsflow::cli
