// Tests of rule file parsing: errors name file, line and rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "newsflow/rules/rule_set.h"
#include "newsflow/rules/taxonomy_ids.h"

namespace newsflow::rules {
namespace {

Status Parse(const std::string& yaml, RuleSet* set) { return ParseRuleFile(yaml, "r.yaml", set); }

TEST(RuleLoader, ParsesEveryKey) {
  RuleSet set;
  Status s = Parse(R"(version: 1
rules:
  - tag: cluster:semiconductors
    name: 半导体
    any: [芯片, {kw: SiC, case: true}]
    all: [[晶圆, 封测]]
    not: [薯片]
    except: [芯片级]
    regex: ['第三代半导体']
    title_weight: 3
    min_score: 1.5
    alert: true
    provenance:
      - seed: 000_1fa3d0f570f714d3.txt
        clause: 加快培育半导体与集成电路产业
)", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 1u);
  const Rule& r = set.rules[0];
  EXPECT_EQ(r.tag, "cluster:semiconductors");
  ASSERT_EQ(r.any.size(), 3u);  // two keywords + the regex
  EXPECT_TRUE(r.any[1].case_sensitive);
  EXPECT_TRUE(r.any[2].regex);
  ASSERT_EQ(r.all.size(), 1u);
  EXPECT_EQ(r.all[0].size(), 2u);
  EXPECT_EQ(r.veto[0].text, "薯片");
  EXPECT_EQ(r.except[0].text, "芯片级");
  EXPECT_DOUBLE_EQ(r.title_weight, 3);
  EXPECT_DOUBLE_EQ(r.min_score, 1.5);
  EXPECT_TRUE(r.alert);
  EXPECT_EQ(r.provenance[0].clause, "加快培育半导体与集成电路产业");
  EXPECT_EQ(r.line, 3);
}

struct BadCase {
  const char* yaml;
  const char* expect;  // substring of the message
};

TEST(RuleLoader, ErrorsNameFileLineAndRule) {
  const BadCase cases[] = {
      {"version: 1\nrules:\n  - tag: cluster:ai\n    anyy: [AI]\n", "r.yaml:4: rule 'cluster:ai': unknown key `anyy`"},
      {"version: 1\nrules:\n  - tag: cluster:AI\n    any: [AI]\n", "r.yaml:3: rule 'cluster:AI': bad tag id"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI, '']\n", "r.yaml:4: rule 'cluster:ai': empty keyword"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI, AI]\n", "duplicate keyword 'AI'"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    not: [AI]\n", "no positive keywords"},
      {"version: 1\nrules:\n  - any: [AI]\n", "r.yaml:3: rule '?': rule has no `tag`"},
      {"version: 2\nrules: []\n", "`version: 1` is required"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI\n", "r.yaml:"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI]\n    provenance: [{seed: a.txt}]\n",
       "needs `seed` and `clause`"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI]\n    title_weight: heavy\n", "must be a number"},
  };
  for (const auto& c : cases) {
    RuleSet set;
    Status s = Parse(c.yaml, &set);
    EXPECT_FALSE(s.ok()) << c.yaml;
    EXPECT_NE(s.message().find(c.expect), std::string::npos) << "got: " << s.message() << "\nwant: " << c.expect;
  }
}

// Hostile or mistaken input the loader rejects, each naming file, line and
// rule. kHead opens a file and a rule (line 3) with its provenance (line 4).
const std::string kHead =
    "version: 1\nrules:\n  - tag: cluster:ai\n    provenance: [{seed: s.txt, clause: c}]\n";

void ExpectRejected(const std::vector<std::pair<std::string, std::string>>& cases) {
  for (const auto& [yaml, expect] : cases) {
    RuleSet set;
    Status s = Parse(yaml, &set);
    EXPECT_FALSE(s.ok()) << yaml;
    EXPECT_TRUE(s.ok() || s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find(expect), std::string::npos) << "got: " << s.message() << "\nwant: " << expect;
  }
}

// The fixed families' ids are the taxonomy's: a misspelt one is an error
// naming the closest ids, not a new tag that documents would then carry.
// project: and program: ids are the rule set's own.
TEST(RuleLoader, TagsOfTheFixedFamiliesMustBeInTheTaxonomy) {
  const std::string tail = "\n    any: [AI]\n    provenance: [{seed: s.txt, clause: c}]\n";
  ExpectRejected({
      {"version: 1\nrules:\n  - tag: cluster:semiconductor" + tail,
       "r.yaml:3: rule 'cluster:semiconductor': tag 'cluster:semiconductor' is not in the taxonomy"},
      {"version: 1\nrules:\n  - tag: region:beijing" + tail, "r.yaml:3: rule 'region:beijing'"},
      {"version: 1\nrules:\n  - tag: theme:esg" + tail, "r.yaml:3: rule 'theme:esg'"},
  });
  RuleSet set;
  EXPECT_TRUE(Parse("version: 1\nrules:\n  - tag: project:new-fab" + tail, &set).ok());
  RuleSet typo;
  const Status s = Parse("version: 1\nrules:\n  - tag: cluster:semiconductor" + tail, &typo);
  EXPECT_NE(s.message().find("cluster:semiconductors"), std::string::npos) << "names the closest id: " << s.message();
}

// A literal in a form documents never have after normalization can never
// hit; a value that SCHEMA.md says is a boolean or a number is one.
TEST(RuleLoader, KeywordsDocumentsNeverContainAndLooseValuesAreRejected) {
  ExpectRejected({
      {kHead + "    any: [ＧＰＴ５]\n", "r.yaml:5: rule 'cluster:ai': keyword 'ＧＰＴ５' can never match"},
      {kHead + "    any: [\"大  模型\"]\n", "write '大 模型'"},
      {kHead + "    any: [\"\u3000AI\"]\n", "write ' AI'"},
      {kHead + "    any: [\"智\u200b能\"]\n", "write '智能'"},
      {kHead + "    any: [AI, ai]\n", "duplicate keyword 'ai'"},
      {kHead + "    any: [\"<b>Zeta</b>\"]\n", "keyword holds HTML markup ('<b>')"},
      {kHead + "    any: [\"x<5 and <b>y</b>\"]\n", "keyword holds HTML markup ('<b>')"},
      {kHead + "    any: [\"<?php x?>\"]\n", "keyword holds HTML markup"},
      {kHead + "    any: [AI]\n    alert: yes\n", "`alert` must be true or false"},
      {kHead + "    any: [AI]\n    alert: \"true\"\n", "`alert` must be true or false"},
      {kHead + "    any: [{kw: AI, case: on}]\n", "`case` must be true or false"},
      {kHead + "    any: [AI]\n    min_score: '2'\n", "`min_score` must be a number"},
      // A caseless keyword matches wherever a case-sensitive one of the same
      // letters does: one mention of AI would count twice (min_score: 2 met).
      {kHead + "    any: [{kw: AI, case: true}, ai]\n", "r.yaml:5: rule 'cluster:ai': duplicate keyword 'ai'"},
      {kHead + "    any: [ai, {kw: AI, case: true}]\n", "r.yaml:5: rule 'cluster:ai': duplicate keyword 'AI'"},
      {kHead + "    regex: ['\\d+亿元', '\\d+亿元']\n", "duplicate keyword"},
  });
  {
    RuleSet regexes;
    const Status s = Parse(kHead + "    regex: ['\\d+亿元', '\\D+亿元']\n", &regexes);
    EXPECT_TRUE(s.ok()) << "\\d and \\D are two patterns, not one in two cases: " << s.message();
  }
  RuleSet set;
  EXPECT_TRUE(Parse(kHead + "    any: [AI, {kw: SiC, case: true}, 大 模型, \" 5G \", x<5]\n    alert: false\n    min_score: 2\n",
                    &set).ok())
      << "a single space at an end can hit (使用 5G 网络); a '<' without markup is text";
}

// Documents are matched with HTML entities decoded, markup stripped and
// full-width ASCII folded: a keyword holding an entity ('P&amp;G', copied
// from a web page) never hits, so a `not` holding one never vetoes. A watch
// list already rejects such a name; a rule file's keywords in every list,
// and a regex whose text holds such a literal part, are rejected alike.
TEST(RuleLoader, KeywordsAndRegexesHoldingWhatNormalizedTextNeverHasAreRejected) {
  ExpectRejected({
      {kHead + "    any: ['P&amp;G']\n", "r.yaml:5: rule 'cluster:ai':"},
      {kHead + "    any: [AI]\n    not: ['P&#38;G']\n", "r.yaml:6: rule 'cluster:ai':"},
      {kHead + "    any: [AI]\n    except: ['AT&#x26;T']\n", "r.yaml:6: rule 'cluster:ai':"},
      {kHead + "    all: [[AI], [{kw: 'R&amp;D', case: true}]]\n", "r.yaml:5: rule 'cluster:ai':"},
      {kHead + "    regex: ['P&amp;G']\n", "r.yaml:5: rule 'cluster:ai':"},
      {kHead + "    regex: ['ＡＩ芯片']\n", "r.yaml:5: rule 'cluster:ai':"},
      {kHead + "    regex: ['<b>AI</b>']\n", "r.yaml:5: rule 'cluster:ai':"},
      // Spaces collapse to one ' ' in documents, as for a literal.
      {kHead + "    regex: ['AI  芯片']\n", "r.yaml:5: rule 'cluster:ai': regex 'AI  芯片' holds two spaces in a row"},
      {kHead + "    regex: ['AI\u3000芯片']\n", "r.yaml:5: rule 'cluster:ai': regex 'AI\u3000芯片' holds a space other"},
  });
  RuleSet set;
  const Status s =
      Parse(kHead + "    any: ['P&G', 'AT&T', '&', 'x<5']\n    regex: ['P&G|AT&T', 'x<5', '[a&]b', '人工智能[+＋]', "
                    "'(ＡＩ|AI)芯片', 'P(&amp;)?G', 'AI 芯片', 'AI\\s+芯片', '[ 　]x', '[0-9][0-9]亿元', "
                    "'GPT [345]', '[0-9] 亿元', '芯片  ?制造']\n",
            &set);
  EXPECT_TRUE(s.ok()) << s.message();
}

// The table the loader checks against is rules/taxonomy.md's, id for id: the
// first column of the cluster, theme and region tables.
TEST(RuleLoader, TaxonomyIdsAreTheTaxonomyFilesFixedIds) {
  std::ifstream in(NEWSFLOW_SOURCE_DIR "/rules/taxonomy.md");
  ASSERT_TRUE(in) << "rules/taxonomy.md";
  std::vector<std::string> file_ids;
  std::string line, family;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      family.clear();
      for (const char* f : {"cluster:", "theme:", "region:"})
        if (line.find(std::string("`") + f) != std::string::npos) family = f;
      continue;
    }
    if (family.empty() || line.rfind("| ", 0) != 0) continue;
    const std::string id = line.substr(2, line.find(" |", 2) - 2);
    if (id == "id" || id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) continue;
    file_ids.push_back(family + id);
  }
  EXPECT_EQ(file_ids.size(), 41u) << "33 clusters, 4 themes, 4 regions";
  EXPECT_EQ(file_ids, TaxonomyIds());
}

