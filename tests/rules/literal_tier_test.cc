// The literal tier (CompileOptions::literal_tier_from) and the leadless
// scan (CompileOptions::leadless_scan): the same rule set compiled with its
// literals in the Aho-Corasick automaton, all in Hyperscan scanning the
// leadless form, and all in Hyperscan scanning the UTF-8 bytes finds the
// same hits and gives the same tags, on the real rule set over the feed
// fixtures, on a watch list cut from those texts, and on random patterns
// over random bytes (invalid UTF-8, upper-case letters, word boundaries,
// ideographs that differ only in their lead byte).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <tuple>

#include "newsflow/rules/compiled_rules.h"
#include "rules/src/leadless_text.h"
#include "rules/src/literal_automaton.h"

namespace newsflow::rules {
namespace {

constexpr size_t kNever = std::numeric_limits<size_t>::max();

std::shared_ptr<const CompiledRules> CompileWith(const RuleSet& set, size_t tier_from, bool leadless = true,
                                                 const std::string& cache_dir = "") {
  CompileOptions o;
  o.literal_tier_from = tier_from;
  o.leadless_scan = leadless;
  o.cache_dir = cache_dir;
  std::shared_ptr<const CompiledRules> c;
  const Status s = CompiledRules::Compile(set, EvaluateOptions(), o, &c);
  EXPECT_TRUE(s.ok()) << s.message();
  return c;
}

std::vector<std::string> FixtureLines() {
  std::vector<std::string> lines;
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    std::ifstream in(std::string(NEWSFLOW_SOURCE_DIR) + "/tests/fixtures/" + feed + "-sample.jsonl");
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  return lines;
}

// Valid UTF-8 by the standard's rules (no overlong forms, no surrogates,
// nothing past U+10FFFF): written here apart from the library's decoder.
bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    const auto c1 = static_cast<unsigned char>(s[i + (len > 1 ? 1 : 0)]);
    if ((b == 0xE0 && c1 < 0xA0) || (b == 0xED && c1 > 0x9F) || (b == 0xF0 && c1 < 0x90) || (b == 0xF4 && c1 > 0x8F))
      return false;
    i += len;
  }
  return true;
}

using HitSet = std::multiset<std::tuple<uint32_t, uint32_t, uint32_t>>;

struct Scanned {
  HitSet hits;
  std::vector<std::tuple<uint32_t, double, bool, size_t>> tags;  // tag, score, alert, spans
  bool end_ordered = true;
};

Scanned ScanWith(const CompiledRules& c, const std::string& text, uint32_t title_end) {
  std::unique_ptr<ScanScratch> scratch;
  EXPECT_TRUE(c.NewScratch(&scratch).ok());
  std::vector<TagMatch> out;
  EXPECT_TRUE(c.Tag(text, title_end, scratch.get(), &out).ok());
  Scanned r;
  const MatchSet& m = scratch->matches();
  for (size_t i = 0; i < m.hits.size(); ++i) {
    r.hits.emplace(m.hits[i].pattern, m.hits[i].begin, m.hits[i].end);
    if (i > 0 && m.hits[i].end < m.hits[i - 1].end) r.end_ordered = false;
  }
  for (const auto& t : out) r.tags.emplace_back(t.tag, t.score, t.alert, t.spans.size());
  return r;
}

