// interrupt.cc — see interrupt.h.
#include "interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace newsflow::cli {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_hangup_held{false};
std::atomic<bool> g_hangup_noted{false};
extern "C" void OnInterrupt(int) { g_interrupted.store(true); }
extern "C" void OnEarlyHangup(int) { g_hangup_held.store(true); }
extern "C" void OnNotedHangup(int) { g_hangup_noted.store(true); }

void Install(int sig, void (*handler)(int), int flags) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
}

}  // namespace

void CatchInterrupts(bool hangup_stops) {
  for (int sig : {SIGINT, SIGTERM}) Install(sig, OnInterrupt, 0);
  Install(SIGHUP, hangup_stops ? OnInterrupt : OnNotedHangup, 0);
  if (HangupHeld()) (hangup_stops ? g_interrupted : g_hangup_noted).store(true);
}

bool TakeHangup() { return g_hangup_noted.exchange(false); }

// SA_RESTART: a held hangup must not fail a read of the start-up with EINTR.
void HoldHangups() { Install(SIGHUP, OnEarlyHangup, SA_RESTART); }

bool HangupHeld() { return g_hangup_held.load(); }

bool Interrupted() { return g_interrupted.load(); }

bool StdoutFailed() { return std::ferror(stdout) != 0; }

int OutputFailed(const char* who) {
  std::fprintf(stderr, "newsflow %s: cannot write the output (stdout closed or failing)\n", who);
  return 1;
}

}  // namespace newsflow::cli
