// database_cache.h — compiled Hyperscan databases kept on disk between runs
// (internal to rules/; CompiledRules::Compile uses it when
// CompileOptions::cache_dir is set).
//
// A cache file is named by a key over everything the database depends on:
// the compile plan (CompiledRules::CompilePlan: mode, and per pattern in id
// order the exact expressions and flags of the literal and the regex
// compile), the Hyperscan version and this machine's platform (CPU features
// and tuning, as hs_populate_platform reports them), and a format version.
// Files not owned by this user, or writable by others, are refused. The
// file holds a
// header (magic, key, which compile API built it, payload length and a
// 64-bit hash of the payload) and hs_serialize_database's bytes. A load
// checks all of it and deserializes; the caller then verifies the database
// by scanning (compiled_rules.cc). Never trusted blindly: any mismatch is a
// miss with the reason, and the set is compiled as if there were no cache.
//
// Threads: free functions, no shared state; concurrent writers of one key
// each write their own temporary file (mkstemp) and rename it into place
// (last one wins, both are the same database). Store also removes temporary
// files older than an hour and keeps the newest kMaxFiles databases.
// Errors: Load returns false with a reason; Store returns IOError (the
// caller goes on without a cache).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "newsflow/base/status.h"
#include "newsflow/rules/compiled_rules.h"

struct hs_database;

namespace newsflow::rules::cache {

// The cache key of a database of these patterns on this machine and
// Hyperscan version.
uint64_t DatabaseKey(std::string_view compile_plan);

constexpr size_t kMaxFiles = 16;  // databases kept per directory (newest by mtime)

// "<dir>/hs-<key as 16 hex digits>.db".
std::string CacheFile(const std::string& dir, uint64_t key);

// Reads and deserializes the cached database of `key`. False (with *why) if
// there is none, or it is unreadable, truncated, of another key or format,
// corrupt (payload hash), or Hyperscan refuses it.
bool Load(const std::string& dir, uint64_t key, hs_database** db, bool* literal_api, std::string* why);

// Writes `db` for `key` (temporary file + rename; creates `dir`).
Status Store(const std::string& dir, uint64_t key, const hs_database* db, bool literal_api);

}  // namespace newsflow::rules::cache
