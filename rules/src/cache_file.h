// cache_file.h — internal to rules/: one file of the rules cache directory
// (--rules-cache): a header and a payload, written so that a reader never
// sees half of it and read only if nothing about it is off.
//
// The header holds a magic (what kind of file), the key it was written for,
// one number of the writer's own (`extra`), the payload's length and its
// CRC-64. A read checks all of them; a file not owned
// by this user, or writable by group or others (or in such a directory), is
// refused. A write goes to a temporary file (mkstemp) renamed into place,
// then removes temporary files older than an hour and keeps the newest
// kMaxFiles files of the same kind (name prefix and suffix).
//
// Threads: free functions, no shared state; concurrent writers of one name
// each write their own temporary file (the last rename wins). Errors: a read
// returns false with the reason (a miss: the caller builds the value and
// goes on); a write returns IOError (the caller goes on without a cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "newsflow/base/status.h"

namespace newsflow::rules::cache {

constexpr size_t kMaxFiles = 16;  // files of one kind kept per directory (newest by mtime)

// One kind of cache file: its magic and how its files are named
// ("<prefix><key as 16 hex digits><suffix>").
struct FileKind {
  char magic[8];
  std::string_view prefix, suffix;
};

std::string CacheFilePath(const std::string& dir, const FileKind& kind, uint64_t key);

// What ReadCacheFile's *why says when there is no file of the key.
inline constexpr std::string_view kNoCachedFile = "no cached file";

// Reads the file of `key`: false (with *why) if there is none (kNoCachedFile),
// or it is untrusted, unreadable, truncated, of another kind or key, or its
// payload hash differs.
bool ReadCacheFile(const std::string& dir, const FileKind& kind, uint64_t key, std::string* payload,
                   uint64_t* extra, std::string* why);

// Writes `payload` as the file of `key` (creating `dir`, only this user may
// write it).
Status WriteCacheFile(const std::string& dir, const FileKind& kind, uint64_t key, uint64_t extra,
                      std::string_view payload);

}  // namespace newsflow::rules::cache
