// file_alert_sink.h — alerts as JSON Lines appended to a file (--alerts
// file:PATH), one RecordToJson object per line, fsync'ed per batch. Opening
// cuts a partial last line (a write cut short by kill -9 or a full disk):
// that alert was never acknowledged and is delivered again. A file moved
// away or removed (logrotate) is followed: the next batch's alerts go to a
// new file at the path.
//
// Ownership: the sink owns the FILE. Threads: the writer thread only.
// Errors: IOError naming the path (NoSpace when the disk is full).
#pragma once

#include <memory>
#include <string>

#include "pipeline/sink/alert_sink.h"

namespace newsflow::pipeline {

Status OpenFileAlertSink(const std::string& path, std::unique_ptr<AlertSink>* out);

}  // namespace newsflow::pipeline
