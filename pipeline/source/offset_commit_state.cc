// offset_commit_state.cc — see offset_commit_state.h.
#include "pipeline/source/offset_commit_state.h"

namespace newsflow::pipeline {

bool OffsetCommitState::Due(int64_t stored, Clock::time_point now, Clock::duration confirm_timeout) const {
  if (stored != sent) return true;
  return confirmed != sent && now - sent_at >= confirm_timeout;
}

void OffsetCommitState::Sent(int64_t offset, Clock::time_point now) {
  sent = offset;
  sent_at = now;
}

void OffsetCommitState::Answered(int64_t offset, bool ok) {
  if (ok) confirmed = offset;
  else if (offset == sent) sent = -1;
}

}  // namespace newsflow::pipeline
