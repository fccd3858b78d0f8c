// Watch lists (*.tsv, SCHEMA.md "Watch lists"): what the parser accepts and
// rejects, that a directory's lists load beside its YAML rules and change
// the set's version, what lint reports for them, and that their names tag
// text like YAML keywords do (caseless ASCII on word boundaries).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/lint.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

std::vector<std::string> Names(const Rule& r) {
  std::vector<std::string> out;
  for (const auto& k : r.any) out.push_back(k.text);
  return out;
}

TEST(WatchList, OneRulePerLineWithItsNames) {
  RuleSet set;
  const std::string text =
      "\xEF\xBB\xBF# the desk's companies\r\n"
      "watch:nvidia\t英伟达\tNVIDIA\tNVDA\r\n"
      "\r\n"
      "   # indented comment\n"
      "watch:catl\t 宁德时代 \t\t300750\t\n"  // spaces around a name, an empty cell, a trailing tab
      "watch:smic\t中芯国际\r"                // a lone CR ends a line too (old spreadsheet exports)
      "watch:byd\t比亚迪";                     // no final newline
  const Status s = ParseWatchList(text, "desk.tsv", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 4u);
  EXPECT_EQ(set.rules[0].tag, "watch:nvidia");
  EXPECT_EQ(Names(set.rules[0]), (std::vector<std::string>{"英伟达", "NVIDIA", "NVDA"}));
  EXPECT_EQ(set.rules[0].line, 2);
  EXPECT_EQ(set.rules[1].tag, "watch:catl");
  EXPECT_EQ(Names(set.rules[1]), (std::vector<std::string>{"宁德时代", "300750"}));
  EXPECT_EQ(set.rules[1].line, 5);
  EXPECT_EQ(set.rules[2].tag, "watch:smic");
  EXPECT_EQ(Names(set.rules[2]), (std::vector<std::string>{"中芯国际"}));
  EXPECT_EQ(set.rules[2].line, 6);
  EXPECT_EQ(set.rules[3].tag, "watch:byd");
  EXPECT_EQ(set.rules[3].line, 7);
  for (const Rule& r : set.rules) {
    EXPECT_TRUE(r.watch_list);
    EXPECT_TRUE(r.provenance.empty());
    EXPECT_EQ(r.file, "desk.tsv");
    EXPECT_TRUE(r.all.empty() && r.veto.empty() && r.except.empty());
    EXPECT_EQ(r.min_score, 1.0);     // SCHEMA.md: the default min_score
    EXPECT_EQ(r.title_weight, 2.0);  // and the default title weight
    EXPECT_FALSE(r.alert);
    for (const auto& k : r.any) EXPECT_FALSE(k.case_sensitive || k.regex);
  }
}