TEST(RuleLoader, BlankKeywordsAreRejected) {
  const std::string blank = "r.yaml:5: rule 'cluster:ai': keyword is only whitespace";
  ExpectRejected({
      {kHead + "    any: [AI, ' ']\n", blank},
      {kHead + "    any: ['\t']\n", blank},
      {kHead + "    any: [\"\\t \\r\"]\n", blank},
      {kHead + "    any: ['\u3000']\n", blank},  // ideographic space
      {kHead + "    any: [\"\\u00a0\\u200b\"]\n", blank},
      {kHead + "    any: [{kw: ' ', case: true}]\n", blank},
      {kHead + "    any: [AI]\n    not: [' ']\n", "r.yaml:6: rule 'cluster:ai': keyword is only whitespace"},
      {kHead + "    any: [AI]\n    except: [' ']\n", "r.yaml:6: rule 'cluster:ai': keyword is only whitespace"},
      {kHead + "    all: [[AI], [' ']]\n", blank},
      {kHead + "    regex: [' ']\n", "r.yaml:5: rule 'cluster:ai': regex is only whitespace"},
      {kHead + "    not: ['']\n", "r.yaml:5: rule 'cluster:ai': empty keyword"},
  });
}

TEST(RuleLoader, InvalidUtf8AndNulKeywordsAreRejected) {
  const std::string bad = "r.yaml:5: rule 'cluster:ai': keyword is not valid UTF-8";
  ExpectRejected({
      {kHead + "    any: [\"AI\xff\"]\n", bad},
      {kHead + "    any: [\"\xc3\x28\"]\n", bad},          // bad continuation byte
      {kHead + "    any: [\"\xc0\xaf\"]\n", bad},          // overlong '/'
      {kHead + "    any: [\"\xed\xa0\x80\"]\n", bad},      // UTF-16 surrogate
      {kHead + "    any: [\"\xe8\x8a\"]\n", bad},          // truncated 芯
      {kHead + "    any: [\"\xf4\x90\x80\x80\"]\n", bad},  // above U+10FFFF
      {kHead + "    regex: [\"\xff\"]\n", "r.yaml:5: rule 'cluster:ai': regex is not valid UTF-8"},
      {kHead + "    any: [\"A\\0I\"]\n", "r.yaml:5: rule 'cluster:ai': keyword contains a NUL byte"},
      {kHead + "    any: [{kw: \"\\0\"}]\n", "r.yaml:5: rule 'cluster:ai': keyword contains a NUL byte"},
      {kHead + "    regex: [\"a\\0b\"]\n", "r.yaml:5: rule 'cluster:ai': regex contains a NUL byte"},
  });
  RuleSet set;  // multi-byte text that is valid still loads
  ASSERT_TRUE(Parse(kHead + "    any: [芯片, \"\xf0\x9f\x9a\x80\", 'AI芯片']\n", &set).ok());
}

