// decode_stage.cc — see decode_stage.h.
#include "pipeline/job/decode_stage.h"

namespace newsflow::pipeline {

void DecodeStage::Run(Item& it) {
  if (!it.error.empty()) return;
  if (Status s = decoder_.Decode(it.raw, &it.doc); !s.ok()) it.error = s.message();
}

}  // namespace newsflow::pipeline