// Names are read as documents are after normalization, or they could never
// hit: full-width ASCII folded, Unicode spaces one ASCII space, invisible
// code points dropped, spaces trimmed.
TEST(WatchList, NamesAreFoldedAsDocumentsAreNormalized) {
  RuleSet set;
  const Status s = ParseWatchList(
      "watch:a\t\u3000ＮＶＩＤＩＡ\u3000\t宁德\u3000\u00a0时代\t英\u200b伟达\t\u00ad\n", "w.tsv", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(Names(set.rules[0]), (std::vector<std::string>{"NVIDIA", "宁德 时代", "英伟达"}));
}

// A name repeated on its line matches the same text (after folding, ASCII
// caselessly): it counts once, and the line loads. Lines that fold to
// nothing, or to a comment, are skipped; P&G without an entity is a name.
TEST(WatchList, RepeatsCountOnceAndBlankLinesAreSkipped) {
  RuleSet set;
  const Status s = ParseWatchList(
      "watch:nvidia\t英伟达\tNVIDIA\tＮＶＩＤＩＡ\tNvidia\t英伟达\n"
      "\u3000\u00a0\n"
      "\u3000# a comment after an ideographic space\n"
      "watch:pg\t宝洁\tP&G\tA\x7f B\n",
      "w.tsv", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(Names(set.rules[0]), (std::vector<std::string>{"英伟达", "NVIDIA"}));
  EXPECT_EQ(Names(set.rules[1]), (std::vector<std::string>{"宝洁", "P&G", "A B"})) << "DEL is dropped, as text's is";
  EXPECT_EQ(set.rules[1].line, 4);
}

// A spreadsheet quotes a cell with a comma or a quote when it exports TSV:
// the quotes are the export's, not the name's ("Apple, Inc." kept its
// quotes and never hit).
TEST(WatchList, CellsASpreadsheetQuotedAreReadWithoutTheirQuotes) {
  RuleSet set;
  const Status s = ParseWatchList(
      "\"watch:apple\"\t\"Apple, Inc.\"\t苹果公司\n"
      "watch:mcd\t\"McDonald's\"\t\"麦当劳\"\t\"The \"\"Golden\"\" Arches\"\n",
      "w.tsv", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(set.rules[0].tag, "watch:apple");
  EXPECT_EQ(Names(set.rules[0]), (std::vector<std::string>{"Apple, Inc.", "苹果公司"}));
  EXPECT_EQ(Names(set.rules[1]), (std::vector<std::string>{"McDonald's", "麦当劳", "The \"Golden\" Arches"}));
  // Not an export's quoting (a lone quote inside): left as it is.
  RuleSet odd;
  ASSERT_TRUE(ParseWatchList("watch:a\t\"a\"b\"\t\"a\"\"\t\"\"\"\"\n", "w.tsv", &odd).ok());
  EXPECT_EQ(Names(odd.rules[0]), (std::vector<std::string>{"\"a\"b\"", "\"a\"\"", "\""}));
}

// A spreadsheet quotes a cell holding a TAB too: it is one name (the TAB
// read as a space, as in text), not two names with a stray quote each
// ("Apple and Inc" hit any text with Inc" in it). A cell with a line break
// (Alt+Enter) runs onto the next line: refused, saying so (it was read as
// a name with a stray quote and a next line with a bad tag id).
TEST(WatchList, AQuotedCellHoldingATabIsOneNameAndOneHoldingALineBreakIsRefused) {
  RuleSet set;
  const Status s = ParseWatchList("watch:apple\t\"Apple\tInc\" \t苹果\n", "w.tsv", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(Names(set.rules[0]), (std::vector<std::string>{"Apple Inc", "苹果"}));
  RuleSet broken;
  const Status b = ParseWatchList("watch:gs\t\"公司\n名\"\n", "w.tsv", &broken);
  EXPECT_TRUE(b.IsInvalidArgument());
  EXPECT_EQ(b.message().rfind("w.tsv:1: rule 'watch:gs': a quoted cell does not close on its line", 0), 0u)
      << b.message();
}

// A failed export (0 bytes, a header comment only, blank lines) is refused
// like an empty YAML rule file: on a reload it would have dropped every
// watch tag of the file with a success.
TEST(WatchList, AListWithNoEntitiesIsRefused) {
  for (const char* text : {"", "# tag\tnames\n", "\n\u3000\n", "\xEF\xBB\xBF"}) {
    RuleSet set;
    const Status s = ParseWatchList(text, "w.tsv", &set);
    EXPECT_TRUE(s.IsInvalidArgument()) << "[" << text << "]";
    EXPECT_EQ(s.message().rfind("w.tsv:1: a watch list with no entities", 0), 0u) << s.message();
  }
}

// UTF-16 without a BOM: the message says so, instead of an error quoting
// the tag's NUL bytes (a command line printed it cut at the first).
TEST(WatchList, Utf16WithoutABomIsNamed) {
  for (const std::string& text : {std::string("w\0a\0t\0c\0h\0:\0a\0\t\0", 16), std::string("\0w\0a\0t\0c\0h", 11)}) {
    RuleSet set;
    const Status s = ParseWatchList(text, "w.tsv", &set);
    EXPECT_EQ(s.message(), "w.tsv:1: UTF-16 text (a spreadsheet's \"Unicode Text\"): save the list as UTF-8");
  }
}

TEST(WatchList, YamlRulesCannotDefineWatchTags) {
  RuleSet set;
  const Status s = ParseRuleFile(
      "version: 1\nrules:\n  - tag: watch:nvidia\n    any: [英伟达]\n    provenance: [{seed: s, clause: c}]\n",
      "r.yaml", &set);
  ASSERT_FALSE(s.ok());
  const std::string want = "r.yaml:3: rule 'watch:nvidia': bad tag id";
  EXPECT_EQ(s.message().substr(0, want.size()), want) << s.message();
}

TEST(WatchList, RejectsWhatCannotBeWatchedWithFileAndLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"watch:a\tA\ncluster:ai\t人工智能\n", "w.tsv:2: rule 'cluster:ai': bad tag id"},
      {"watch:Big\t大\n", "w.tsv:1: rule 'watch:Big': bad tag id"},
      {"watch:\t大\n", "w.tsv:1: rule 'watch:': bad tag id"},
      {"\twatch:a\t大\n", "w.tsv:1: rule '': bad tag id"},
      {"watch:a\n", "w.tsv:1: rule 'watch:a': no names"},
      {"watch:a\t \t\n", "w.tsv:1: rule 'watch:a': no names"},
      {"watch:a\t\xff\xfe\n", "w.tsv:1: rule 'watch:a': keyword is not valid UTF-8"},
      {"watch:a\t\xe3\x80\x80\t\xe2\x80\x8b\n", "w.tsv:1: rule 'watch:a': no names"},  // U+3000, U+200B
      {std::string("watch:a\tA\0B\n", 12), "w.tsv:1: rule 'watch:a': keyword contains a NUL byte"},
      {"# x\nwatch:a\t甲\nwatch:b\t乙\nwatch:a\t丙\n", "w.tsv:4: rule 'watch:a': tag already defined (at w.tsv:2)"},
      {"watch:a\tX\rwatch:b\tY\rwatch:a\tZ\r", "w.tsv:3: rule 'watch:a': tag already defined (at w.tsv:1)"},
      {"\xff\xfew\0a\0", "w.tsv:1: UTF-16 text"},
      {"watch:pg\t宝洁\tP&amp;G\n", "w.tsv:1: rule 'watch:pg': name 'P&amp;G' holds the HTML entity '&amp;'"},
      {"watch:pg\tP&#38;G\n", "w.tsv:1: rule 'watch:pg': name 'P&#38;G' holds the HTML entity '&#38;'"},
      // Stray bytes around a dropped zero-width space stay stray: not joined into 中.
      {"watch:x\tA\xE4\u200b\xB8\xAD" "B\n", "w.tsv:1: rule 'watch:x': keyword is not valid UTF-8"},
      {"watch:a b\t甲\n", "w.tsv:1: rule 'watch:a b': bad tag id"},
  };
  for (const auto& [text, want] : cases) {
    RuleSet set;
    const Status s = ParseWatchList(text, "w.tsv", &set);
    EXPECT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.message().substr(0, want.size()), want) << s.message();
    EXPECT_TRUE(set.rules.empty()) << "a list that fails adds nothing: " << text;
  }
}

class WatchListDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("newsflow-watch-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Write("rules.yaml",
          "version: 1\nrules:\n  - tag: cluster:semiconductors\n    any: [芯片]\n"
          "    provenance: [{seed: s.txt, clause: c}]\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  RuleSet Load() {
    RuleSet set;
    const Status s = LoadRuleDir(dir_.string(), &set);
    EXPECT_TRUE(s.ok()) << s.message();
    return set;
  }
  std::filesystem::path dir_;
};

