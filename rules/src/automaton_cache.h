// automaton_cache.h — the literal tier's automaton kept on disk between runs
// (internal to rules/; CompiledRules::Compile uses it when
// CompileOptions::cache_dir is set and the set has a literal tier).
//
// Building the automaton of 100,000 watch-list names is ~460M instructions,
// every start. A cache file is named by a key over the tier's literals
// (each id and folded text, in order), a format version, this machine's
// byte order and the program's build (rule_set_cache.h's BuildId: another
// build, whose Build may differ, builds afresh); it is a cache_file.h file
// (trusted owner and mode, a header with the key, payload length and
// CRC-64) holding LiteralAutomaton::Serialize's bytes. A load checks all of
// it and LiteralAutomaton::Load's shape checks; the caller then verifies
// the automaton by scanning the literals, as it does a freshly built one.
// Never trusted blindly: any mismatch is a miss with the reason, and the
// automaton is built as if there were no cache. What the checks cannot
// prove (that the failure links are Build's) rests, as the parsed rule
// set's cache does, on the file being this build's own, whole (CRC) and
// writable by its owner only.
//
// Threads: free functions, no shared state (cache_file.h: concurrent
// writers, temporary files, the newest kMaxFiles files kept).
// Errors: LoadAutomaton returns false with a reason; StoreAutomaton returns
// IOError (the caller goes on without a cache).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "literal_automaton.h"
#include "newsflow/base/status.h"

namespace newsflow::rules::cache {

// The key of the automaton of `literals` built by `build_id` (non-empty).
uint64_t AutomatonKey(std::span<const LiteralAutomaton::Literal> literals, std::string_view build_id);

// "<dir>/tier-<key as 16 hex digits>.ac".
std::string AutomatonFile(const std::string& dir, uint64_t key);

// Reads the automaton of `key` (see LiteralAutomaton::Load for
// `literal_bytes`). False (with *why) if there is none, or it is untrusted,
// unreadable, truncated, of another key, corrupt, or not well-formed.
bool LoadAutomaton(const std::string& dir, uint64_t key, std::span<const uint32_t> literal_bytes,
                   LiteralAutomaton* out, std::string* why);

// Writes `automaton` as the file of `key` (temporary file + rename; creates `dir`).
Status StoreAutomaton(const std::string& dir, uint64_t key, const LiteralAutomaton& automaton);

}  // namespace newsflow::rules::cache
