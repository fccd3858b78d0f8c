// Under systemd (Type=notify) a run says READY=1 once its store is open and
// its signal handlers are in place, and STOPPING=1 when it drains: the
// datagrams of the sd_notify protocol, to $NOTIFY_SOCKET. A reload sent
// right after READY=1 is a reload, not the end of the process.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <cstring>
#include <string>
#include <vector>

#include "json_util.h"
#include "pipeline/job/writer_requests.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using namespace std::chrono_literals;
using testing::ReadFile;
using testing::RunChild;
using testing::TempDir;

// A bound datagram socket at `path`; Receive waits up to `limit` for one message.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{0, 100 * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() {
    if (fd_ >= 0) close(fd_);
  }
  bool bound() const { return bound_; }
  std::string Receive(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    char buf[256];
    while (std::chrono::steady_clock::now() < until) {
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) return std::string(buf, static_cast<size_t>(n));
    }
    return "";
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

TEST(ServiceNotify, ARunSaysReadyThenStoppingAndTakesAReloadRightAfterReady) {
  TempDir tmp;
  const std::string sock = tmp.path("notify.sock"), feed = tmp.path("feed.jsonl");
  NotifySocket listener(sock);
  ASSERT_TRUE(listener.bound()) << sock;
  { std::ofstream(feed) << ""; }
  ASSERT_EQ(setenv("NOTIFY_SOCKET", sock.c_str(), 1), 0);
  RunChild run({"run", "--source", "follow:" + feed, "--rules", testing::SourcePath("rules/sets"), "--db",
                tmp.path("db"), "--json", "-q"},
               tmp.path("out"), tmp.path("err"));
  unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(run.started());
  EXPECT_EQ(listener.Receive(20s), "READY=1") << ReadFile(tmp.path("err"));
  run.Signal(SIGHUP);  // systemctl reload right after the start
  std::this_thread::sleep_for(300ms);
  run.Signal(SIGTERM);
  EXPECT_EQ(listener.Receive(10s), "STOPPING=1");
  ASSERT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("err"));
  const auto summary = testing::JsonObject::LastLine(ReadFile(tmp.path("out")));
  EXPECT_EQ(summary.Uint("rules_reloaded") + summary.Uint("rules_reload_failed"), 1u) << ReadFile(tmp.path("out"));
}

// A run started while a standalone command holds its store (the nightly
// prune here) waits for it; systemd's start timeout (90 s) would kill a run
// waiting for a long backup and restart it again and again. It says so
// (STATUS=, EXTEND_TIMEOUT_USEC=) before READY=1, which comes once the
// store is its own.
TEST(ServiceNotify, ARunWaitingForTheStoreAsksForMoreTimeBeforeItIsReady) {
  TempDir tmp;
  const std::string sock = tmp.path("notify.sock"), db = tmp.path("db");
  ASSERT_EQ(testing::RunShell(testing::Newsflow() + " run -q --source file:" +
                              testing::SourcePath("tests/fixtures/cls-sample.jsonl") + " --rules " +
                              testing::SourcePath("rules/sets") + " --db " + db)
                .exit_code,
            0);
  ::setenv("NEWSFLOW_TEST_PRUNE_HOLD_MS", "300", 1);  // per batch of 10: seconds in all
  RunChild prune({"prune", "--db", db, "--before", "2100-01-01", "--batch", "10"}, tmp.path("prune.out"),
                 tmp.path("prune.err"));
  ::unsetenv("NEWSFLOW_TEST_PRUNE_HOLD_MS");
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (StoreWriterPid(db) != prune.pid() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(StoreWriterPid(db), prune.pid());
  NotifySocket listener(sock);
  ASSERT_TRUE(listener.bound()) << sock;
  ASSERT_EQ(setenv("NOTIFY_SOCKET", sock.c_str(), 1), 0);
  RunChild run({"run", "--source", "-", "--format", "cls", "--rules", testing::SourcePath("rules/sets"), "--db", db,
                "-q"},
               tmp.path("out"), tmp.path("err"));
  unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(run.started());
  const std::string first = listener.Receive(20s);
  EXPECT_EQ(first.rfind("STATUS=", 0), 0u) << first;
  EXPECT_NE(first.find("\nEXTEND_TIMEOUT_USEC="), std::string::npos) << first;
  EXPECT_EQ(prune.WaitExit(20ms), -1) << "the prune ended before the run asked";  // -1: still running
  std::string next;
  do {
    next = listener.Receive(60s);
  } while (next.rfind("STATUS=", 0) == 0);
  EXPECT_EQ(next, "READY=1");
  EXPECT_EQ(prune.WaitExit(10s), 0) << "the prune did not end";
  EXPECT_EQ(StoreWriterPid(db), run.pid()) << "READY=1 before the run held the store";
  run.CloseInput();
  EXPECT_EQ(run.WaitExit(20s), 0) << ReadFile(tmp.path("err"));
}

}  // namespace
}  // namespace newsflow::pipeline
