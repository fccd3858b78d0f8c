// normalize_stage.h — step 2: a Document's title and body -> normalized text
// with offset maps back to the original (normalize/normalizer.h).
//
// Ownership: borrows a Normalizer that outlives it (the Tagger owns it).
// Threads: one per worker thread; the Normalizer itself is shared read-only.
// Errors: none; bad bytes are dropped by the normalizer.
#pragma once

#include "pipeline/job/batch.h"
#include "pipeline/normalize/normalizer.h"

namespace newsflow::pipeline {

class NormalizeStage {
 public:
  explicit NormalizeStage(const Normalizer& normalizer) : normalizer_(normalizer) {}
  void Run(Item& it) const;

 private:
  const Normalizer& normalizer_;
};

}  // namespace newsflow::pipeline
