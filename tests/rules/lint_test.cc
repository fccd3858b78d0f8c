// Tests of `rules lint` (lint.h) on small rule sets: which checks report
// what, and how the allow file is read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "newsflow/rules/lint.h"
#include "newsflow/rules/rule_set.h"

namespace newsflow::rules {
namespace {

// yaml-cpp's LoadFile read only the allow file's first document: entries
// after a `---` never explained anything and were never checked.
TEST(Lint, AnAllowFileWithASecondDocumentIsAnErrorAtItsLine) {
  const std::string file = ::testing::TempDir() + "/lint-allow-two-documents.yaml";
  std::ofstream(file) << "- {check: duplicate, keyword: 芯片, why: a}\n---\n- {check: duplicate, keyword: 晶圆, why: b}\n";
  std::vector<LintFinding> findings;
  const Status s = ApplyLintAllowList(file, &findings);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(file + ":2:", 0), 0u) << s.message();
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace newsflow::rules
