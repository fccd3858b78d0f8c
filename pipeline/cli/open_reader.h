// open_reader.h — the reading commands' way to open a store (query, show,
// dead-letter, alerts, stats, serve): an existing store, read-only (a RocksDB secondary,
// safe while a run writes it), with signals turned into a flag first so the
// store is closed, and its reader directory removed, on every exit path.
//
// Threads: the main thread. Errors: the reason is printed to stderr and
// nullptr returned (the command exits 1).
#pragma once

#include <memory>
#include <string>

#include "newsflow/storage/store.h"

namespace newsflow::cli {

// Opens `db` read-only, with CatchInterrupts(hangup_stops) installed; null
// after printing why it cannot.
std::unique_ptr<storage::Store> OpenForReading(const std::string& db, bool hangup_stops = true);

// The store's writer session: its current MANIFEST name and the pid of the
// process holding its lock (0: none); "" if CURRENT is unreadable. A
// RocksDB secondary follows the primary, but keeps what it replayed from a
// writer session's log even when that session later deletes and compacts
// it away (a prune), and it may have opened in the middle of a short
// session (`newsflow prune`, serve's own --retain), which changes the
// MANIFEST when it opens, not when it ends: a long-lived reader (serve,
// alerts --follow) opens a fresh one whenever this changes, so also once
// the writer has let the store go. The directory's inode is part of it: a
// store restored or moved into the path may name the same MANIFEST.
std::string StoreSession(const std::string& db);

}  // namespace newsflow::cli
