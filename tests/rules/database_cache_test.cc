// The on-disk cache of compiled databases (CompileOptions::cache_dir): a
// second compile of the same patterns loads the file and tags identically;
// a damaged file, a file written for other patterns, or a payload that is
// another set's database is never used: the set is compiled and the file
// rewritten.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

namespace fs = std::filesystem;

RuleSet Set(const std::string& extra_keyword) {
  RuleSet set;
  const std::string yaml = "version: 1\nrules:\n"
                           "  - tag: cluster:semiconductors\n    any: [芯片, 半导体, " + extra_keyword + "]\n"
                           "    provenance: [{seed: s.txt, clause: c}]\n"
                           "  - tag: cluster:ai\n    any: [人工智能, {kw: AI, case: true}]\n"
                           "    provenance: [{seed: s.txt, clause: c}]\n";
  EXPECT_TRUE(ParseRuleFile(yaml, "r.yaml", &set).ok());
  return set;
}

class DatabaseCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("newsflow-hs-cache-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<const CompiledRules> Compile(const RuleSet& set) {
    CompileOptions o;
    o.cache_dir = dir_.string();
    std::shared_ptr<const CompiledRules> c;
    EXPECT_TRUE(CompiledRules::Compile(set, EvaluateOptions(), o, &c).ok());
    return c;
  }
  std::vector<fs::path> Files() const {
    std::vector<fs::path> out;
    if (fs::exists(dir_))
      for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void Write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  }
  // Tag ids of `text` (as body).
  static std::vector<std::string> Tags(const CompiledRules& c, const std::string& text) {
    std::unique_ptr<ScanScratch> s;
    EXPECT_TRUE(c.NewScratch(&s).ok());
    std::vector<TagMatch> out;
    EXPECT_TRUE(c.Tag("\n" + text, 0, s.get(), &out).ok());
    std::vector<std::string> tags;
    for (const auto& m : out) tags.push_back(c.tags()[m.tag]);
    return tags;
  }

  fs::path dir_;
};

TEST_F(DatabaseCache, TheSecondCompileLoadsTheFileAndTagsTheSame) {
  auto first = Compile(Set("晶圆"));
  EXPECT_EQ(first->cache_state(), CacheState::kMiss);
  EXPECT_TRUE(first->cache_written());
  ASSERT_EQ(Files().size(), 1u);
  auto second = Compile(Set("晶圆"));
  EXPECT_EQ(second->cache_state(), CacheState::kHit) << second->cache_detail();
  EXPECT_EQ(second->literal_api(), first->literal_api());
  for (const char* text : {"晶圆厂扩产", "AI芯片", "SAIC", "人工智能与半导体", "无关"})
    EXPECT_EQ(Tags(*second, text), Tags(*first, text)) << text;
  // Other patterns: another file.
  EXPECT_EQ(Compile(Set("封测"))->cache_state(), CacheState::kMiss);
  EXPECT_EQ(Files().size(), 2u);
  CompileOptions off;
  std::shared_ptr<const CompiledRules> c;
  ASSERT_TRUE(CompiledRules::Compile(Set("晶圆"), EvaluateOptions(), off, &c).ok());
  EXPECT_EQ(c->cache_state(), CacheState::kOff);
}

TEST_F(DatabaseCache, ADamagedFileIsRejectedAndRewritten) {
  Compile(Set("晶圆"));
  const fs::path file = Files().at(0);
  const std::string good = Read(file);
  std::string flipped = good;
  flipped[good.size() - 7] ^= 0x5a;  // in the payload
  for (const std::string& bad :
       {flipped, good.substr(0, good.size() / 2), good.substr(0, 10), std::string("junk"), good + "overlong"}) {
    Write(file, bad);
    auto c = Compile(Set("晶圆"));
    EXPECT_EQ(c->cache_state(), CacheState::kRejected);
    EXPECT_FALSE(c->cache_detail().empty());
    EXPECT_EQ(Tags(*c, "晶圆厂"), std::vector<std::string>{"cluster:semiconductors"});
    EXPECT_EQ(Read(file), good) << "rewritten with the compiled database";
    EXPECT_EQ(Compile(Set("晶圆"))->cache_state(), CacheState::kHit);
  }
}

// A file whose header is right for set B but whose payload is set A's
// database (what a stale or copied file would be): it passes every header
// check, and the scan of B's literals catches it.
TEST_F(DatabaseCache, AnotherSetsDatabaseUnderThisKeyIsCaughtByTheScan) {
  Compile(Set("晶圆"));
  const fs::path a = Files().at(0);
  Compile(Set("光刻胶"));
  fs::path b;
  for (const auto& f : Files())
    if (f != a) b = f;
  ASSERT_FALSE(b.empty());
  std::string forged = Read(a);
  const std::string b_bytes = Read(b);
  forged.replace(8, 8, b_bytes.substr(8, 8));  // header: magic[8], key (u64) ...
  Write(b, forged);
  auto c = Compile(Set("光刻胶"));
  EXPECT_EQ(c->cache_state(), CacheState::kRejected);
  EXPECT_NE(c->cache_detail().find("does not report every literal"), std::string::npos) << c->cache_detail();
  EXPECT_EQ(Tags(*c, "光刻胶"), std::vector<std::string>{"cluster:semiconductors"});
  EXPECT_EQ(Compile(Set("光刻胶"))->cache_state(), CacheState::kHit);
}

