// open_file_limit.cc — see open_file_limit.h.
#include "open_file_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace newsflow::cli {

uint64_t RaiseOpenFileLimit() {
  struct rlimit lim {};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  const rlim_t want = lim.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(kMaxOpenFiles)
                                                    : std::min<rlim_t>(lim.rlim_max, kMaxOpenFiles);
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < want) {
    struct rlimit raised = lim;
    raised.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? kMaxOpenFiles : static_cast<uint64_t>(lim.rlim_cur);
}

}  // namespace newsflow::cli
