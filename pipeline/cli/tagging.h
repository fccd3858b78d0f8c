// tagging.h — the rules, normalizer and stages the offline commands (rules
// explain/coverage, eval) need to tag texts exactly as `newsflow run` does.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "newsflow/pipeline/stages.h"
#include "newsflow/rules/compiled_rules.h"

namespace newsflow::cli {

struct OfflineTagger {
  std::shared_ptr<const rules::CompiledRules> rules;
  std::unique_ptr<pipeline::Normalizer> normalizer;
  std::unique_ptr<pipeline::NormalizeStage> normalize;
  std::unique_ptr<pipeline::MatchStage> match;

  // Loads and compiles the rules; prints the error and returns false.
  bool Open(const std::string& rules_dir, const char* who) {
    rules::RuleSet set;
    if (auto s = rules::LoadRuleDir(rules_dir, &set); !s.ok()) {
      std::fprintf(stderr, "%s: %s\n", who, s.message().c_str());
      return false;
    }
    if (auto s = rules::CompiledRules::Compile(set, &rules); !s.ok()) {
      std::fprintf(stderr, "%s: %s\n", who, s.message().c_str());
      return false;
    }
    try {
      normalizer = std::make_unique<pipeline::Normalizer>();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: normalizer: %s\n", who, e.what());
      return false;
    }
    normalize = std::make_unique<pipeline::NormalizeStage>(*normalizer);
    match = std::make_unique<pipeline::MatchStage>(rules);
    return true;
  }

  // Normalizes and tags a batch of decoded items.
  pipeline::Batch Tag(pipeline::Batch b) { return match->Process(normalize->Process(std::move(b))); }

  // Tags one title/body pair.
  pipeline::Item TagText(std::string title, std::string body) {
    pipeline::Batch b;
    b.items.emplace_back();
    b.items[0].doc.title = std::move(title);
    b.items[0].doc.body = std::move(body);
    b = Tag(std::move(b));
    return std::move(b.items[0]);
  }
};

}  // namespace newsflow::cli
