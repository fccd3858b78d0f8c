// interrupt.cc — see interrupt.h.
#include "interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace newsflow::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) { g_interrupted.store(true); }

}  // namespace

void CatchInterrupts() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

bool Interrupted() { return g_interrupted.load(); }

bool StdoutFailed() { return std::ferror(stdout) != 0; }

}  // namespace newsflow::cli
