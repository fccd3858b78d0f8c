// interrupt.h — SIGINT, SIGTERM and SIGHUP as a flag, for the commands that
// open the store for reading (query, show, dead-letter).
//
// A reader store keeps a private temporary directory that its destructor
// removes; a signal's default action would end the process without running
// it. With CatchInterrupts() installed, a signal only sets the flag: the
// command stops at its next check, returns, and the store is closed.
//
// Threads: install from the main thread; Interrupted() is safe anywhere.
// Errors: none.
#pragma once

namespace newsflow::cli {

void CatchInterrupts();
bool Interrupted();

// True after stdout failed (EPIPE on a closed pipe, ENOSPC...): the command
// should stop writing and exit 1.
bool StdoutFailed();

}  // namespace newsflow::cli
