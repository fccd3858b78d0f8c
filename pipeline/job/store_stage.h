// store_stage.h — step 6: a prepared batch -> one atomic store write
// (documents, index entries, dead letters, offsets: one RocksDB WriteBatch).
//
// Ownership: borrows the Store. Threads: the single writer thread only.
// Errors: Status from the store; a batch that PrepareStage did not prepare is
// a programming error reported as Internal, never silently prepared again.
#pragma once

#include "newsflow/storage/store.h"
#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

class StoreStage {
 public:
  explicit StoreStage(storage::Store* store) : store_(store) {}
  Status Process(Batch& batch);

 private:
  storage::Store* store_;
};

}  // namespace newsflow::pipeline