TEST(RuleLoader, NonFiniteAndNegativeNumbersAreRejected) {
  const std::string finite = "must be a finite number";
  ExpectRejected({
      {kHead + "    any: [AI]\n    title_weight: .nan\n", "r.yaml:6: rule 'cluster:ai': `title_weight` " + finite},
      {kHead + "    any: [AI]\n    title_weight: .inf\n", "r.yaml:6: rule 'cluster:ai': `title_weight` " + finite},
      {kHead + "    any: [AI]\n    title_weight: -.inf\n", "r.yaml:6: rule 'cluster:ai': `title_weight` " + finite},
      {kHead + "    any: [AI]\n    min_score: .NaN\n", "r.yaml:6: rule 'cluster:ai': `min_score` " + finite},
      {kHead + "    any: [AI]\n    min_score: .inf\n", "r.yaml:6: rule 'cluster:ai': `min_score` " + finite},
      {kHead + "    any: [AI]\n    min_score: -.Inf\n", "r.yaml:6: rule 'cluster:ai': `min_score` " + finite},
      {kHead + "    any: [AI]\n    min_score: -1\n", "r.yaml:6: rule 'cluster:ai': `min_score` must be >= 0"},
      {kHead + "    any: [AI]\n    title_weight: -2\n", "r.yaml:6: rule 'cluster:ai': `title_weight` must be > 0"},
      {kHead + "    any: [AI]\n    alert: maybe\n", "r.yaml:6: rule 'cluster:ai': `alert` must be true or false"},
  });
  RuleSet set;
  ASSERT_TRUE(Parse(kHead + "    any: [AI]\n    min_score: 0\n", &set).ok());
}

