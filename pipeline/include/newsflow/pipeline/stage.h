// stage.h — the interface every processing step implements.
//
// A stage takes a batch and returns it processed. Stages are per worker
// thread (they own their parsers and scratch); the immutable things they share
// (compiled rules, normalizer tables) are passed in by const reference or
// shared_ptr at construction.
#pragma once

#include "newsflow/pipeline/batch.h"

namespace newsflow::pipeline {

class Stage {
 public:
  virtual ~Stage() = default;
  virtual const char* name() const = 0;
  // Processes every item without an error. Never throws on bad data: a bad
  // item gets `error` set and is passed on.
  virtual Batch Process(Batch batch) = 0;
};

}  // namespace newsflow::pipeline
