// tagger_load.cc — see tagger_load.h.
#include "pipeline/job/tagger_load.h"

#include <exception>
#include <string>
#include <system_error>

#include "newsflow/base/thread_name.h"

namespace newsflow::pipeline {

void TaggerLoad::Load(const TaggerOptions& options, const std::function<void()>& before) {
  try {
    if (before) before();
    status_ = Tagger::Open(options, &tagger_);
  } catch (const std::exception& e) {
    status_ = Status::Internal(std::string("loading the rules: ") + e.what());
  } catch (...) {
    status_ = Status::Internal("loading the rules: an unknown exception");
  }
}

void TaggerLoad::Start(const TaggerOptions& options, std::function<void()> before) {
  if (started_) return;
  started_ = true;
  try {
    thread_ = std::jthread([this, options, before] {
      NameThisThread("nf-rules");
      Load(options, before);
    });
  } catch (const std::system_error&) {
    Load(options, before);  // no thread to be had: loaded here
  }
}

Status TaggerLoad::Take(std::shared_ptr<const Tagger>* out) {
  if (!started_) return Status::OK();
  if (thread_.joinable()) thread_.join();
  if (!taken_ && status_.ok()) *out = std::move(tagger_);
  taken_ = true;
  return status_;
}

}  // namespace newsflow::pipeline
