// prepare_stage.h — step 5: a tagged batch -> the encoded store write
// (records, dead letters, offsets) in Batch::prepared, on a worker thread, so
// the single writer only talks to RocksDB.
//
// Ownership: holds a copy of the rule set version it stamps on records.
// Threads: one per worker thread. Errors: a record the store would refuse
// (an empty key) is turned into a dead letter with the reason.
#pragma once

#include <string>

#include "newsflow/storage/store.h"
#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

// The record the store keeps for a processed item, and the dead letter for a
// failed one.
storage::Record ToRecord(const Item& item, const std::string& ruleset_version);
storage::DeadLetter ToDeadLetter(const Item& item);

class PrepareStage {
 public:
  explicit PrepareStage(std::string ruleset_version) : ruleset_version_(std::move(ruleset_version)) {}
  void Process(Batch& batch) const;

 private:
  std::string ruleset_version_;
};

}  // namespace newsflow::pipeline
