// engine_agreement_test.cc — every engine of the benchmark finds the same
// (document, keyword) pairs.
//
// Documents: the committed fixtures (tests/fixtures/*-sample.jsonl, decoded
// and normalized as the pipeline does, via bench/bench_corpus.h) plus
// hand-written boundary cases. Keyword sets: the project's comparison set
// (rules/sets, see bench/engines/project_patterns.h) and a small boundary set.
// Engines: the C++ engines of bench/engines (the project's matcher on the real
// rule set, the same on the comparison keywords, batched Hyperscan, RE2::Set,
// PCRE2-JIT, naive find) and the two peers of bench/peers, which the test
// builds / installs itself (cargo, pip) and fails if it cannot. Each is
// compared with a brute-force reference written here.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "bench_corpus.h"
#include "engines/engine.h"
#include "engines/hyperscan_engine.h"
#include "engines/project_patterns.h"

namespace newsflow::bench {
namespace {

using Pairs = std::set<std::pair<size_t, uint32_t>>;

const std::string kRoot = NEWSFLOW_SOURCE_DIR;

// Brute force: every start position, byte compare with ASCII folding.
Pairs Reference(const std::vector<PatternSpec>& pats, const std::vector<std::string>& docs) {
  auto fold = [](unsigned char c) { return static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c); };
  Pairs out;
  for (size_t d = 0; d < docs.size(); ++d) {
    const std::string& doc = docs[d];
    for (uint32_t p = 0; p < pats.size(); ++p) {
      const std::string& t = pats[p].text;
      for (size_t i = 0; i + t.size() <= doc.size(); ++i) {
        bool eq = true;
        for (size_t k = 0; k < t.size() && eq; ++k) {
          const auto a = static_cast<unsigned char>(doc[i + k]), b = static_cast<unsigned char>(t[k]);
          eq = pats[p].caseless ? fold(a) == fold(b) : a == b;
        }
        if (eq && (!pats[p].boundary || BoundaryOk(doc, i, i + t.size()))) {
          out.insert({d, p});
          break;
        }
      }
    }
  }
  return out;
}

Pairs RunEngine(Engine& e, const std::vector<PatternSpec>& pats, const std::vector<std::string>& docs) {
  std::string err = e.Build(pats);
  EXPECT_EQ(err, "") << e.name();
  if (!err.empty()) return {};
  std::vector<std::string_view> views(docs.begin(), docs.end());
  Pairs out;
  auto scanner = e.NewScanner();
  EXPECT_TRUE(scanner->ScanMany(views, [&](size_t d, uint32_t p) {
    EXPECT_TRUE(out.insert({d, p}).second) << e.name() << ": pair reported twice: doc " << d << " pattern " << p;
  })) << e.name();
  // Per-document Scan must agree with ScanMany.
  Pairs single;
  for (size_t d = 0; d < views.size(); ++d)
    EXPECT_TRUE(scanner->Scan(views[d], [&](uint32_t p) { single.insert({d, p}); }));
  EXPECT_EQ(single, out) << e.name() << ": Scan and ScanMany differ";
  return out;
}

// The first ~120 bytes of a document, cut on a UTF-8 character boundary.
std::string Head(const std::string& s) {
  size_t n = std::min<size_t>(s.size(), 120);
  while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string Describe(const Pairs& want, const Pairs& got, const std::vector<PatternSpec>& pats,
                     const std::vector<std::string>& docs) {
  std::ostringstream s;
  int shown = 0;
  for (const auto& p : want)
    if (!got.count(p) && shown++ < 5)
      s << "  missing: doc " << p.first << " pattern '" << pats[p.second].text << "' in: "
        << Head(docs[p.first]) << "\n";
  for (const auto& p : got)
    if (!want.count(p) && shown++ < 10)
      s << "  extra:   doc " << p.first << " pattern '" << pats[p.second].text << "' in: "
        << Head(docs[p.first]) << "\n";
  return s.str();
}

std::vector<std::string> FixtureDocs() {
  std::vector<std::string> docs;
  for (const char* name : {"cls", "eastmoney", "ths"}) {
    const Corpus c = LoadCorpusFile(name, kRoot + "/tests/fixtures/" + name + "-sample.jsonl", FormatOf(name));
    EXPECT_EQ(c.error, "") << name;
    docs.insert(docs.end(), c.engine_texts.begin(), c.engine_texts.end());
  }
  return docs;
}

// Boundary and case cases (peers' README), written for keywords whose ends
// are both ASCII or both not, which is what the project can express.
const std::vector<std::string> kBoundaryDocs = {
    "SAIC", "AIGC发布", "AI2 2AI AIAI", "AI芯片", "发展AI", "ai", "Ai与aI", "(AI)", "AI_", "SAIC-AI",
    "5GW", "5G基站", "5g基站", "集成电路产业", "电路", "SiC", "SIC sic", "OLED", "oled OLEDs", "IPO", "",
    "\t发展AI芯片", "芯片\tAI", "AIAI AI-AI"};
const std::vector<PatternSpec> kBoundaryPatterns = {
    {"AI", true, true},     {"5G", true, true},         {"集成电路", false, false}, {"电路", false, false},
    {"SiC", false, true},   {"OLED", false, true},      {"IPO", true, true},       {"芯片", false, false},
    {"5G-A", true, true},   {"AIGC", true, true},       {"集成", false, false},     {"ai", false, true}};

class Agreement : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    docs_ = FixtureDocs();
    docs_.insert(docs_.end(), kBoundaryDocs.begin(), kBoundaryDocs.end());
    const ProjectRules& pr = GetProjectRules();
    ASSERT_EQ(pr.error, "");
    project_ = ProjectPatterns(*pr.compiled, nullptr);
  }
  static std::vector<std::string> docs_;
  static std::vector<PatternSpec> project_;

