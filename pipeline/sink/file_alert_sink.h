// file_alert_sink.h — alerts as JSON Lines appended to a file (--alerts
// file:PATH), one alert object per line (a subscription's alert, or a
// rule's: its document's RecordToJson object with an id), fsync'ed per batch. Opening
// cuts a partial last line (a write cut short by kill -9 or a full disk):
// that alert was never acknowledged and is delivered again. A file moved
// away or removed (logrotate) is followed: the next batch's alerts go to a
// new file at the path. PATH may be a pipe or a FIFO (a batch is delivered
// once its reader has read it: AwaitPipeRead), a device, or the run's own
// stdout or stderr (/dev/stdout: the descriptor itself, a pipe, a file or
// journald's socket).
//
// Ownership: the sink owns the FILE. Threads: the writer thread only.
// Errors: IOError naming the path (NoSpace when the disk is full); Aborted
// when a stop request ends a wait for a pipe's reader (the batch's alerts
// are delivered again at the next start).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "pipeline/sink/alert_sink.h"

namespace newsflow::pipeline {

// `stop` (may be null): set when the run is asked to stop; a wait for a
// pipe's reader then gives up, failing the batch (its alerts stay pending).
Status OpenFileAlertSink(const std::string& path, std::unique_ptr<AlertSink>* out,
                         const std::atomic<bool>* stop = nullptr);

// Whether `path` names a FIFO (not by the run's own stdout or stderr): its
// open cuts nothing, and only the open tells whether a process reads it,
// so the run opens it before the store (a FIFO nobody reads then leaves no
// empty store behind); a file's open cuts a partial last line, which a run
// holding the store may be writing, so a file is opened under its lock.
bool IsAlertFifo(const std::string& path);

// Whether alerts written to `path` land on this process's stdout: the path
// names it (/dev/stdout, /dev/fd/1, /proc/self/fd/1) or is the very file or
// pipe stdout is open on (`--alerts file:a.jsonl > a.jsonl`). The run then
// prints its summary to stderr, so that the stream stays JSON Lines.
bool IsOwnStdout(const std::string& path);

}  // namespace newsflow::pipeline
