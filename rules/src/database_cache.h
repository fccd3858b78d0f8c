// database_cache.h — compiled Hyperscan databases kept on disk between runs
// (internal to rules/; CompiledRules::Compile uses it when
// CompileOptions::cache_dir is set).
//
// A cache file is named by a key over everything the database depends on:
// the compile plan (CompiledRules::CompilePlan: mode, and per pattern in id
// order the exact expressions and flags of the literal and the regex
// compile), the Hyperscan version and this machine's platform (CPU features
// and tuning, as hs_populate_platform reports them), and a format version.
// The file (cache_file.h: trusted owner and mode, a header with the key,
// which compile API built it as its `extra`, payload length and hash)
// holds hs_serialize_database's bytes. A load checks all of it and
// deserializes; the caller then verifies the database by scanning
// (compiled_rules.cc). Never trusted blindly: any mismatch is a miss with
// the reason, and the set is compiled as if there were no cache.
//
// Threads: free functions, no shared state (cache_file.h: concurrent
// writers, temporary files, the newest kMaxFiles databases kept).
// Errors: Load returns false with a reason; Store returns IOError (the
// caller goes on without a cache).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "newsflow/base/status.h"
#include "cache_file.h"
#include "newsflow/rules/compiled_rules.h"

struct hs_database;

namespace newsflow::rules::cache {

// The cache key of a database of these patterns on this machine and
// Hyperscan version.
uint64_t DatabaseKey(std::string_view compile_plan);

// "<dir>/hs-<key as 16 hex digits>.db".
std::string CacheFile(const std::string& dir, uint64_t key);

// Reads and deserializes the cached database of `key`. False (with *why) if
// there is none, or it is unreadable, truncated, of another key or format,
// corrupt (payload hash), or Hyperscan refuses it.
bool Load(const std::string& dir, uint64_t key, hs_database** db, bool* literal_api, std::string* why);

// Writes `db` for `key` (temporary file + rename; creates `dir`).
Status Store(const std::string& dir, uint64_t key, const hs_database* db, bool literal_api);

}  // namespace newsflow::rules::cache