// Compares the three compiles on every text (Hyperscan over the UTF-8
// bytes is the reference); returns the total number of hits.
size_t ExpectSameMatches(const RuleSet& set, const std::vector<std::string>& texts) {
  auto bytes = CompileWith(set, kNever, /*leadless=*/false);
  auto hs = CompileWith(set, kNever);
  auto tier = CompileWith(set, 0);
  if (!bytes || !hs || !tier) return 0;
  EXPECT_EQ(hs->literal_tier_patterns(), 0u);
  EXPECT_GT(tier->literal_tier_patterns(), 0u);
  EXPECT_FALSE(bytes->leadless_scan());
  // The leadless scan takes every set of literals of valid UTF-8 (on a CPU
  // with SSSE3: every x86-64 server of the last fifteen years).
  const bool all_valid_literals = std::all_of(hs->patterns().begin(), hs->patterns().end(), [&](const Pattern& p) {
    return !p.regex && ValidUtf8(p.text);
  });
  EXPECT_EQ(hs->leadless_scan(), all_valid_literals && LeadlessText::Fast());
  size_t hits = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto title_end = static_cast<uint32_t>(std::min<size_t>(texts[i].size(), 40));
    const Scanned r = ScanWith(*bytes, texts[i], title_end);
    const Scanned a = ScanWith(*hs, texts[i], title_end);
    const Scanned b = ScanWith(*tier, texts[i], title_end);
    EXPECT_TRUE(a.end_ordered) << "text " << i;
    EXPECT_TRUE(b.end_ordered) << "text " << i;
    EXPECT_EQ(a.hits, r.hits) << "text " << i << ": the leadless scan against the bytes";
    EXPECT_EQ(a.tags, r.tags) << "text " << i << ": the leadless scan against the bytes";
    EXPECT_EQ(b.hits, r.hits) << "text " << i << ": the tier against the bytes";
    EXPECT_EQ(b.tags, r.tags) << "text " << i << ": the tier against the bytes";
    hits += r.hits.size();
  }
  return hits;
}

Keyword Kw(std::string text, bool case_sensitive = false) {
  Keyword k;
  k.text = std::move(text);
  k.case_sensitive = case_sensitive;
  return k;
}

// Adds a rule `watch:<i>` per keyword, as a watch list is deployed.
void AddWatchRules(const std::vector<Keyword>& keywords, RuleSet* set) {
  for (size_t i = 0; i < keywords.size(); ++i) {
    Rule r;
    r.tag = "watch:" + std::to_string(i);
    r.any.push_back(keywords[i]);
    r.file = "<test>";
    set->rules.push_back(std::move(r));
  }
}

// Adds a rule `tag` whose one keyword is the regex `expr` (Hyperscan keeps it).
void AddRegexRule(const std::string& tag, const std::string& expr, RuleSet* set) {
  Rule r;
  r.tag = tag;
  r.file = "<test>";
  Keyword k = Kw(expr);
  k.regex = true;
  r.any.push_back(k);
  set->rules.push_back(std::move(r));
}

TEST(LiteralTier, RealRuleSetFindsTheSameHitsAndTagsOnTheFixtures) {
  RuleSet set;
  ASSERT_TRUE(LoadRuleDir(NEWSFLOW_SOURCE_DIR "/rules/sets", &set).ok());
  const std::vector<std::string> texts = FixtureLines();
  ASSERT_EQ(texts.size(), 360u);
  const size_t hits = ExpectSameMatches(set, texts);
  EXPECT_GT(hits, 1000u);  // the fixtures hit the rules often enough to mean something
}

// Watch-list names cut from the fixtures themselves (2-8 characters at
// random places, fixed seed): many overlapping hits, names that are
// prefixes and suffixes of each other.
TEST(LiteralTier, AWatchListCutFromTheTextsFindsTheSameHits) {
  RuleSet set;
  ASSERT_TRUE(LoadRuleDir(NEWSFLOW_SOURCE_DIR "/rules/sets", &set).ok());
  const std::vector<std::string> texts = FixtureLines();
  std::mt19937 rng(7);
  std::set<std::string> names;
  while (names.size() < 3000) {
    const std::string& t = texts[rng() % texts.size()];
    size_t at = rng() % t.size();
    while (at < t.size() && (static_cast<unsigned char>(t[at]) & 0xC0) == 0x80) ++at;  // a character start
    size_t end = at;
    const size_t chars = 2 + rng() % 7;
    for (size_t k = 0; k < chars && end < t.size(); ++k) {
      ++end;
      while (end < t.size() && (static_cast<unsigned char>(t[end]) & 0xC0) == 0x80) ++end;
    }
    const std::string name = t.substr(at, end - at);
    if (name.find('\n') == std::string::npos && !name.empty()) names.insert(name);
  }
  std::vector<Keyword> keywords;
  for (const auto& n : names) keywords.push_back(Kw(n));
  AddWatchRules(keywords, &set);
  const size_t hits = ExpectSameMatches(set, texts);
  EXPECT_GT(hits, 20000u);
}

