// The parsed rule set kept in the rules cache (rules/src/rule_set_cache.h):
// a load of unchanged files reads it and gives what a parse gives, field by
// field; a damaged file, changed rule files or another directory are never
// served a stale parse; a cache that cannot be written is no error.
#include "rules/src/rule_set_cache.h"

#include <gtest/gtest.h>
#include <link.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

namespace fs = std::filesystem;

// Every field, spelled out: a field the encoding forgot fails here.
void ExpectKeywordsEq(const std::vector<Keyword>& a, const std::vector<Keyword>& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text) << where;
    EXPECT_EQ(a[i].case_sensitive, b[i].case_sensitive) << where;
    EXPECT_EQ(a[i].regex, b[i].regex) << where;
    EXPECT_EQ(a[i].line, b[i].line) << where;
  }
}

void ExpectRuleSetsEq(const RuleSet& a, const RuleSet& b) {
  EXPECT_EQ(a.version, b.version);
  ASSERT_EQ(a.rules.size(), b.rules.size());
  for (size_t i = 0; i < a.rules.size(); ++i) {
    const Rule& x = a.rules[i];
    const Rule& y = b.rules[i];
    const std::string where = x.file + ":" + std::to_string(x.line) + " " + x.tag;
    EXPECT_EQ(x.tag, y.tag) << where;
    EXPECT_EQ(x.name, y.name) << where;
    ExpectKeywordsEq(x.any, y.any, where + " any");
    ASSERT_EQ(x.all.size(), y.all.size()) << where;
    for (size_t g = 0; g < x.all.size(); ++g) ExpectKeywordsEq(x.all[g], y.all[g], where + " all");
    ExpectKeywordsEq(x.veto, y.veto, where + " not");
    ExpectKeywordsEq(x.except, y.except, where + " except");
    EXPECT_EQ(x.title_weight, y.title_weight) << where;
    EXPECT_EQ(x.min_score, y.min_score) << where;
    EXPECT_EQ(x.alert, y.alert) << where;
    ASSERT_EQ(x.provenance.size(), y.provenance.size()) << where;
    for (size_t p = 0; p < x.provenance.size(); ++p) {
      EXPECT_EQ(x.provenance[p].seed, y.provenance[p].seed) << where;
      EXPECT_EQ(x.provenance[p].clause, y.provenance[p].clause) << where;
    }
    EXPECT_EQ(x.watch_list, y.watch_list) << where;
    EXPECT_EQ(x.file, y.file) << where;
    EXPECT_EQ(x.line, y.line) << where;
  }
  ASSERT_EQ(a.labels.size(), b.labels.size());
  for (size_t i = 0; i < a.labels.size(); ++i) {
    const LabelEntry& x = a.labels[i];
    const LabelEntry& y = b.labels[i];
    EXPECT_EQ(x.field, y.field);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.tags, y.tags);
    EXPECT_EQ(x.weight, y.weight);
    EXPECT_EQ(x.reason, y.reason);
    EXPECT_EQ(x.file, y.file);
    EXPECT_EQ(x.line, y.line);
  }
}

class RuleSetCache : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("newsflow-rule-set-cache-test-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    cache_ = (root_ / "cache").string();
    // A copy of the shipped rule files, which a test may edit.
    rules_ = (root_ / "rules").string();
    fs::copy(NEWSFLOW_SOURCE_DIR "/rules/sets", rules_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Loads `dir` through the cache; *note gets LoadRuleDir's cache note.
  RuleSet Load(const std::string& dir, std::string* note) {
    RuleSet set;
    const Status s = LoadRuleDir(dir, &set, cache_, note);
    EXPECT_TRUE(s.ok()) << s.message();
    return set;
  }
  RuleSet Parse(const std::string& dir) {
    RuleSet set;
    const Status s = LoadRuleDir(dir, &set);
    EXPECT_TRUE(s.ok()) << s.message();
    return set;
  }
  std::vector<fs::path> CacheFiles(const std::string& prefix) const {
    std::vector<fs::path> out;
    if (fs::exists(cache_))
      for (const auto& e : fs::directory_iterator(cache_))
        if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path());
    return out;
  }

  fs::path root_;
  std::string cache_, rules_;
};

TEST_F(RuleSetCache, TheProgramHasABuildIdToKeyTheCacheBy) {
  // Without one nothing is cached, and every test below would pass vacuously.
  EXPECT_GE(cache::BuildId().size(), 16u) << "link with --build-id";
}

TEST_F(RuleSetCache, TheKeyNamesTheBuildOfTheSharedYamlParser) {
  // The shared yaml-cpp this test loaded, as the dynamic linker lists it.
  struct Found {
    std::string path;
  } found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        if (info->dlpi_name && std::string_view(info->dlpi_name).find("/libyaml-cpp.so") != std::string_view::npos)
          static_cast<Found*>(data)->path = info->dlpi_name;
        return 0;
      },
      &found);
  // The build links Debian's shared libyaml-cpp (a static one would be
  // covered by the program's own build ID, and this test would not apply).
  ASSERT_FALSE(found.path.empty()) << "no shared libyaml-cpp loaded";
  // "<program>/<yaml-cpp>": both halves hex build IDs, the second that of
  // the file the linker loaded (its .note.gnu.build-id, read from the file).
  const std::string& id = cache::BuildId();
  const size_t slash = id.find('/');
  ASSERT_NE(slash, std::string::npos) << id;
  const std::string yaml = id.substr(slash + 1);
  EXPECT_GE(yaml.size(), 16u);
  EXPECT_EQ(yaml.find_first_not_of("0123456789abcdef"), std::string::npos) << yaml;
  std::ifstream so(found.path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(so)), std::istreambuf_iterator<char>());
  std::string raw;
  for (size_t k = 0; k + 1 < yaml.size(); k += 2) raw.push_back(static_cast<char>(std::stoi(yaml.substr(k, 2), nullptr, 16)));
  EXPECT_NE(bytes.find("GNU" + std::string(1, '\0') + raw), std::string::npos)
      << "the second half is not the build ID note of " << found.path;
  // And the key moves with it: another parser build, another key.
  EXPECT_NE(cache::RuleSetKey("rules", 1, id), cache::RuleSetKey("rules", 1, id.substr(0, slash) + "/0000"));
}

