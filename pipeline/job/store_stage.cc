// store_stage.cc — see store_stage.h.
#include "pipeline/job/store_stage.h"

namespace newsflow::pipeline {

Status StoreStage::Process(Batch& batch) {
  if (!batch.prepared_ready) return Status::Internal("store: batch " + std::to_string(batch.seq) + " not prepared");
  batch.prepared_ready = false;
  return store_->Write(batch.prepared).Prefixed("store");
}

}  // namespace newsflow::pipeline
