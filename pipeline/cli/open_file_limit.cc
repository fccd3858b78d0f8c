// open_file_limit.cc — see open_file_limit.h.
#include "open_file_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace newsflow::cli {

void RaiseOpenFileLimit() {
  struct rlimit lim {};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = lim.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(kMaxOpenFiles)
                                                    : std::min<rlim_t>(lim.rlim_max, kMaxOpenFiles);
  if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= want) return;
  lim.rlim_cur = want;
  (void)setrlimit(RLIMIT_NOFILE, &lim);  // a limit that cannot be raised stays as it was
}

}  // namespace newsflow::cli
