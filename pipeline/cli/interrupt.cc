// interrupt.cc — see interrupt.h.
#include "interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace newsflow::cli {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_hangup_held{false};
extern "C" void OnInterrupt(int) { g_interrupted.store(true); }
extern "C" void OnEarlyHangup(int) { g_hangup_held.store(true); }

}  // namespace

void CatchInterrupts() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  if (HangupHeld()) g_interrupted.store(true);
}

void HoldHangups() {
  struct sigaction sa {};
  sa.sa_handler = OnEarlyHangup;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, nullptr);
}

bool HangupHeld() { return g_hangup_held.load(); }

bool Interrupted() { return g_interrupted.load(); }

bool StdoutFailed() { return std::ferror(stdout) != 0; }

}  // namespace newsflow::cli