TEST(RuleLoader, RulesWithoutProvenanceAreRejected) {
  const std::string head = "version: 1\nrules:\n  - tag: cluster:ai\n";
  ExpectRejected({
      {head + "    any: [AI]\n", "r.yaml:3: rule 'cluster:ai': rule has no `provenance`"},
      {head + "    any: [AI]\n    provenance: []\n", "r.yaml:3: rule 'cluster:ai': rule has no `provenance`"},
      {head + "    any: [AI]\n    provenance: [{seed: s.txt, clause: ''}]\n",
       "r.yaml:5: rule 'cluster:ai': a provenance entry needs a non-empty `seed` and `clause`"},
      {kHead + "    any: [AI]\n  - tag: cluster:blockchain\n    any: [区块链]\n",
       "r.yaml:6: rule 'cluster:blockchain': rule has no `provenance`"},
      // A seed is a file of the seeds directory: a path was opened wherever it led.
      {head + "    any: [AI]\n    provenance: [{seed: /etc/passwd, clause: root}]\n",
       "r.yaml:5: rule 'cluster:ai': `seed: /etc/passwd` is a path"},
      {head + "    any: [AI]\n    provenance: [{seed: ../rules/README.md, clause: rule}]\n",
       "r.yaml:5: rule 'cluster:ai': `seed: ../rules/README.md` is a path"},
      {head + "    any: [AI]\n    provenance: [{seed: '..', clause: x}]\n", "r.yaml:5: rule 'cluster:ai': `seed: ..` is a path"},
  });
}

