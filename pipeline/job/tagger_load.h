// tagger_load.h — a Tagger opened on a thread of its own, so that a run can
// open its source and its store and start reading while its rule set loads
// (a start with a 20,000-name watch list spends ~40 ms in Tagger::Open, the
// store's open ~15 ms, and the reader's first batches would wait for both).
//
// Ownership: owns the loading thread and, until Take(), the Tagger.
// Threads: Start() and Take() are called from one thread; Tagger::Open runs
// on the loading thread (it reads the rule files and the rules cache, and
// shares nothing with the caller). Errors: Take() returns Tagger::Open's
// Status, or an Internal one for an exception it threw (bad_alloc: the
// caller has threads running by then, and an exception would unwind past
// them). If no thread can be started, Start() loads on the calling thread.
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "newsflow/base/status.h"
#include "pipeline/job/tagger.h"

namespace newsflow::pipeline {

class TaggerLoad {
 public:
  TaggerLoad() = default;
  TaggerLoad(const TaggerLoad&) = delete;
  TaggerLoad& operator=(const TaggerLoad&) = delete;
  ~TaggerLoad() = default;  // joins a load still running (its result is dropped)

  // Starts loading; at most once. `before` (may be empty) runs on the
  // loading thread first (a test's hold).
  void Start(const TaggerOptions& options, std::function<void()> before = {});
  // Waits for the load. The first call after Start() hands over the tagger
  // (or returns the load's error); every later call returns the same
  // Status and leaves *out alone. Without Start(): OK, *out untouched.
  Status Take(std::shared_ptr<const Tagger>* out);
  bool taken() const { return taken_; }

 private:
  void Load(const TaggerOptions& options, const std::function<void()>& before);

  Status status_;
  std::shared_ptr<const Tagger> tagger_;
  bool started_ = false;
  bool taken_ = false;
  std::jthread thread_;  // last: joined before the members it writes go
};

}  // namespace newsflow::pipeline
