// tagger.cc — see tagger.h.
#include "pipeline/job/tagger.h"

#include <cstdlib>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "pipeline/job/simplified_spelling.h"
#include "pipeline/log/logger.h"

namespace newsflow::pipeline {

std::string DefaultRulesCacheDir() {
  if (const char* env = std::getenv("NEWSFLOW_RULES_CACHE")) {
    const std::string dir = env;
    return dir == "off" ? std::string() : dir;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/newsflow/hyperscan";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/newsflow/hyperscan";
  return {};
}

Status Tagger::Open(const TaggerOptions& options, std::shared_ptr<const Tagger>* out) {
  // The normalizer (OpenCC's dictionaries and the conversion table, ~10 ms)
  // does not depend on the rules: it is built on a thread of its own while
  // the rule files parse (yaml-cpp, ~45 ms of CPU for the shipped set, its
  // files side by side: LoadRuleDir; read from the rules cache instead when
  // the files are those of a cached parse), which takes it off every start
  // and every reload.
  std::unique_ptr<Normalizer> normalizer;
  Status normalizer_status;
  std::exception_ptr normalizer_exception;  // thrown on the thread (bad_alloc): rethrown here, as before
  rules::RuleSet set;
  Status loaded;
  std::string rules_cache_note;
  {
    std::jthread builder;  // joins when it goes out of scope, also on an exception
    try {
      builder = std::jthread([&] {
        try {
          normalizer_status = Normalizer::Create(options.normalizer, &normalizer);
        } catch (...) {
          normalizer_exception = std::current_exception();
        }
      });
    } catch (const std::system_error&) {  // no thread to be had: built below, after the rules
    }
    loaded = rules::LoadRuleDir(options.rules_dir, &set, options.rules_cache_dir, &rules_cache_note).Prefixed("rules");
    if (!builder.joinable()) normalizer_status = Normalizer::Create(options.normalizer, &normalizer);
  }
  NEWSFLOW_RETURN_IF_ERROR(loaded);
  if (rules_cache_note == "hit" || rules_cache_note == "miss")
    LogDebug("rules", "parsed rule set: " + std::string(rules_cache_note == "hit" ? "read from the cache" : "parsed (not cached yet)"));
  else if (!rules_cache_note.empty())
    LogWarn("rules", "parsed rule set cache: " + rules_cache_note);
  if (normalizer_exception) std::rethrow_exception(normalizer_exception);
  NEWSFLOW_RETURN_IF_ERROR(normalizer_status);
  return Build(std::move(set), std::move(normalizer), options, out);
}

namespace {

// Keywords written in traditional Chinese (騰訊控股 pasted from a Hong Kong
// source into a watch list, 機器學習 into a rule file) would never hit a
// traditional document, which the normalizer converts to simplified before
// matching, nor a simplified one. Such a keyword gets its converted spelling
// beside it, in the same list (`any`, an `all` group, `not`, `except`), with
// its case rule; the original stays: a simplified item may keep a brand's
// traditional character, as 华为乾崑 does.
void AddSimplifiedSpellings(const Normalizer& normalizer, bool convert_traditional, rules::RuleSet* set) {
  if (!convert_traditional) return;
  auto add_to = [&](std::vector<rules::Keyword>* list) {
    const size_t written = list->size();
    // The list's spellings, gathered at its first keyword whose simplified
    // spelling differs (a keyword already simplified is its own): a desk's
    // rule can list thousands of names, and searching the list for each
    // one's spelling took 0.19 s of every start for 20,000 in one `any`.
    std::unordered_set<std::string> texts;
    for (size_t i = 0; i < written; ++i) {
      const rules::Keyword& k = (*list)[i];
      // A regex is left alone (simplified_spelling.h says what else is).
      if (k.regex) continue;
      std::string simplified = SimplifiedSpelling(normalizer, k.text);
      if (simplified == k.text) continue;
      if (texts.empty())
        for (const rules::Keyword& other : *list) texts.insert(other.text);
      if (!texts.insert(simplified).second) continue;  // the list holds it
      list->push_back({std::move(simplified), k.case_sensitive, false, k.line});
    }
  };
  for (rules::Rule& r : set->rules) {
    add_to(&r.any);
    for (auto& group : r.all) add_to(&group);
    add_to(&r.veto);
    add_to(&r.except);
  }
}

}  // namespace

Status Tagger::FromRuleSet(rules::RuleSet set, const TaggerOptions& options, std::shared_ptr<const Tagger>* out) {
  std::unique_ptr<Normalizer> normalizer;
  NEWSFLOW_RETURN_IF_ERROR(Normalizer::Create(options.normalizer, &normalizer));
  return Build(std::move(set), std::move(normalizer), options, out);
}

Status Tagger::Build(rules::RuleSet set, std::unique_ptr<Normalizer> normalizer, const TaggerOptions& options,
                     std::shared_ptr<const Tagger>* out) {
  std::shared_ptr<Tagger> t(new Tagger());
  rules::CompileOptions compile;
  compile.cache_dir = options.rules_cache_dir;
  t->normalizer_ = std::move(normalizer);
  AddSimplifiedSpellings(*t->normalizer_, options.normalizer.convert_traditional, &set);
  NEWSFLOW_RETURN_IF_ERROR(
      rules::CompiledRules::Compile(std::move(set), options.evaluate, compile, &t->rules_).Prefixed("rules"));
  *out = std::move(t);
  return Status::OK();
}

Status Tagger::NewWorker(std::unique_ptr<TagWorker>* out) const {
  std::unique_ptr<rules::ScanScratch> scratch;
  NEWSFLOW_RETURN_IF_ERROR(rules_->NewScratch(&scratch));
  out->reset(new TagWorker(shared_from_this(), std::move(scratch)));
  return Status::OK();
}

TagWorker::TagWorker(std::shared_ptr<const Tagger> tagger, std::unique_ptr<rules::ScanScratch> scratch)
    : tagger_(std::move(tagger)),
      scratch_(std::move(scratch)),
      normalize_(tagger_->normalizer()),
      match_(tagger_->rules(), scratch_.get()),
      evaluate_(tagger_->rules(), scratch_.get()) {}

Item TagWorker::TagText(std::string title, std::string body, std::vector<FeedLabel> labels) {
  Item it;
  it.doc.title = std::move(title);
  it.doc.body = std::move(body);
  it.doc.labels = std::move(labels);
  Tag(it);
  return it;
}

}  // namespace newsflow::pipeline
