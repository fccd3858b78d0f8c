// rule_set_cache.h — internal to rules/: a rule directory's parsed RuleSet
// kept in the rules cache directory, so that a run whose rule files have
// not changed skips the YAML parse (yaml-cpp reads ~1,000 instructions a
// byte: ~230 M instructions, ~20 ms of a run's start-up, for the 200 KB of
// rules/sets).
//
// The key covers everything the parse depends on: the rule files' names and
// bytes (LoadRuleDir's version hash over them), the directory as given
// (Rule::file and LabelEntry::file hold paths under it), a format version,
// and this program's build (its GNU build ID and that of the shared
// yaml-cpp it loaded: another build of either may parse or validate
// differently). A program without build IDs caches nothing. The
// file (cache_file.h: owner and mode checked, payload hash) holds the rules
// and labels in a plain binary form; a load checks the header, decodes with
// every length bounded by the bytes left, and refuses trailing bytes. Any
// mismatch is a miss with the reason, and the directory is parsed as if
// there were no cache.
//
// Threads: free functions, no shared state (BuildId() computes once,
// thread-safe). Errors: LoadCachedRuleSet returns false with a reason;
// StoreCachedRuleSet returns IOError (the caller goes on without a cache).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "newsflow/base/status.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::rules::cache {

// This program's GNU build ID as hex, followed by "/" and the build ID of
// the shared yaml-cpp library it loaded (none when linked statically), or
// "" if either has none.
const std::string& BuildId();

// The cache key of the parse of `dir` (as given) whose files hash to
// `files_hash` (LoadRuleDir's version hash), by the build `build_id`.
uint64_t RuleSetKey(std::string_view dir, uint64_t files_hash, std::string_view build_id);

// The rules and labels of `set` (not its version), and back. Decode fails
// on anything but a whole encoding.
std::string EncodeRuleSet(const RuleSet& set);
bool DecodeRuleSet(std::string_view bytes, RuleSet* out);

bool LoadCachedRuleSet(const std::string& dir, uint64_t key, RuleSet* out, std::string* why);
Status StoreCachedRuleSet(const std::string& dir, uint64_t key, const RuleSet& set);

}  // namespace newsflow::rules::cache