TEST_F(RuleSetCache, TheEncodingOfTheShippedRulesDecodesToTheSameRules) {
  const RuleSet parsed = Parse(rules_);
  ASSERT_GT(parsed.rules.size(), 200u);
  ASSERT_GT(parsed.labels.size(), 200u);
  const std::string bytes = cache::EncodeRuleSet(parsed);
  RuleSet decoded;
  ASSERT_TRUE(cache::DecodeRuleSet(bytes, &decoded));
  decoded.version = parsed.version;  // not encoded: LoadRuleDir sets it from the files
  ExpectRuleSetsEq(parsed, decoded);
}

TEST_F(RuleSetCache, ADecodeRefusesEveryCutAndTrailingBytes) {
  RuleSet set;
  ASSERT_TRUE(ParseRuleFile("version: 1\nrules:\n  - tag: cluster:ai\n    any: [人工智能, {kw: AI, case: true}]\n"
                            "    all: [[模型], [训练, 推理]]\n    not: [人工智能体]\n"
                            "    provenance: [{seed: s.txt, clause: c}]\n",
                            "r.yaml", &set)
                  .ok());
  const std::string bytes = cache::EncodeRuleSet(set);
  for (size_t n = 0; n < bytes.size(); ++n) {
    RuleSet out;
    EXPECT_FALSE(cache::DecodeRuleSet(std::string_view(bytes).substr(0, n), &out)) << "cut at " << n;
  }
  RuleSet out;
  EXPECT_FALSE(cache::DecodeRuleSet(bytes + '\0', &out));
  EXPECT_TRUE(cache::DecodeRuleSet(bytes, &out));
}

TEST_F(RuleSetCache, ASecondLoadReadsTheCacheAndGivesWhatAParseGives) {
  std::string note;
  const RuleSet first = Load(rules_, &note);
  EXPECT_EQ(note, "miss");
  ASSERT_EQ(CacheFiles("rules-").size(), 1u);
  const RuleSet second = Load(rules_, &note);
  EXPECT_EQ(note, "hit");
  const RuleSet parsed = Parse(rules_);
  ExpectRuleSetsEq(parsed, first);
  ExpectRuleSetsEq(parsed, second);
}

TEST_F(RuleSetCache, ADamagedFileIsRefusedParsedAgainAndRewritten) {
  std::string note;
  Load(rules_, &note);
  const std::vector<fs::path> files = CacheFiles("rules-");
  ASSERT_EQ(files.size(), 1u);
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-10, std::ios::end);  // a byte of the payload
    f.put('\x7f');
  }
  const RuleSet reparsed = Load(rules_, &note);
  EXPECT_NE(note.find("payload hash mismatch"), std::string::npos) << note;
  ExpectRuleSetsEq(Parse(rules_), reparsed);
  Load(rules_, &note);
  EXPECT_EQ(note, "hit") << "the refused file is written again";
}

TEST_F(RuleSetCache, AnEditedRuleFileIsParsedNotServedFromTheCache) {
  std::string note;
  Load(rules_, &note);
  const fs::path themes = fs::path(rules_) / "themes.yaml";
  std::ifstream in(themes);
  std::stringstream ss;
  ss << in.rdbuf();
  in.close();
  std::string text = ss.str();
  text += "\n  - tag: theme:carbon\n    name: a rule added by the test\n    any: [测试专用关键词]\n"
          "    provenance: [{seed: s.txt, clause: c}]\n";
  std::ofstream(themes, std::ios::trunc) << text;
  const RuleSet edited = Load(rules_, &note);
  EXPECT_EQ(note, "miss");
  ExpectRuleSetsEq(Parse(rules_), edited);
  bool found = false;
  for (const Rule& r : edited.rules) found = found || r.name == "a rule added by the test";
  EXPECT_TRUE(found);
}

TEST_F(RuleSetCache, TheSameFilesInAnotherDirectoryNameThatDirectory) {
  std::string note;
  Load(rules_, &note);
  const std::string other = (root_ / "elsewhere").string();
  fs::copy(rules_, other, fs::copy_options::recursive);
  const RuleSet moved = Load(other, &note);
  EXPECT_EQ(note, "miss");
  ASSERT_FALSE(moved.rules.empty());
  EXPECT_TRUE(moved.rules.front().file.starts_with(other)) << moved.rules.front().file;
  ExpectRuleSetsEq(Parse(other), moved);
}

TEST_F(RuleSetCache, ACacheThatCannotBeWrittenIsNoError) {
  std::ofstream(root_ / "a-file") << "not a directory";
  cache_ = (root_ / "a-file" / "cache").string();
  std::string note;
  const RuleSet set = Load(rules_, &note);
  EXPECT_NE(note.find("cannot create rules cache directory"), std::string::npos) << note;
  ExpectRuleSetsEq(Parse(rules_), set);
}

}  // namespace
}  // namespace newsflow::rules
