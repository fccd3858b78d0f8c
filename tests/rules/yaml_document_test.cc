// The second-document check of LoadOneYamlDocument has two halves: the
// lines (cheap, may say "unsure") and the events (a second parse). Every
// YAML file the project ships must be settled by its lines, or start-up
// parses it twice; where the lines settle it, the events agree; and what
// the lines cannot settle is left to the events, which still find the
// second document.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "newsflow/rules/yaml_document.h"

namespace newsflow::rules {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// (The lint allow file, a short sequence, is left to the events.)
TEST(YamlDocument, EveryShippedRuleAndEvalFileIsOneDocumentByItsLines) {
  std::vector<fs::path> files;
  for (const char* dir : {"/rules/sets", "/tests/eval"})
    for (const auto& e : fs::directory_iterator(std::string(NEWSFLOW_SOURCE_DIR) + dir))
      if (e.path().extension() == ".yaml") files.push_back(e.path());
  ASSERT_GE(files.size(), 9u);
  for (const auto& f : files) {
    const std::string text = ReadFile(f);
    EXPECT_TRUE(OneDocumentByItsLines(text)) << f;
    EXPECT_TRUE(SecondDocumentByEvents(text, f.string()).ok()) << f;
    YAML::Node node;
    EXPECT_TRUE(LoadOneYamlDocument(text, f.string(), &node).ok()) << f;
  }
}

TEST(YamlDocument, WhatTheLinesCannotSettleIsLeftToTheEvents) {
  const std::string head = "version: 1\nrules: []\n";
  // Each holds a second document with content; the lines must not call
  // any of them one document, and the loader must refuse each.
  const std::vector<std::string> two = {
      head + "---\nversion: 2\n",
      head + "...\nversion: 2\n",
      head + "%YAML 1.2\n---\nversion: 2\n",
      "version: 1\rrules: []\r---\rversion: 2\r",
      "[1]\n[2]\n",                                 // a flow collection at the top
      "--- a: 1\n--- b: 2\n",
      "- a\nb\n",  // a line at a sequence's column without `- ` ends it (the fuzzer's find)
      // A red-team pass's finds: a tab before `#` starts a comment too, so
      // the first line is no key; to yaml-cpp 0.7 a CR alone breaks no line.
      "rules\t# see: docs\nversion: 1\n",
      " \rversion: 1\nrules: [x]\n",  // Load gives the map {"\rversion": 1}
      "#\ra:\n-\na\n",
      "version:\r  # v\nrules: []\n",
  };
  for (const auto& text : two) {
    EXPECT_FALSE(OneDocumentByItsLines(text)) << text;
    EXPECT_FALSE(SecondDocumentByEvents(text, "t.yaml").ok()) << text;
    YAML::Node node;
    EXPECT_FALSE(LoadOneYamlDocument(text, "t.yaml", &node).ok()) << text;
  }
  // Unsure, one document all the same: the events say so.
  for (const std::string& text : std::vector<std::string>{"---\n" + head, "  version: 1\n", "\xEF\xBB\xBFversion: 1\n",
                                                         "plain scalar\n", "{a: 1}\n"}) {
    EXPECT_FALSE(OneDocumentByItsLines(text)) << text;
    YAML::Node node;
    EXPECT_TRUE(LoadOneYamlDocument(text, "t.yaml", &node).ok()) << text;
  }
  EXPECT_FALSE(OneDocumentByItsLines(std::string("a: 1\n\0", 6)));  // NUL: yaml-cpp may read UTF-16
  // A NUL byte is refused at its line: yaml-cpp read up to it and dropped
  // the rest of a subscription body without a word, or called what
  // followed it in a rule file a bad escape.
  using namespace std::string_literals;  // "..."s keeps the NUL inside
  for (const auto& [text, where] : {std::pair{"any: [cluster:ai]\n\0garbage"s, "t.yaml:2: a NUL byte"},
                                    std::pair{"version: 1\nrules: []\n\0x: [\n"s, "t.yaml:3: a NUL byte"}}) {
    YAML::Node node;
    const Status s = LoadOneYamlDocument(text, "t.yaml", &node);
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_NE(s.message().find(where), std::string::npos) << s.message();
  }
  // UTF-16 with its byte-order mark ("Unicode" in an editor) is full of NUL
  // bytes and yaml-cpp decodes it: still loaded.
  std::string utf16 = "\xFF\xFE";
  for (const char c : std::string("version: 1\nrules: []\n")) utf16 += std::string{c, '\0'};
  YAML::Node wide;
  ASSERT_TRUE(LoadOneYamlDocument(utf16, "t.yaml", &wide).ok());
  EXPECT_EQ(wide["version"].as<int>(), 1);
  // Settled by the lines: comments and blank lines before the first key,
  // CRLF line ends, a sequence inside the mapping.
  for (const std::string& text :
       std::vector<std::string>{"# c\n\n" + head, "version: 1\r\nrules: []\r\n", "a:\n- x\n- y\nb: 1\n"})
    EXPECT_TRUE(OneDocumentByItsLines(text)) << text;
}

}  // namespace
}  // namespace newsflow::rules
