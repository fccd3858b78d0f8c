// thread_name.h — names the calling thread, as `top -H`, `ps -L`, `perf
// --sort comm`, gdb and /proc/<pid>/task/<tid>/comm show it.
//
// Every long-lived thread newsflow starts names itself first ("nf-story",
// "nf-work-0", ...) so that an operator can tell which stage is busy or
// stuck; RocksDB names its own ("rocksdb:high"). The main thread keeps the
// program's name, which `ps -C newsflow` and systemd look for.
//
// Ownership: none. Threads: names only the calling thread. Errors: none
// reported; a name longer than the kernel's 15 bytes is cut, and a failure
// leaves the thread's name as it was (naming is a diagnostic, never a
// reason to stop).
#pragma once

#include <string_view>

namespace newsflow {

void NameThisThread(std::string_view name);

}  // namespace newsflow
