// fuzz_rule_loader.cc — an arbitrary rule file through ParseRuleFile, and a
// file that parses through CompiledRules::Compile, NewScratch and Tag (of a
// fixed text and of the input itself, so keywords the file lists do hit),
// with the set's own label table entries (and a name no entry has) as the
// document's feed labels, so label evidence is evaluated too. Where the
// lines alone say the file is one YAML document (OneDocumentByItsLines, which
// spares the loader its event parse) and yaml-cpp reads it, the event parse
// must find no second document either.
//
// Bounds, so that a run measures the loader and not Hyperscan's compiler on
// pathological patterns: inputs over 8 KiB are skipped, as are parsed sets
// with more than 256 keywords, a keyword over 256 bytes, more than 4 regexes,
// a regex over 32 bytes, or a regex with a bounded repeat `{` (x{1000} is
// tiny and expensive to compile).
#include <memory>
#include <vector>

#include "newsflow/rules/yaml_document.h"
#include "rules_common.h"

using namespace fuzz_rules;  // NOLINT: the shared helpers and rule types

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return -1;
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  if (newsflow::rules::OneDocumentByItsLines(yaml)) {
    bool loads = true;
    try {
      YAML::Load(std::string(yaml));
    } catch (const YAML::Exception&) {
      loads = false;
    }
    if (loads) {
      const newsflow::Status events = newsflow::rules::SecondDocumentByEvents(yaml, "fuzz.yaml");
      FUZZ_CHECK(events.ok(), "the lines say one document, the events say: %s", events.ToString().c_str());
    }
  }
  RuleSet set;
  const newsflow::Status s = newsflow::rules::ParseRuleFile(yaml, "fuzz.yaml", &set);
  if (!s.ok()) {
    FUZZ_CHECK(!s.message().empty(), "error without a message");
    return 0;
  }
  if (!WithinBounds(set)) return 0;
  std::shared_ptr<const CompiledRules> cr;
  if (!CompiledRules::Compile(set, &cr).ok()) return 0;
  FUZZ_CHECK(cr != nullptr, "Compile returned OK without rules");
  std::unique_ptr<ScanScratch> scratch;
  const newsflow::Status ss = cr->NewScratch(&scratch);
  FUZZ_CHECK(ss.ok(), "NewScratch: %s", ss.ToString().c_str());
  std::vector<TagMatch> tags;
  const auto title_end = static_cast<uint32_t>(kText.find('\n'));
  const newsflow::Status ts = cr->Tag(kText, title_end, scratch.get(), &tags);
  FUZZ_CHECK(ts.ok(), "Tag: %s", ts.ToString().c_str());
  CheckTags(*cr, kText, tags);
  tags.clear();
  const newsflow::Status ts2 = cr->Tag(yaml, static_cast<uint32_t>(size / 2), scratch.get(), &tags);
  FUZZ_CHECK(ts2.ok(), "Tag: %s", ts2.ToString().c_str());
  CheckTags(*cr, yaml, tags);
  std::vector<newsflow::rules::DocLabel> labels;
  for (size_t i = 0; i < set.labels.size() && i < 16; ++i) {
    labels.push_back({set.labels[i].field, set.labels[i].name});
    if (i % 3 == 0) labels.push_back(labels.back());  // a repeated label counts once
  }
  labels.push_back({"ths.tagInfo", "no such label"});
  tags.clear();
  const newsflow::Status ts3 = cr->Tag(kText, title_end, labels, scratch.get(), &tags);
  FUZZ_CHECK(ts3.ok(), "Tag: %s", ts3.ToString().c_str());
  CheckTags(*cr, kText, tags, labels.size());
  return 0;
}