TEST_F(WatchListDir, LoadsBesideTheYamlRulesAndChangesTheVersion) {
  const std::string before = Load().version;
  Write("desk.tsv", "watch:smic\t中芯国际\n");
  const RuleSet set = Load();
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(set.rules[0].tag, "watch:smic") << "files load in name order";
  EXPECT_EQ(set.rules[1].tag, "cluster:semiconductors");
  EXPECT_NE(set.version, before);
  Write("desk.tsv", "watch:smic\t中芯国际\tSMIC\n");
  EXPECT_NE(Load().version, set.version) << "an added alias is a new rule set";
}

TEST_F(WatchListDir, ATagOnTwoListsIsRejected) {
  Write("a.tsv", "watch:smic\t中芯国际\n");
  Write("b.tsv", "watch:smic\tSMIC\n");
  RuleSet set;
  const Status s = LoadRuleDir(dir_.string(), &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("b.tsv:1: rule 'watch:smic': tag already defined (at "), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("a.tsv:1)"), std::string::npos) << s.message();
}

TEST_F(WatchListDir, ADirectoryOfOnlyWatchListsLoadsAndAnEmptyOneDoesNot) {
  std::filesystem::remove(dir_ / "rules.yaml");
  RuleSet set;
  const Status empty = LoadRuleDir(dir_.string(), &set);
  EXPECT_EQ(empty.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(empty.message().find(dir_.string()), std::string::npos) << empty.message();
  Write("desk.tsv", "watch:smic\t中芯国际\n");
  EXPECT_EQ(Load().rules.size(), 1u);
}

// Extensions are read in any case, and *.yml is a rule file too: an editor
// or a spreadsheet on another system may write them so, and a file the
// loader skipped would silently drop its rules. Other files are skipped.
TEST_F(WatchListDir, YmlAndUpperCaseExtensionsLoad) {
  Write("more.YML",
        "version: 1\nrules:\n  - tag: cluster:robotics\n    any: [机器人]\n"
        "    provenance: [{seed: s.txt, clause: c}]\n");
  Write("DESK.TSV", "watch:smic\t中芯国际\n");
  Write("notes.txt", "watch:nvidia\t英伟达\n");
  Write("old.yaml.bak", "not: [a, rule file\n");
  std::set<std::string> tags;
  for (const Rule& r : Load().rules) tags.insert(r.tag);
  EXPECT_EQ(tags, (std::set<std::string>{"cluster:semiconductors", "cluster:robotics", "watch:smic"}));
  EXPECT_TRUE(IsRuleFile("a/b.Yaml"));
  EXPECT_TRUE(IsRuleFile("b.yml"));
  EXPECT_TRUE(IsRuleFile("c.Tsv"));
  EXPECT_FALSE(IsRuleFile("d.yaml.bak"));
  EXPECT_FALSE(IsRuleFile("e.csv"));
}

// Lint: a name two entities share is ambiguous (reported, like a keyword two
// tags share), and so is an ASCII end without a boundary; an entry has no
// seed provenance to check, and its aliases containing each other are not
// "shadowed". Findings about watch names come explained, so a desk's list
// never blocks a reload; the YAML rule's own finding does not.
TEST_F(WatchListDir, LintReportsSharedNamesExplainedAndNothingElse) {
  Write("desk.tsv",
        "watch:moutai\t贵州茅台\t茅台\n"
        "watch:moutai-group\t茅台集团\t茅台\n"
        "watch:kangmei\t*ST康美\n"
        "watch:chips\t芯片\n");  // also a keyword of cluster:semiconductors
  const RuleSet set = Load();
  std::set<std::pair<std::string, std::string>> got;
  for (const LintFinding& f : Lint(set, (dir_ / "no-seeds").string())) {
    if (f.keyword == "cluster:semiconductors") {  // its seed is absent here
      EXPECT_TRUE(f.explained.empty()) << f.message;
      continue;
    }
    EXPECT_FALSE(f.explained.empty()) << f.message;
    got.insert({f.check, f.keyword});
  }
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{
                     {"duplicate", "茅台"}, {"duplicate", "芯片"}, {"no-boundary", "*ST康美"}}));
}