// Random literals over a small alphabet (ASCII letters of both cases,
// digits, CJK characters, three of them alike but for their lead byte, a
// two-byte letter, a four-byte emoji) scanned over random bytes, including
// truncated, overlong and surrogate sequences, lone leads and a lone
// continuation byte; texts up to ~200 bytes, across the leadless form's
// 16-, 32- and 64-byte blocks.
TEST(LiteralTier, RandomLiteralsOverRandomBytesFindTheSameHits) {
  // 中 E4 B8 AD, 席 E5 B8 AD, 鸭 E9 B8 AD: one leadless form.
  const std::vector<std::string> alphabet = {"a", "A", "b", "B", "1", " ", "中", "国", "席", "鸭", "é",
                                             "\xE4\xB8", "\xC1\x81", "\x80", "\xE5", "\xED\xA0\x80",
                                             "\xE0\x80\x80", "\xF0\x9F\x98\x80"};
  const std::vector<std::string> valid = {"a", "A", "b", "B", "1", " ", "中", "国", "席", "鸭", "é", "\xF0\x9F\x98\x80"};
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    std::set<std::pair<std::string, bool>> seen;
    std::vector<Keyword> keywords;
    while (keywords.size() < 60) {
      std::string t;
      for (size_t k = 0, n = 1 + rng() % 4; k < n; ++k) t += valid[rng() % valid.size()];
      const bool cs = rng() % 3 == 0;
      if (t.find_first_not_of(' ') == std::string::npos || !seen.emplace(t, cs).second) continue;
      keywords.push_back(Kw(t, cs));
    }
    RuleSet set;
    AddWatchRules(keywords, &set);
    std::vector<std::string> texts;
    for (int d = 0; d < 50; ++d) {
      std::string t;
      for (size_t k = 0, n = rng() % 60; k < n; ++k) t += alphabet[rng() % alphabet.size()];
      texts.push_back(t);
    }
    ExpectSameMatches(set, texts);
    if (HasFailure()) break;
  }
}

TEST(LiteralTier, RegexesStayInHyperscanCaseSensitiveLettersMatchExactlyHitsStayInEndOrder) {
  RuleSet set;
  AddWatchRules({Kw("SAIC", true), Kw("华为"), Kw("ai"), Kw("海思半导体"), Kw("半导体")}, &set);
  AddRegexRule("regex:chip", "芯[片粒]", &set);
  auto c = CompileWith(set, 0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->literal_tier_patterns(), 5u);  // not the regex
  EXPECT_GT(c->database_bytes(), 0u);
  EXPECT_GT(c->literal_tier_bytes(), 0u);
  const std::string text = "SAIC与华为合作AI芯片, saic 海思半导体芯粒";
  const Scanned s = ScanWith(*c, text, 0);
  EXPECT_TRUE(s.end_ordered);
  std::set<std::string> tags;
  for (const auto& t : s.tags) tags.insert(c->tags()[std::get<0>(t)]);
  EXPECT_EQ(tags, (std::set<std::string>{"regex:chip", "watch:0", "watch:1", "watch:2", "watch:3", "watch:4"}));
  // "saic" is not SAIC (case-sensitive); "AI" folds to "ai".
  EXPECT_EQ(s.hits.size(), 7u);  // SAIC, 华为, AI, 芯片, 海思半导体, 半导体, 芯粒 (not saic, not the ai in it)
  ExpectSameMatches(set, {text});
}

