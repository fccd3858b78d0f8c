// interrupt.h — SIGINT, SIGTERM and SIGHUP as a flag, for the commands that
// open the store for reading (query, show, dead-letter, alerts, stats,
// serve; through open_reader.h).
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

// `hangup_stops` false (serve): SIGHUP is no stop but a note TakeHangup()
// returns once; serve follows the rules and subscriptions as they change,
// so a `systemctl reload` has nothing to do, and ending the process (exit
// 0, which Restart=on-failure does not restart) took the desk down.
void CatchInterrupts(bool hangup_stops = true);
bool Interrupted();
bool TakeHangup();

// From the process's start until a command sets its own handling, SIGHUP
// is held, not the default end of the process: `systemctl reload` right
// after `start` (systemd takes a simple service as started once it forks)
// would otherwise kill a run before it installed its reload handler, and
// systemd does not restart a service that ended by SIGHUP. HoldHangups()
// is main()'s first step; a command then asks HangupHeld() and acts on it
// as on a SIGHUP (run reloads the rules; CatchInterrupts() stops).
void HoldHangups();
bool HangupHeld();

// True after stdout failed (EPIPE on a closed pipe, ENOSPC...): the command
// should stop writing and exit 1.
bool StdoutFailed();
// Says that the output of command `who` failed ("newsflow WHO: cannot write
// the output ...") and returns 1, the exit code.
int OutputFailed(const char* who);

}  // namespace newsflow::cli