TEST(RuleLoader, DuplicateKeysAreRejected) {
  ExpectRejected({
      {kHead + "    any: [AI]\n    any: [人工智能]\n",
       "r.yaml:6: rule 'cluster:ai': duplicate key `any` in the rule (first at line 5)"},
      {kHead + "    any: [AI]\n    tag: cluster:blockchain\n", "r.yaml:6: rule 'cluster:ai': duplicate key `tag`"},
      {kHead + "    any: [AI]\n    min_score: 1\n    'min_score': 5\n", "r.yaml:7: rule 'cluster:ai': duplicate key `min_score`"},
      {kHead + "    any: [{kw: AI, kw: ' '}]\n", "r.yaml:5: rule 'cluster:ai': duplicate key `kw` in the keyword"},
      {"version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI]\n    provenance:\n      - {seed: s.txt, clause: c, clause: d}\n",
       "r.yaml:6: rule 'cluster:ai': duplicate key `clause` in the provenance entry"},
      {kHead + "    any: [AI]\nrules: []\n", "r.yaml:6: duplicate top-level key `rules` (first at line 2)"},
      {"version: 1\nversion: 1\nrules: []\n", "r.yaml:2: duplicate top-level key `version`"},
  });
}

// yaml-cpp's Load reads the first document of a stream and drops the rest:
// rules after a `---` were never loaded, and their typos never reported.
// A second document is an error at the line of its `---`, rules and
// labels alike; a `---` opening the one document and a `...` ending it
// are one document.
TEST(RuleLoader, ASecondYamlDocumentIsAnErrorAtItsLine) {
  const std::string second = "version: 1\nrules:\n  - tag: cluster:aii\n    any: [X]\n    bogus: 1\n";
  ExpectRejected({
      {kHead + "    any: [AI]\n---\n" + second, "r.yaml:6:"},
      {kHead + "    any: [AI]\n---\n# a comment\n" + second, "r.yaml:6:"},
      {kHead + "    any: [AI]\n--- " + second, "r.yaml:6:"},
      {"version: 1\nlabels:\n  - {field: ths.tagInfo, name: 芯片, tags: [cluster:semiconductors], reason: r}\n"
       "---\nversion: 1\nlabels:\n  - {field: ths.tagInfo, name: 芯片, tags: [cluster:ai], reason: r}\n",
       "r.yaml:4:"},
  });
  // A leading `---`, a closing `...`, and a trailing `---` with nothing after it hide nothing.
  for (const auto& one : {"---\n" + kHead + "    any: [AI]\n", kHead + "    any: [AI]\n...\n",
                          kHead + "    any: [AI]\n---\n", kHead + "    any: [AI]\n...\n---\n"}) {
    RuleSet set;
    const Status s = Parse(one, &set);
    EXPECT_TRUE(s.ok()) << one << "\n" << s.message();
    EXPECT_EQ(set.rules.size(), 1u);
  }
}

