// fuzz_watch_list.cc — an arbitrary watch list (*.tsv) through
// ParseWatchList: a list that fails adds no rule; one that parses gives one
// watch:-tagged rule per entity with unique (ASCII-caselessly), non-empty,
// trimmed names holding no line end or TAB, and compiles, with a YAML rule
// beside it, into rules that tag a fixed text and the input itself (where
// names it lists can hit) within the shared invariants.
//
// Bounds as fuzz_rule_loader: inputs over 8 KiB are skipped, as are lists
// with more than 256 names or a name over 256 bytes.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "rules_common.h"

using namespace fuzz_rules;  // NOLINT: the shared helpers and rule types

namespace {

constexpr std::string_view kYaml =
    "version: 1\nrules:\n  - tag: cluster:ai\n    any: [AI, 人工智能]\n    provenance: [{seed: s, clause: c}]\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return -1;
  const std::string_view tsv(reinterpret_cast<const char*>(data), size);
  RuleSet set;
  const newsflow::Status ys = newsflow::rules::ParseRuleFile(kYaml, "fixed.yaml", &set);
  FUZZ_CHECK(ys.ok(), "fixed YAML: %s", ys.ToString().c_str());
  const newsflow::Status s = newsflow::rules::ParseWatchList(tsv, "fuzz.tsv", &set);
  if (!s.ok()) {
    FUZZ_CHECK(!s.message().empty(), "error without a message");
    FUZZ_CHECK(set.rules.size() == 1, "a failed list left %zu rules", set.rules.size());
    return 0;
  }
  std::set<std::string> tags;
  for (size_t i = 1; i < set.rules.size(); ++i) {
    const auto& r = set.rules[i];
    FUZZ_CHECK(r.watch_list && r.tag.rfind("watch:", 0) == 0, "rule %zu: tag '%s'", i, r.tag.c_str());
    FUZZ_CHECK(tags.insert(r.tag).second, "tag '%s' twice", r.tag.c_str());
    FUZZ_CHECK(!r.any.empty() && r.all.empty() && r.veto.empty(), "rule %zu: %zu names", i, r.any.size());
    std::set<std::string> names;
    for (const auto& k : r.any) {
      FUZZ_CHECK(!k.text.empty() && k.text.find_first_of("\t\r\n") == std::string::npos && k.text.front() != ' ' &&
                     k.text.back() != ' ',
                 "name '%s'", k.text.c_str());
      std::string caseless = k.text;
      for (char& c : caseless)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      FUZZ_CHECK(names.insert(caseless).second, "name '%s' twice on one line", k.text.c_str());
    }
  }
  if (!WithinBounds(set)) return 0;
  std::shared_ptr<const CompiledRules> cr;
  const newsflow::Status cs = CompiledRules::Compile(set, &cr);
  FUZZ_CHECK(cs.ok(), "a parsed watch list does not compile: %s", cs.ToString().c_str());
  std::unique_ptr<ScanScratch> scratch;
  const newsflow::Status ss = cr->NewScratch(&scratch);
  FUZZ_CHECK(ss.ok(), "NewScratch: %s", ss.ToString().c_str());
  for (const std::string_view text : {kText, tsv}) {
    std::vector<TagMatch> out;
    const newsflow::Status ts = cr->Tag(text, static_cast<uint32_t>(text.size() / 2), scratch.get(), &out);
    FUZZ_CHECK(ts.ok(), "Tag: %s", ts.ToString().c_str());
    CheckTags(*cr, text, out);
  }
  return 0;
}