// Past MatchSet::kMaxHits the kept hits are the first ones of the text
// whichever engine found them: with a regex in Hyperscan and a literal in
// the tier (Hyperscan scans first), and with hits of several literals
// ending at one offset (the engines report ties in different orders).
TEST(LiteralTier, TheHitCapKeepsTheSameHitsWithEitherEngine) {
  {
    RuleSet set;
    AddWatchRules({Kw("a")}, &set);
    AddRegexRule("regex:x", "x[0-9]", &set);
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "a ";
    text += "x1 x2 x3 x4 x5";
    ExpectSameMatches(set, {text});
  }
  {
    RuleSet set;
    AddWatchRules({Kw("丙"), Kw("乙丙"), Kw("甲乙丙")}, &set);
    std::string text;
    for (int i = 0; i < 1400; ++i) text += "甲乙丙 ";
    ExpectSameMatches(set, {text});
  }
  {
    RuleSet set;
    AddWatchRules({Kw("ab中"), Kw("ab中", true), Kw("中")}, &set);
    std::string text;
    for (int i = 0; i < 1400; ++i) text += "ab中 ";
    ExpectSameMatches(set, {text});
  }
}

// The leadless scan's database holds other bytes than the byte scan's: the
// two modes of one rule set never share a cached database (a byte database
// loaded for the leadless scan would find nothing), and each finds its own
// again on the next compile.
TEST(LiteralTier, TheLeadlessAndTheByteScanKeepTheirOwnCachedDatabases) {
  if (!LeadlessText::Fast()) GTEST_SKIP() << "this CPU has no SSSE3: the leadless scan is never used";
  const std::string dir = ::testing::TempDir() + "/leadless-cache";
  std::filesystem::remove_all(dir);
  RuleSet set;
  ASSERT_TRUE(LoadRuleDir(NEWSFLOW_SOURCE_DIR "/rules/sets", &set).ok());
  auto compile = [&](bool leadless) { return CompileWith(set, kNever, leadless, dir); };
  auto bytes = compile(false);
  auto leadless = compile(true);
  ASSERT_TRUE(bytes && leadless);
  EXPECT_EQ(bytes->cache_state(), CacheState::kMiss);
  EXPECT_EQ(leadless->cache_state(), CacheState::kMiss);  // not the byte database under another name
  EXPECT_TRUE(leadless->leadless_scan());
  auto bytes_again = compile(false);
  auto leadless_again = compile(true);
  ASSERT_TRUE(bytes_again && leadless_again);
  EXPECT_EQ(bytes_again->cache_state(), CacheState::kHit);
  EXPECT_EQ(leadless_again->cache_state(), CacheState::kHit);
  EXPECT_FALSE(bytes_again->leadless_scan());
  EXPECT_TRUE(leadless_again->leadless_scan());
  size_t hits = 0;
  for (const std::string& text : FixtureLines()) {
    const Scanned a = ScanWith(*bytes_again, text, 40);
    const Scanned b = ScanWith(*leadless_again, text, 40);
    EXPECT_EQ(a.hits, b.hits);
    EXPECT_EQ(a.tags, b.tags);
    hits += a.hits.size();
  }
  EXPECT_GT(hits, 1000u);
  std::filesystem::remove_all(dir);
}