TEST(RuleLoader, ShippedRuleSetLoadsAndEveryRuleHasProvenance) {
  RuleSet set;
  Status s = LoadRuleDir(NEWSFLOW_SOURCE_DIR "/rules/sets", &set);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_GT(set.rules.size(), 200u);
  for (const Rule& r : set.rules) EXPECT_FALSE(r.provenance.empty()) << r.file << ":" << r.line << " " << r.tag;
}

// LoadRuleDir parses the YAML files side by side and joins them in file
// order. The shipped set must come out as parsing the files one after
// another into one set does: the same rules and labels, in the same order.
TEST(RuleLoader, ShippedRuleSetLoadsAsParsingTheFilesInOrder) {
  namespace fs = std::filesystem;
  const fs::path dir = NEWSFLOW_SOURCE_DIR "/rules/sets";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (IsRuleFile(e.path().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 2u);
  RuleSet in_order;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    ASSERT_EQ(f.extension(), ".yaml") << f;  // the shipped set has no watch list
    const Status s = ParseRuleFile(text.str(), f.string(), &in_order);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  RuleSet loaded;
  const Status s = LoadRuleDir(dir.string(), &loaded);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(loaded.rules.size(), in_order.rules.size());
  for (size_t i = 0; i < loaded.rules.size(); ++i) {
    const Rule& a = loaded.rules[i];
    const Rule& b = in_order.rules[i];
    ASSERT_EQ(a.file + ":" + std::to_string(a.line) + " " + a.tag, b.file + ":" + std::to_string(b.line) + " " + b.tag);
    ASSERT_EQ(a.any.size(), b.any.size()) << a.tag;
    for (size_t k = 0; k < a.any.size(); ++k) EXPECT_EQ(a.any[k].text, b.any[k].text) << a.tag;
    EXPECT_EQ(a.all.size(), b.all.size()) << a.tag;
    EXPECT_EQ(a.veto.size(), b.veto.size()) << a.tag;
    EXPECT_EQ(a.except.size(), b.except.size()) << a.tag;
    EXPECT_EQ(a.min_score, b.min_score) << a.tag;
  }
  ASSERT_EQ(loaded.labels.size(), in_order.labels.size());
  for (size_t i = 0; i < loaded.labels.size(); ++i) {
    EXPECT_EQ(loaded.labels[i].file + ":" + std::to_string(loaded.labels[i].line) + " " + loaded.labels[i].name,
              in_order.labels[i].file + ":" + std::to_string(in_order.labels[i].line) + " " + in_order.labels[i].name);
  }
}

// A directory of rule files for the tests below, removed at the end.
class RuleDir {
 public:
  explicit RuleDir(const std::string& name) : dir_(std::filesystem::path(::testing::TempDir()) / name) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~RuleDir() { std::filesystem::remove_all(dir_); }
  void Write(const std::string& file, const std::string& text) const { std::ofstream(dir_ / file) << text; }
  std::string path() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
};

const char kLabelA[] = "  - {field: ths.tagInfo, name: 芯片, tags: [cluster:semiconductors], reason: r}\n";
const char kLabelB[] = "  - {field: ths.tagInfo, name: 机器人, tags: [cluster:robotics], reason: r}\n";

// Each file is parsed alone first; what a file repeats from an earlier one
// is still an error, and the error is the one a parse in file order gives:
// the first offending entry, against the earliest file that has it.
TEST(RuleLoader, ALabelRepeatedFromAnEarlierFileIsReportedAsInOrder) {
  RuleDir d("nf_rule_loader_repeat");
  d.Write("a.yaml", std::string("version: 1\nlabels:\n") + kLabelA);
  // b repeats a's label at line 4, and its own line 3 at line 5: in order,
  // line 4 against a.yaml comes first.
  d.Write("b.yaml", std::string("version: 1\nlabels:\n") + kLabelB + kLabelA + kLabelB);
  RuleSet set;
  const Status s = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("b.yaml:4:"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("a.yaml:3)"), std::string::npos) << s.message();
  EXPECT_TRUE(set.rules.empty() && set.labels.empty());

  // b is valid alone; only the join sees that it repeats a's label.
  d.Write("b.yaml", std::string("version: 1\nlabels:\n") + kLabelB + kLabelA);
  const Status across = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(across.ok());
  EXPECT_NE(across.message().find("b.yaml:4: rule 'label ths.tagInfo 芯片': duplicate label (first at "),
            std::string::npos)
      << across.message();
  EXPECT_NE(across.message().find("a.yaml:3)"), std::string::npos) << across.message();

  // The repeat and a repeat within b on one entry: the earlier file is named.
  d.Write("b.yaml", std::string("version: 1\nlabels:\n") + kLabelB + kLabelB + kLabelA);
  d.Write("a.yaml", std::string("version: 1\nlabels:\n") + kLabelB);
  const Status both = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.message().find("b.yaml:3:"), std::string::npos) << both.message();
  EXPECT_NE(both.message().find("a.yaml:3)"), std::string::npos) << both.message();
}

