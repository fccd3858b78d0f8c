// batch_worker.cc — see batch_worker.h.
#include "pipeline/job/batch_worker.h"

namespace newsflow::pipeline {

Status BatchWorker::Create(const std::shared_ptr<const Tagger>& tagger, const FormatSpec& format,
                           const DecoderOptions& decoder, bool sketch_stories, std::unique_ptr<BatchWorker>* out) {
  std::unique_ptr<TagWorker> tag;
  NEWSFLOW_RETURN_IF_ERROR(tagger->NewWorker(&tag));
  out->reset(new BatchWorker(format, decoder, std::move(tag), tagger->version()));
  (*out)->sketch_stories_ = sketch_stories;
  return Status::OK();
}

}  // namespace newsflow::pipeline