// The database cache is keyed by what Hyperscan compiles; with the tier
// that is a subset of the patterns under their own ids, and no two subsets
// may share a key (a regex `x1` with id 2 against a regex `x` with id 12).
TEST(LiteralTier, TwoSetsSplitAlikeDoNotShareACachedDatabase) {
  const std::string dir = ::testing::TempDir() + "/literal-tier-cache";
  std::filesystem::remove_all(dir);
  auto compile = [&](const std::vector<std::string>& literals, const std::string& regex_text) {
    RuleSet set;
    std::vector<Keyword> ks;
    for (const auto& l : literals) ks.push_back(Kw(l));
    AddWatchRules(ks, &set);
    AddRegexRule("regex:r", regex_text, &set);
    CompileOptions o;
    o.literal_tier_from = 0;
    o.cache_dir = dir;
    std::shared_ptr<const CompiledRules> c;
    const Status s = CompiledRules::Compile(set, EvaluateOptions(), o, &c);
    EXPECT_TRUE(s.ok()) << s.message();
    return c;
  };
  auto a = compile({"aa", "bb"}, "x1");
  std::vector<std::string> twelve;
  for (int i = 0; i < 12; ++i) twelve.push_back("lit" + std::to_string(i) + "q");
  auto b = compile(twelve, "x");
  ASSERT_TRUE(a && b);
  EXPECT_NE(b->cache_state(), CacheState::kHit);
  const Scanned s = ScanWith(*b, "zz x1 y", 0);
  EXPECT_EQ(s.hits, (HitSet{{12, 3, 4}}));
  std::filesystem::remove_all(dir);
}

// The tier's automaton is cached beside the Hyperscan database: a second
// start loads it, finds the same hits and tags, and a damaged file is
// refused and rebuilt.
TEST(LiteralTier, TheTiersAutomatonIsCachedAndALoadedOneFindsTheSameHits) {
  namespace fs = std::filesystem;
  const std::string dir = ::testing::TempDir() + "/literal-tier-automaton-cache";
  fs::remove_all(dir);
  RuleSet set;
  ASSERT_TRUE(LoadRuleDir(NEWSFLOW_SOURCE_DIR "/rules/sets", &set).ok());
  const std::vector<std::string> texts = FixtureLines();
  std::vector<Keyword> keywords;
  for (size_t i = 0; i < texts.size() && keywords.size() < 2000; ++i) {
    const std::string& t = texts[i];
    for (size_t at = 0; at + 12 <= t.size() && keywords.size() < 2000; at += 97) {
      if ((static_cast<unsigned char>(t[at]) & 0xF0) != 0xE0) continue;  // a 3-byte character's start
      const std::string name = t.substr(at, 9);                          // three of them, if all are
      if (std::all_of(name.begin(), name.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }))
        keywords.push_back(Kw(name));
    }
  }
  ASSERT_GT(keywords.size(), 500u);
  AddWatchRules(keywords, &set);
  auto uncached = CompileWith(set, 0);
  auto first = CompileWith(set, 0, true, dir);
  auto second = CompileWith(set, 0, true, dir);
  ASSERT_TRUE(uncached && first && second);
  EXPECT_EQ(uncached->tier_cache_state(), CacheState::kOff);
  EXPECT_EQ(first->tier_cache_state(), CacheState::kMiss);
  EXPECT_EQ(second->tier_cache_state(), CacheState::kHit);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".ac") files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  // A byte of the payload flipped: refused (its CRC), rebuilt and rewritten.
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-9, std::ios::end);
    char b = 0;
    f.get(b);
    f.seekp(-9, std::ios::end);
    f.put(static_cast<char>(b ^ 0x21));
  }
  auto damaged = CompileWith(set, 0, true, dir);
  ASSERT_TRUE(damaged);
  EXPECT_EQ(damaged->tier_cache_state(), CacheState::kRejected);
  EXPECT_EQ(CompileWith(set, 0, true, dir)->tier_cache_state(), CacheState::kHit) << "rewritten";
  size_t hits = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const Scanned r = ScanWith(*uncached, texts[i], 40);
    for (const auto& c : {second, damaged}) {
      const Scanned x = ScanWith(*c, texts[i], 40);
      EXPECT_EQ(x.hits, r.hits) << "text " << i;
      EXPECT_EQ(x.tags, r.tags) << "text " << i;
    }
    hits += r.hits.size();
  }
  EXPECT_GT(hits, 5000u);
  fs::remove_all(dir);
}

