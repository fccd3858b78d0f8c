// normalize_stage.cc — see normalize_stage.h.
#include "pipeline/job/normalize_stage.h"

namespace newsflow::pipeline {

void NormalizeStage::Run(Item& it) const {
  if (!it.error.empty()) return;
  normalizer_.Normalize(it.doc.title, &it.title_norm);
  normalizer_.Normalize(it.doc.body, &it.body_norm);
}

}  // namespace newsflow::pipeline
