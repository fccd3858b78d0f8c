// automaton_cache.cc — see automaton_cache.h.
#include "automaton_cache.h"

#include <bit>
#include <string_view>

#include "cache_file.h"
#include "newsflow/base/fnv1a.h"

namespace newsflow::rules::cache {
namespace {

constexpr FileKind kAutomaton{{'N', 'F', 'A', 'C', 'A', 'U', '0', '1'}, "tier-", ".ac"};
// Bumped when the automaton's layout or its build changes.
constexpr std::string_view kTierFormat = "newsflow-tier-cache/1";

}  // namespace

uint64_t AutomatonKey(std::span<const LiteralAutomaton::Literal> literals, std::string_view build_id) {
  uint64_t h = Fnv1a(kFnv1aBasis, kTierFormat);
  h = Fnv1aU64(h, std::endian::native == std::endian::little ? 1 : 2);  // the arrays are written as in memory
  h = Fnv1aU64(h, build_id.size());
  h = Fnv1a(h, build_id);
  h = Fnv1aU64(h, literals.size());
  for (const LiteralAutomaton::Literal& l : literals) {
    h = Fnv1aU64(h, l.id);
    h = Fnv1aU64(h, l.text.size());
    h = Fnv1a(h, l.text);
  }
  return h;
}

std::string AutomatonFile(const std::string& dir, uint64_t key) { return CacheFilePath(dir, kAutomaton, key); }

bool LoadAutomaton(const std::string& dir, uint64_t key, std::span<const uint32_t> literal_bytes,
                   LiteralAutomaton* out, std::string* why) {
  std::string payload;
  uint64_t extra = 0;
  if (!ReadCacheFile(dir, kAutomaton, key, &payload, &extra, why)) return false;
  if (!LiteralAutomaton::Load(payload, literal_bytes, out, why)) {
    *why = CacheFilePath(dir, kAutomaton, key) + ": " + *why;
    return false;
  }
  return true;
}

Status StoreAutomaton(const std::string& dir, uint64_t key, const LiteralAutomaton& automaton) {
  std::string payload;
  automaton.Serialize(&payload);
  return WriteCacheFile(dir, kAutomaton, key, 0, payload);
}

}  // namespace newsflow::rules::cache
