// open_reader.h — the reading commands' way to open a store (query, show,
// dead-letter, alerts): an existing store, read-only (a RocksDB secondary,
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

std::unique_ptr<storage::Store> OpenForReading(const std::string& db);

// The store's current MANIFEST name ("" if unreadable). A RocksDB secondary
// follows the primary, but keeps what it replayed from an earlier writer
// session's log even when a later session deletes and compacts it away (a
// prune): a long-lived reader (serve, alerts --follow) opens a fresh one
// when this changes.
std::string StoreSession(const std::string& db);

}  // namespace newsflow::cli
