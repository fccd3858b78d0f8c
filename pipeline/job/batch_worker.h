// batch_worker.h — the worker-thread half of the stage path for one batch:
// decode -> normalize -> match -> evaluate -> story sketch -> prepare. The
// writer half (story assignment, store, sinks) is the Runner's.
//
// Ownership: owns its DecodeStage and TagWorker (simdjson parser, Hyperscan
// scratch); shares the Tagger. A worker built on CurrentRules switches to a
// reloaded rule set at the start of a batch. Threads: one BatchWorker per
// worker thread.
// Errors: bad items get Item::error and become dead letters in the prepared
// write; Create() fails only if Hyperscan cannot allocate a scratch.
#pragma once

#include <chrono>
#include <memory>

#include "pipeline/job/batch.h"
#include "pipeline/job/current_rules.h"
#include "pipeline/job/decode_stage.h"
#include "pipeline/job/prepare_stage.h"
#include "pipeline/job/tagger.h"

namespace newsflow::pipeline {

class BatchWorker {
 public:
  // `sketch_stories`: build each item's story sketch (off when the run
  // assigns no story ids).
  static Status Create(const std::shared_ptr<const Tagger>& tagger, const FormatSpec& format,
                       const DecoderOptions& decoder, bool sketch_stories, std::unique_ptr<BatchWorker>* out);
  // The same, following `rules` (which must outlive the worker).
  static Status Create(const CurrentRules* rules, const FormatSpec& format, const DecoderOptions& decoder,
                       bool sketch_stories, std::unique_ptr<BatchWorker>* out);

  // Seconds the last Process() spent per step (for newsflow_stage_seconds).
  struct StepSeconds {
    double decode = 0, tag = 0, prepare = 0;  // tag: normalize, match, evaluate, story sketch
  };

  // Runs every step up to prepare on every item of the batch; with
  // `seconds`, also times the steps (no clock is read without it).
  void Process(Batch& batch, StepSeconds* seconds = nullptr) {
    using Clock = std::chrono::steady_clock;
    if (rules_ && rules_->generation() != generation_) Follow();
    const bool timed = seconds != nullptr;
    Clock::duration decode{}, tag{};
    Clock::time_point t0, t1;
    for (Item& it : batch.items) {
      if (timed) t0 = Clock::now();
      decode_.Run(it);
      if (timed) t1 = Clock::now();
      tag_->Tag(it);
      if (sketch_stories_ && it.error.empty())
        BuildStorySketch(it.title_norm.text, it.body_norm.text, &it.sketch, it.doc.stock_codes);
      if (timed) {
        decode += t1 - t0;
        tag += Clock::now() - t1;
      }
    }
    const auto t2 = timed ? Clock::now() : Clock::time_point{};
    prepare_.Process(batch);
    if (timed) {
      seconds->decode = std::chrono::duration<double>(decode).count();
      seconds->tag = std::chrono::duration<double>(tag).count();
      seconds->prepare = std::chrono::duration<double>(Clock::now() - t2).count();
    }
  }

 private:
  BatchWorker(const FormatSpec& format, const DecoderOptions& decoder, std::unique_ptr<TagWorker> tag,
              std::shared_ptr<const rules::CompiledRules> rules)
      : decode_(format, decoder), tag_(std::move(tag)), prepare_(std::move(rules)) {}
  // Switches to the current rule set (a new scratch, a new rule set for records).
  // If a scratch cannot be allocated the worker keeps tagging with the old set.
  void Follow();

  bool sketch_stories_ = true;
  const CurrentRules* rules_ = nullptr;
  uint64_t generation_ = 0;
  DecodeStage decode_;
  std::unique_ptr<TagWorker> tag_;
  PrepareStage prepare_;
};

}  // namespace newsflow::pipeline