// A file whose CRC is right but whose automaton is another tier's (its
// header's key rewritten: what a stale or copied file would be) is refused
// either by Load (an output's length is no literal's of this tier) or by
// the scan of the literals (same lengths, another name), then rebuilt.
TEST(LiteralTier, AnotherTiersAutomatonUnderThisKeyIsRefused) {
  namespace fs = std::filesystem;
  const std::string dir = ::testing::TempDir() + "/literal-tier-forged";
  auto tier_of = [](const std::string& last) {
    RuleSet set;
    std::vector<Keyword> ks;
    for (const char* n : {"深圳华强", "华强北", "宁德时代", "比亚迪"}) ks.push_back(Kw(n));
    ks.push_back(Kw(last));
    AddWatchRules(ks, &set);
    return set;
  };
  auto tier_file = [&] {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".ac") return e.path();
    return fs::path();
  };
  auto read = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  for (const auto& [other, why] : {std::pair<std::string, std::string>{"中芯国际", "does not report every literal"},
                                   {"中芯", "no literal"}}) {
    fs::remove_all(dir);
    ASSERT_TRUE(CompileWith(tier_of("海光信息"), 0, true, dir));
    const fs::path a = tier_file();
    const std::string a_bytes = read(a);
    fs::remove(a);
    auto b = CompileWith(tier_of(other), 0, true, dir);
    const fs::path b_path = tier_file();
    ASSERT_FALSE(b_path.empty());
    std::string forged = a_bytes;
    forged.replace(8, 8, read(b_path).substr(8, 8));  // header: magic[8], key (u64) ...
    std::ofstream(b_path, std::ios::binary | std::ios::trunc) << forged;
    auto again = CompileWith(tier_of(other), 0, true, dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->tier_cache_state(), CacheState::kRejected) << other;
    EXPECT_NE(again->tier_cache_detail().find(why), std::string::npos) << again->tier_cache_detail();
    const Scanned s = ScanWith(*again, other + "和海光信息", 0);
    EXPECT_EQ(s.hits, (HitSet{{4, 0, static_cast<uint32_t>(other.size())}})) << other;
    EXPECT_EQ(CompileWith(tier_of(other), 0, true, dir)->tier_cache_state(), CacheState::kHit) << "rewritten";
  }
  fs::remove_all(dir);
}

