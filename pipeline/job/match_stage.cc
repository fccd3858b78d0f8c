// match_stage.cc — see match_stage.h.
#include "pipeline/job/match_stage.h"

namespace newsflow::pipeline {

void MatchStage::Run(Item& it) {
  if (!it.error.empty()) return;
  text_.assign(it.title_norm.text);
  text_.push_back('\n');
  text_.append(it.body_norm.text);
  const auto title_len = static_cast<uint32_t>(it.title_norm.text.size());
  if (Status s = rules_.Scan(text_, title_len, scratch_); !s.ok()) it.error = "match: " + s.message();
}

}  // namespace newsflow::pipeline
