// tag_worker_util.h — a TagWorker over a rules directory, for tests that tag
// texts with two rule sets side by side (the shipped one and a copy).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pipeline/job/tagger.h"

namespace newsflow::testing {

// Opens the rules in `rules_dir` into `*tagger` and returns a worker of it
// (a failure is a test failure, and the worker is then null).
inline std::unique_ptr<pipeline::TagWorker> OpenTagWorker(const std::string& rules_dir,
                                                          std::shared_ptr<const pipeline::Tagger>* tagger) {
  pipeline::TaggerOptions o;
  o.rules_dir = rules_dir;
  EXPECT_TRUE(pipeline::Tagger::Open(o, tagger).ok());
  std::unique_ptr<pipeline::TagWorker> w;
  if (*tagger) {
    EXPECT_TRUE((*tagger)->NewWorker(&w).ok());
  }
  return w;
}

}  // namespace newsflow::testing