// A set whose literal lines pass VerifyLiterals' split size (256 KB) is
// checked in two parts on two threads. Another set's database under this
// set's key is caught whichever part holds the literal it lacks.
RuleSet BigSet(size_t changed, const std::string& replacement) {
  RuleSet set;
  Rule r;
  r.tag = "cluster:semiconductors";
  auto cp = [](uint32_t c) {  // a BMP code point as UTF-8
    return std::string{static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (c & 0x3F))};
  };
  constexpr uint32_t kNames = 32000;  // 4 ideographs + '\n': ~290 KB of lines in the leadless form
  for (uint32_t i = 0; i < kNames; ++i) {
    std::string name = cp(0x4E2D) + cp(0x4E00 + (i >> 16)) + cp(0x5000 + ((i >> 8) & 0xFF)) + cp(0x6000 + (i & 0xFF));
    r.any.push_back({i == changed ? replacement : name, false, false, static_cast<int>(i + 1)});
  }
  r.provenance.push_back({"s.txt", "c"});
  set.rules.push_back(std::move(r));
  return set;
}

TEST_F(DatabaseCache, ALongListIsCheckedInBothPartsOfItsLines) {
  const RuleSet a = BigSet(SIZE_MAX, "");
  Compile(a);
  ASSERT_EQ(Files().size(), 1u);
  const fs::path a_file = Files().at(0);
  ASSERT_EQ(Compile(a)->cache_state(), CacheState::kHit) << "the split scan passes a set's own database";
  // One name other than a's, early (the first part) or late (the second).
  for (const size_t changed : {size_t{100}, size_t{31000}}) {
    const RuleSet b = BigSet(changed, "晶圆代工龙头");
    auto compiled = Compile(b);
    fs::path b_file;
    for (const auto& f : Files())
      if (f != a_file) b_file = f;
    ASSERT_FALSE(b_file.empty());
    const std::string b_bytes = Read(b_file);
    std::string forged = Read(a_file);
    forged.replace(8, 8, b_bytes.substr(8, 8));  // header: magic[8], key (u64) ...
    Write(b_file, forged);
    auto c = Compile(b);
    EXPECT_EQ(c->cache_state(), CacheState::kRejected) << "changed name " << changed;
    EXPECT_NE(c->cache_detail().find("does not report every literal"), std::string::npos) << c->cache_detail();
    EXPECT_EQ(Tags(*c, "晶圆代工龙头"), std::vector<std::string>{"cluster:semiconductors"});
    EXPECT_EQ(Compile(b)->cache_state(), CacheState::kHit) << "rewritten";
    fs::remove(b_file);
  }
}

TEST_F(DatabaseCache, AFileOthersCanWriteIsNotRead) {
  Compile(Set("晶圆"));
  const fs::path file = Files().at(0);
  fs::permissions(file, fs::perms::group_write, fs::perm_options::add);
  auto c = Compile(Set("晶圆"));
  EXPECT_EQ(c->cache_state(), CacheState::kRejected);
  EXPECT_NE(c->cache_detail().find("writable by group or others"), std::string::npos) << c->cache_detail();
  EXPECT_EQ(Compile(Set("晶圆"))->cache_state(), CacheState::kHit) << "rewritten 0600 by its owner";
  EXPECT_EQ(fs::status(file).permissions() & (fs::perms::group_write | fs::perms::others_write), fs::perms::none);
}

TEST_F(DatabaseCache, OnlyTheNewestDatabasesAreKept) {
  for (int i = 0; i < 20; ++i) Compile(Set("词" + std::to_string(i)));
  EXPECT_EQ(Files().size(), 16u);
}

TEST_F(DatabaseCache, AnUnwritableDirectoryOnlyLosesTheCache) {
  fs::create_directories(dir_.parent_path());
  Write(dir_, "a file where the directory should be");
  auto c = Compile(Set("晶圆"));
  EXPECT_NE(c->cache_state(), CacheState::kHit);
  EXPECT_FALSE(c->cache_detail().empty());
  EXPECT_FALSE(c->cache_written()) << "`rules check` said 'miss (compiled, written): cannot write ...'";
  EXPECT_EQ(Tags(*c, "晶圆"), std::vector<std::string>{"cluster:semiconductors"});
  fs::remove(dir_);
}

}  // namespace
}  // namespace newsflow::rules
