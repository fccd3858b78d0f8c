// tagger.cc — see tagger.h.
#include "pipeline/job/tagger.h"

#include <cstdlib>

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
  rules::RuleSet set;
  NEWSFLOW_RETURN_IF_ERROR(rules::LoadRuleDir(options.rules_dir, &set).Prefixed("rules"));
  return FromRuleSet(set, options, out);
}

Status Tagger::FromRuleSet(const rules::RuleSet& set, const TaggerOptions& options,
                           std::shared_ptr<const Tagger>* out) {
  std::shared_ptr<Tagger> t(new Tagger());
  rules::CompileOptions compile;
  compile.cache_dir = options.rules_cache_dir;
  NEWSFLOW_RETURN_IF_ERROR(rules::CompiledRules::Compile(set, options.evaluate, compile, &t->rules_).Prefixed("rules"));
  NEWSFLOW_RETURN_IF_ERROR(Normalizer::Create(options.normalizer, &t->normalizer_));
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