// Two policy tags sharing a keyword is the rule set's finding: a watch name
// that shares it too must not explain it away. Names of two entities that
// differ only in ASCII case match the same text: one finding.
TEST_F(WatchListDir, LintKeepsPolicyDuplicatesAndGroupsCaselessNames) {
  Write("more.yaml",
        "version: 1\nrules:\n  - tag: cluster:smart-terminals\n    any: [芯片]\n"
        "    provenance: [{seed: s.txt, clause: c}]\n");
  Write("desk.tsv", "watch:chips\t芯片\nwatch:a\tNVIDIA\nwatch:b\tNvidia\n");
  std::map<std::string, LintFinding> dup;
  for (const LintFinding& f : Lint(Load(), (dir_ / "no-seeds").string()))
    if (f.check == "duplicate") dup[f.keyword] = f;
  ASSERT_EQ(dup.size(), 2u);
  ASSERT_TRUE(dup.count("芯片"));
  EXPECT_TRUE(dup["芯片"].explained.empty()) << dup["芯片"].message;
  ASSERT_TRUE(dup.count("NVIDIA")) << "grouped under the first spelling";
  EXPECT_FALSE(dup["NVIDIA"].explained.empty());
}

// The names tag text as YAML keywords do: CJK anywhere, ASCII caseless on
// word boundaries, each hit a span; the title weighs double.
TEST_F(WatchListDir, NamesTagTextLikeKeywords) {
  Write("desk.tsv", "watch:nvidia\t英伟达\tNVIDIA\nwatch:catl\t宁德时代\n");
  std::shared_ptr<const CompiledRules> c;
  const Status s = CompiledRules::Compile(Load(), EvaluateOptions(), CompileOptions(), &c);
  ASSERT_TRUE(s.ok()) << s.message();
  std::unique_ptr<ScanScratch> scratch;
  ASSERT_TRUE(c->NewScratch(&scratch).ok());
  auto tags = [&](const std::string& title, const std::string& body) {
    std::vector<TagMatch> out;
    EXPECT_TRUE(c->Tag(title + body, static_cast<uint32_t>(title.size()), scratch.get(), &out).ok());
    std::map<std::string, std::pair<double, size_t>> got;
    for (const auto& t : out) got[c->tags()[t.tag]] = {t.score, t.spans.size()};
    return got;
  };
  auto got = tags("英伟达发布新芯片", "nvidia表示，Nvidia的订单增长。");
  ASSERT_TRUE(got.count("watch:nvidia"));
  EXPECT_EQ(got["watch:nvidia"].second, 3u);
  // SCHEMA.md: 英伟达 in the title 2.0; NVIDIA twice in the body 1.0 + 0.25.
  EXPECT_DOUBLE_EQ(got["watch:nvidia"].first, 2.0 + 1.0 + 0.25);
  EXPECT_TRUE(got.count("cluster:semiconductors"));
  EXPECT_FALSE(got.count("watch:catl"));
  got = tags("", "NVIDIAX与宁德时代签约");
  EXPECT_FALSE(got.count("watch:nvidia")) << "an ASCII name matches on word boundaries only";
  EXPECT_TRUE(got.count("watch:catl"));
}

}  // namespace
}  // namespace newsflow::rules
