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
    // open() returns the lowest free number: fd itself, the lower ones
    // being open by now.
    const int null = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null == fd) g_closed[fd] = true;
    else if (null >= 0) ::close(null);
  }
}

bool StandardDescriptorWasClosed(int fd) { return fd >= 0 && fd < 3 && g_closed[fd]; }

}  // namespace newsflow