// LiteralAutomaton::Load takes back what Serialize wrote, and refuses bytes
// a scan could loop or read out of range on, or that report no literal.
TEST(LiteralTier, AnAutomatonLoadsBackAndMalformedBytesAreRefused) {
  const std::vector<std::string> names = {"深圳华强", "华强", "华强北", "5g", "强北", "abc", "bcd", "深圳"};
  std::vector<LiteralAutomaton::Literal> literals;
  std::vector<uint32_t> bytes(names.size() + 1, LiteralAutomaton::kNoLiteral);  // id 8: a pattern Hyperscan holds
  for (uint32_t i = 0; i < names.size(); ++i) {
    literals.push_back({names[i], i});
    bytes[i] = static_cast<uint32_t>(names[i].size());
  }
  LiteralAutomaton built;
  std::string error;
  ASSERT_TRUE(LiteralAutomaton::Build(literals, &built, &error)) << error;
  std::string good;
  built.Serialize(&good);
  auto hits_of = [](const LiteralAutomaton& a, std::string_view text) {
    HitSet h;
    a.Scan(text, [&](uint32_t id, uint32_t b, uint32_t e) { h.emplace(id, b, e); });
    return h;
  };
  const std::string text = "深圳华强北的5G店abcd深圳";
  LiteralAutomaton loaded;
  std::string why;
  ASSERT_TRUE(LiteralAutomaton::Load(good, bytes, &loaded, &why)) << why;
  EXPECT_EQ(hits_of(loaded, text), hits_of(built, text));
  EXPECT_EQ(hits_of(built, text).size(), 9u);  // 深圳 twice, 深圳华强, 华强, 华强北, 强北, 5g (5G), abc, bcd

  // The layout: 4 counts (u64), cells (base, check, fail), output_, outputs (id, bytes, next), codes.
  uint64_t counts[4];
  std::memcpy(counts, good.data(), sizeof counts);
  const size_t cells_at = 32, outputs_at = cells_at + counts[1] * 12 + counts[1] * 4;
  auto u32 = [](std::string& b, size_t at) -> uint32_t* { return reinterpret_cast<uint32_t*>(b.data() + at); };
  size_t state = 0;  // a cell past the root with a parent
  for (size_t i = 1; i < counts[1] && state == 0; ++i)
    if (*u32(good, cells_at + i * 12 + 4) != 0xFFFFFFFFu) state = i;
  ASSERT_NE(state, 0u);
  ASSERT_GE(counts[2], 2u);
  const std::vector<std::pair<const char*, std::function<void(std::string&)>>> damage = {
      {"cut short", [](std::string& b) { b.pop_back(); }},
      {"a cell more than there is", [&](std::string& b) { *u32(b, 8) += 1; }},
      {"the root's transitions past the end", [&](std::string& b) { *u32(b, cells_at) = 0x7FFFFF00u; }},
      {"a failure link to itself", [&](std::string& b) { *u32(b, cells_at + state * 12 + 8) = static_cast<uint32_t>(state); }},
      {"a parent that is itself", [&](std::string& b) { *u32(b, cells_at + state * 12 + 4) = static_cast<uint32_t>(state); }},
      {"an output chain into itself", [&](std::string& b) { *u32(b, outputs_at + 12 + 8) = 1; }},
      {"an output of another length", [&](std::string& b) { *u32(b, outputs_at + 4) += 1; }},
      {"an output of no literal", [&](std::string& b) { *u32(b, outputs_at) = 99; }},
      {"an output of a pattern outside the tier",  // (bytes kNoLiteral: a begin before the text)
       [&](std::string& b) { *u32(b, outputs_at) = 8, *u32(b, outputs_at + 4) = LiteralAutomaton::kNoLiteral; }},
      {"an output at the root", [&](std::string& b) { *u32(b, cells_at) |= 0x80000000u, *u32(b, cells_at + counts[1] * 12) = 0; }},
  };
  for (const auto& [what, hurt] : damage) {
    std::string bad = good;
    hurt(bad);
    EXPECT_FALSE(LiteralAutomaton::Load(bad, bytes, &loaded, &why)) << what;
  }
  // Any byte flipped: refused, or an automaton whose scans end in range
  // (ASan and the test's time limit would say otherwise).
  std::mt19937 rng(48);
  size_t refused = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string bad = good;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    if (!LiteralAutomaton::Load(bad, bytes, &loaded, &why)) {
      ++refused;
      continue;
    }
    loaded.Scan(text, [&](uint32_t id, uint32_t b, uint32_t e) {
      ASSERT_LT(id, names.size());
      ASSERT_LE(b, e);
      ASSERT_LE(e, text.size());
    });
  }
  EXPECT_GT(refused, 100u);
}

TEST(LiteralTier, ATierOnlySetNeedsNoHyperscanDatabase) {
  RuleSet set;
  AddWatchRules({Kw("深圳华强"), Kw("华强"), Kw("5G")}, &set);
  auto c = CompileWith(set, 0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->literal_tier_patterns(), 3u);
  EXPECT_EQ(c->database_bytes(), 0u);
  EXPECT_EQ(c->scratch_bytes(), 0u);
  const Scanned s = ScanWith(*c, "深圳华强发布5G产品, 15G不算", 0);
  EXPECT_EQ(s.hits, (HitSet{{0, 0, 12}, {1, 6, 12}, {2, 18, 20}}));
  // Below the threshold everything stays in Hyperscan.
  auto below = CompileWith(set, 4);
  ASSERT_TRUE(below);
  EXPECT_EQ(below->literal_tier_patterns(), 0u);
  EXPECT_GT(below->database_bytes(), 0u);
}

}  // namespace
}  // namespace newsflow::rules
