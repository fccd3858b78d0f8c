// stages.h — the concrete stages: decode, normalize, match, store.
#pragma once

#include <memory>

#include "newsflow/pipeline/decoder.h"
#include "newsflow/pipeline/normalizer.h"
#include "newsflow/pipeline/stage.h"
#include "newsflow/rules/compiled_rules.h"
#include "newsflow/storage/store.h"

namespace newsflow::pipeline {

// raw JSON line -> Document (simdjson, per-thread parser).
class DecodeStage : public Stage {
 public:
  DecodeStage(const FormatSpec& spec, const DecoderOptions& options) : decoder_(spec, options) {}
  const char* name() const override { return "decode"; }
  Batch Process(Batch batch) override;

 private:
  Decoder decoder_;
};

// Document title/body -> normalized text with offset maps.
class NormalizeStage : public Stage {
 public:
  explicit NormalizeStage(const Normalizer& normalizer) : normalizer_(normalizer) {}
  const char* name() const override { return "normalize"; }
  Batch Process(Batch batch) override;

 private:
  const Normalizer& normalizer_;
};

// Normalized text -> tags with scores and original-offset spans. One
// Hyperscan scan per document over `title '\n' body`.
class MatchStage : public Stage {
 public:
  explicit MatchStage(std::shared_ptr<const rules::CompiledRules> rules);
  const char* name() const override { return "match"; }
  Batch Process(Batch batch) override;

 private:
  std::shared_ptr<const rules::CompiledRules> rules_;
  std::unique_ptr<rules::ScanScratch> scratch_;
  std::string text_;                       // reused scan buffer
  std::vector<rules::TagMatch> matches_;   // reused
};

// Converts a processed item into the record the store keeps.
storage::Record ToRecord(const Item& item, const std::string& ruleset_version);
storage::DeadLetter ToDeadLetter(const Item& item);

// Items -> the encoded store write (records, dead letters, offsets), on a
// worker thread, so the single writer only talks to RocksDB.
class PrepareStage : public Stage {
 public:
  explicit PrepareStage(std::string ruleset_version) : ruleset_version_(std::move(ruleset_version)) {}
  const char* name() const override { return "prepare"; }
  Batch Process(Batch batch) override;

 private:
  std::string ruleset_version_;
};

// Batch -> one atomic store write (documents, dead letters, offsets). Single
// writer thread. Prepares the batch itself if no PrepareStage ran.
class StoreStage : public Stage {
 public:
  StoreStage(storage::Store* store, std::string ruleset_version)
      : store_(store), prepare_(std::move(ruleset_version)) {}
  const char* name() const override { return "store"; }
  // On a store failure the batch comes back with `status` set (see below).
  Batch Process(Batch batch) override;
  const storage::Status& status() const { return status_; }

 private:
  storage::Store* store_;
  PrepareStage prepare_;
  storage::Status status_;
};

}  // namespace newsflow::pipeline
