// batch_worker.cc — see batch_worker.h.
#include "pipeline/job/batch_worker.h"

namespace newsflow::pipeline {

Status BatchWorker::Create(const std::shared_ptr<const Tagger>& tagger, const FormatSpec& format,
                           const DecoderOptions& decoder, bool sketch_stories, std::unique_ptr<BatchWorker>* out) {
  std::unique_ptr<TagWorker> tag;
  NEWSFLOW_RETURN_IF_ERROR(tagger->NewWorker(&tag));
  out->reset(new BatchWorker(format, decoder, std::move(tag), tagger->compiled()));
  (*out)->sketch_stories_ = sketch_stories;
  return Status::OK();
}

Status BatchWorker::Create(const CurrentRules* rules, const FormatSpec& format, const DecoderOptions& decoder,
                           bool sketch_stories, std::unique_ptr<BatchWorker>* out) {
  const uint64_t generation = rules->generation();
  NEWSFLOW_RETURN_IF_ERROR(Create(rules->Get(), format, decoder, sketch_stories, out));
  (*out)->rules_ = rules;
  (*out)->generation_ = generation;
  return Status::OK();
}

void BatchWorker::Follow() {
  const uint64_t generation = rules_->generation();
  const std::shared_ptr<const Tagger> tagger = rules_->Get();
  std::unique_ptr<TagWorker> tag;
  if (!tagger->NewWorker(&tag).ok()) return;  // out of memory for a scratch: try again next batch
  tag_ = std::move(tag);
  prepare_ = PrepareStage(tagger->compiled());
  generation_ = generation;
}

}  // namespace newsflow::pipeline
