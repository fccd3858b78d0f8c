// `newsflow rules lint` over a copy of the shipped rules with one rule
// added: what a rules author adding a keyword is told.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::CopyRules;
using testing::Newsflow;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

// The lines of `out` that report an unexplained finding of `check`.
std::vector<std::string> Unexplained(const std::string& out, const std::string& check) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(check + ": ", 0) == 0) lines.push_back(line);
  return lines;
}

// Documents are matched normalized (traditional Chinese converted to
// simplified, full-width ASCII folded, ASCII caselessly): 晶圓 in a new rule
// hits every 晶圆 that cluster:semiconductors' keyword hits. Lint compared
// the keywords as written and passed it, while the reload gate (which lints
// the compiled set, simplified spellings added) refused it.
TEST(RulesLintCli, KeywordsAreDuplicatesAfterNormalization) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp);
  std::ofstream(rules + "/zz.yaml") << "version: 1\nrules:\n  - tag: project:rt-wafer\n    any: [晶圓]\n"
                                       "    provenance:\n      - seed: 000_1fa3d0f570f714d3.txt\n"
                                       "        clause: \"开展数字货币研究与移动支付等创新应用\"\n";
  const auto r = RunShell(Newsflow() + " rules lint --rules " + rules + " --seeds " + SourcePath("seeds"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto duplicates = Unexplained(r.out, "duplicate");
  ASSERT_EQ(duplicates.size(), 1u) << r.out;
  EXPECT_NE(duplicates[0].find("project:rt-wafer"), std::string::npos) << duplicates[0];
  EXPECT_NE(duplicates[0].find("cluster:semiconductors"), std::string::npos) << duplicates[0];
}

// A regex that does not compile, or matches the empty text, parses: lint
// said "0 findings" (exit 0) for a set that `rules check`, a run and a
// reload refuse. Lint now fails with check's message, naming the line.
TEST(RulesLintCli, ARuleSetThatDoesNotCompileFailsLint) {
  for (const std::string regex : {"'(芯片'", "'a*'"}) {
    TempDir tmp;
    const std::string rules = CopyRules(tmp);
    std::ofstream(rules + "/zz.yaml") << "version: 1\nrules:\n  - tag: project:rt-bad\n    any: [宽禁带]\n"
                                         "    regex: [" << regex << "]\n"
                                         "    provenance:\n      - seed: 000_1fa3d0f570f714d3.txt\n"
                                         "        clause: \"开展数字货币研究与移动支付等创新应用\"\n";
    const auto check = RunShell(Newsflow() + " rules check --rules " + rules);
    ASSERT_EQ(check.exit_code, 1) << regex << check.out;
    const auto r = RunShell(Newsflow() + " rules lint --rules " + rules + " --seeds " + SourcePath("seeds"));
    EXPECT_EQ(r.exit_code, 1) << regex << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find("zz.yaml:5:"), std::string::npos) << r.err;
  }
}

// A label entry applies only to labels of its field, which the feeds write
// as ths.tagInfo, cls.subjects and cls.plate_list (or a field map's `as`):
// `ths.taginfo` never applied, and nothing said so.
TEST(RulesLintCli, ALabelFieldNoFeedWritesIsReported) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp);
  std::ofstream(rules + "/zz.yaml") << "version: 1\nlabels:\n  - field: ths.taginfo\n    name: 光刻胶概念\n"
                                       "    tags: [cluster:semiconductors]\n    reason: photoresist\n";
  const auto r = RunShell(Newsflow() + " rules lint --rules " + rules + " --seeds " + SourcePath("seeds"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto unknown = Unexplained(r.out, "unknown-field");
  ASSERT_EQ(unknown.size(), 1u) << r.out;
  EXPECT_NE(unknown[0].find("zz.yaml:3:"), std::string::npos) << unknown[0];
  EXPECT_NE(unknown[0].find("ths.tagInfo"), std::string::npos) << "lists the known fields: " << unknown[0];
}

// A regex is matched against normalized text, which holds no traditional
// character, and it gets no simplified spelling beside it as a keyword
// does: `第[三3]代半導體` never matched, and check, lint and the reload gate
// took it. Lint reports it, at its line; the simplified regex is not.
TEST(RulesLintCli, ARegexHoldingTraditionalCharactersIsReported) {
  TempDir tmp;
  const std::string rules = CopyRules(tmp);
  std::ofstream(rules + "/zz.yaml") << "version: 1\nrules:\n  - tag: project:rt-gen3\n    any: [宽禁带]\n"
                                       "    regex: ['第[三3]代半導體', '(積體|集成)电路']\n"
                                       "    provenance:\n      - seed: 000_1fa3d0f570f714d3.txt\n"
                                       "        clause: \"开展数字货币研究与移动支付等创新应用\"\n";
  const auto r = RunShell(Newsflow() + " rules lint --rules " + rules + " --seeds " + SourcePath("seeds"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto traditional = Unexplained(r.out, "traditional-regex");
  // (積體|集成)电路: the traditional alternative beside the simplified one can
  // never match either.
  ASSERT_EQ(traditional.size(), 2u) << r.out;
  for (const std::string simplified : {"第[三3]代半导体", "(积体|集成)电路"}) {
    const auto it = std::find_if(traditional.begin(), traditional.end(),
                                 [&](const std::string& l) { return l.find(simplified) != std::string::npos; });
    ASSERT_NE(it, traditional.end()) << "names the simplified form " << simplified << ":\n" << r.out;
    EXPECT_NE(it->find("zz.yaml:5:"), std::string::npos) << *it;
  }

  std::ofstream(rules + "/zz.yaml", std::ios::trunc)
      << "version: 1\nrules:\n  - tag: project:rt-gen3\n    any: [宽禁带]\n    regex: ['第[三3]代半导体']\n"
         "    provenance:\n      - seed: 000_1fa3d0f570f714d3.txt\n"
         "        clause: \"开展数字货币研究与移动支付等创新应用\"\n";
  const auto simplified = RunShell(Newsflow() + " rules lint --rules " + rules + " --seeds " + SourcePath("seeds"));
  EXPECT_TRUE(Unexplained(simplified.out, "traditional-regex").empty()) << simplified.out;
}

}  // namespace
}  // namespace newsflow::pipeline
