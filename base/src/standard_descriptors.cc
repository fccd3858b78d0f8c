// standard_descriptors.cc — see standard_descriptors.h.
#include "newsflow/base/standard_descriptors.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace newsflow {
namespace {
bool g_closed[3] = {false, false, false};
}  // namespace

void ReserveStandardDescriptors() {
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    g_closed[fd] = true;  // also when /dev/null cannot hold it (a chroot without one)
    // open() returns the lowest free number: fd itself, the lower ones
    // being open by now. Read-only, so that a write to a closed stdout or
    // stderr still fails (EBADF) as it did, and the command says so,
    // instead of vanishing into /dev/null.
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0 && null != fd) ::close(null);
  }
}

bool StandardDescriptorWasClosed(int fd) { return fd >= 0 && fd < 3 && g_closed[fd]; }

}  // namespace newsflow