  void CheckCxxEngines(const std::vector<PatternSpec>& pats, bool real_rule_set) {
    const Pairs want = Reference(pats, docs_);
    ASSERT_GT(want.size(), 10u);
    for (const std::string& name : EngineNames()) {
      auto e = MakeEngine(name);
      const Pairs got = RunEngine(*e, pats, docs_);
      EXPECT_EQ(got, want) << name << "\n" << Describe(want, got, pats, docs_);
    }
    if (real_rule_set) {  // the pipeline's own database, regexes and all
      HyperscanEngine e;
      e.UseRuleSet(GetProjectRules().set);
      const Pairs got = RunEngine(e, pats, docs_);
      EXPECT_EQ(got, want) << "hyperscan (real rule set)\n" << Describe(want, got, pats, docs_);
    }
  }

  void CheckPeers(const std::vector<PatternSpec>& pats, const std::string& tag) {
    const Pairs want = Reference(pats, docs_);
    const auto dir = std::filesystem::path(::testing::TempDir()) / ("engine-agreement-" + tag);
    std::filesystem::create_directories(dir);
    ASSERT_EQ(WritePatternsFile((dir / "patterns.tsv").string(), pats), "");
    {
      std::ofstream d(dir / "docs.txt", std::ios::binary);
      for (const auto& doc : docs_) d << doc << '\n';
    }
    const std::string build = kRoot + "/bench/peers/aho-corasick-rust/build.sh";
    const std::string setup = kRoot + "/bench/peers/pyahocorasick/setup.sh";
    std::string rust_bin;
    {
      FILE* f = popen((build + " 2>" + (dir / "build.err").string()).c_str(), "r");
      ASSERT_NE(f, nullptr);
      char buf[4096];
      while (fgets(buf, sizeof buf, f)) rust_bin += buf;
      ASSERT_EQ(pclose(f), 0) << "building the Rust peer failed (cargo needed): see " << (dir / "build.err");
      while (!rust_bin.empty() && (rust_bin.back() == '\n' || rust_bin.back() == '\r')) rust_bin.pop_back();
    }
    ASSERT_EQ(std::system(setup.c_str()), 0) << "installing pyahocorasick failed (pip needed)";
    const std::string common = " --patterns " + (dir / "patterns.tsv").string() + " --docs " +
                               (dir / "docs.txt").string() + " --iterations 1 --dump-matches ";
    const std::string py = std::getenv("PYTHON") ? std::getenv("PYTHON") : "python3";
    const std::vector<std::pair<std::string, std::string>> peers = {
        {"aho-corasick-rust", rust_bin + common + (dir / "rust.tsv").string()},
        {"pyahocorasick", py + " " + kRoot + "/bench/peers/pyahocorasick/run.py" + common + (dir / "py.tsv").string()}};
    for (const auto& [name, cmd] : peers) {
      ASSERT_EQ(std::system((cmd + " >/dev/null").c_str()), 0) << name << ": " << cmd;
      std::ifstream in(dir / (name == "pyahocorasick" ? "py.tsv" : "rust.tsv"));
      Pairs got;
      size_t d;
      uint32_t p;
      while (in >> d >> p) got.insert({d, p});
      EXPECT_EQ(got, want) << name << "\n" << Describe(want, got, pats, docs_);
    }
  }
};
std::vector<std::string> Agreement::docs_;
std::vector<PatternSpec> Agreement::project_;

TEST_F(Agreement, CxxEnginesOnProjectKeywords) { CheckCxxEngines(project_, true); }
TEST_F(Agreement, CxxEnginesOnBoundaryCases) { CheckCxxEngines(kBoundaryPatterns, false); }
TEST_F(Agreement, PeersOnProjectKeywords) { CheckPeers(project_, "project"); }
TEST_F(Agreement, PeersOnBoundaryCases) { CheckPeers(kBoundaryPatterns, "boundary"); }

// The boundary cases mean what they say: a few pairs spelled out.
TEST_F(Agreement, BoundaryCasesSpelledOut) {
  const Pairs got = Reference(kBoundaryPatterns, kBoundaryDocs);
  auto has = [&](const std::string& doc, const std::string& pat) {
    const size_t d = std::find(kBoundaryDocs.begin(), kBoundaryDocs.end(), doc) - kBoundaryDocs.begin();
    uint32_t p = 0;
    while (kBoundaryPatterns[p].text != pat) ++p;
    return got.count({d, p}) > 0;
  };
  EXPECT_FALSE(has("SAIC", "AI"));
  EXPECT_FALSE(has("AIGC发布", "AI"));
  EXPECT_TRUE(has("AIGC发布", "AIGC"));
  EXPECT_FALSE(has("AI2 2AI AIAI", "AI"));
  EXPECT_TRUE(has("AI芯片", "AI"));
  EXPECT_TRUE(has("AIAI AI-AI", "AI"));
  EXPECT_TRUE(has("Ai与aI", "AI"));
  EXPECT_FALSE(has("Ai与aI", "ai"));  // case-sensitive `ai`
  EXPECT_TRUE(has("集成电路产业", "电路"));  // overlap counts
  EXPECT_TRUE(has("集成电路产业", "集成"));  // same start as 集成电路
  EXPECT_FALSE(has("SIC sic", "SiC"));
  EXPECT_FALSE(has("oled OLEDs", "OLED"));
  EXPECT_FALSE(has("5GW", "5G"));
  EXPECT_TRUE(has("5g基站", "5G"));
}

}  // namespace
}  // namespace newsflow::bench