// Of several broken files, the first in file order is reported, whichever
// finished parsing first; a watch list is checked against every YAML file
// before it.
TEST(RuleLoader, TheFirstBrokenFileInOrderIsReported) {
  RuleDir d("nf_rule_loader_first");
  const std::string ok_rule =
      "version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI]\n    provenance: [{seed: s.txt, clause: c}]\n";
  d.Write("a.yaml", ok_rule);
  for (const char* name : {"c.yaml", "d.yaml", "e.yaml", "f.yaml"})
    d.Write(name, "version: 1\nrules:\n  - tag: cluster:robotics\n    anyy: [机器人]\n");
  d.Write("b.yaml", std::string("version: 1\nlabels:\n") + kLabelA + "  - {field: ths.tagInfo}\n");
  RuleSet set;
  Status s = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("b.yaml:4:"), std::string::npos) << s.message();

  d.Write("b.yaml", std::string("version: 1\nlabels:\n") + kLabelA);
  s = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("c.yaml:4: rule 'cluster:robotics': unknown key `anyy`"), std::string::npos)
      << s.message();

  for (const char* name : {"c.yaml", "d.yaml", "e.yaml", "f.yaml"}) std::filesystem::remove(d.path() + "/" + name);
  d.Write("w.tsv", "watch:acme\tACME\ncluster:ai\tAI\n");
  s = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("w.tsv:2:"), std::string::npos) << s.message();

  d.Write("w.tsv", "watch:acme\tACME\n");
  s = LoadRuleDir(d.path(), &set);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(set.rules.size(), 2u);
  EXPECT_EQ(set.rules[0].tag, "cluster:ai");
  EXPECT_EQ(set.rules[1].tag, "watch:acme");
  EXPECT_EQ(set.labels.size(), 1u);

  // A file that cannot be opened (even by root: /proc/sys/vm/drop_caches is
  // write-only) fails the load at its turn, after an earlier file's error.
  const char kUnreadable[] = "/proc/sys/vm/drop_caches";
  ASSERT_FALSE(std::ifstream(kUnreadable).good()) << kUnreadable << " is readable here; pick another";
  std::filesystem::create_symlink(kUnreadable, d.path() + "/c.yaml");
  d.Write("b.yaml", "version: 1\nlabels: [\n");
  s = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("b.yaml:"), std::string::npos) << s.message();
  d.Write("b.yaml", std::string("version: 1\nlabels:\n") + kLabelA);
  s = LoadRuleDir(d.path(), &set);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("c.yaml"), std::string::npos) << s.message();
}

TEST(RuleLoader, MissingDirectoryIsAnError) {
  RuleSet set;
  Status s = LoadRuleDir("/nonexistent/rules", &set);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/rules"), std::string::npos);
}

}  // namespace
}  // namespace newsflow::rules
