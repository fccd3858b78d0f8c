// run_child.h — `newsflow run` as a child process with its stdin on a pipe
// the test writes, for tests of live input and of what a running writer
// does (backups it serves); and the names of a process's threads.
//
// Ownership: the object owns the child; its destructor closes the pipe and
// kills a child still running. Threads: the test's. Errors: gtest assertions.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace newsflow::testing {

// A /proc file's text, or "" if it cannot be read whole. A thread or
// process that ends between a listing of /proc and the read of one of its
// files makes the read fail (ESRCH), which std::ifstream (ReadFile) throws
// as an exception; for a poll that is the thread being gone.
inline std::string ReadProcFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return n < 0 ? std::string() : out;
}

// The names of a process's threads (/proc/PID/task/TID/comm), sorted; a
// thread that ends while they are read is left out.
inline std::multiset<std::string> ThreadNames(pid_t pid) {
  std::multiset<std::string> names;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::string name = ReadProcFile((task.path() / "comm").string());
    if (name.empty()) continue;
    while (!name.empty() && name.back() == '\n') name.pop_back();
    names.insert(name);
  }
  return names;
}

// `newsflow run` as a child with its stdin on a pipe the test writes.
class RunChild {
 public:
  RunChild(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
    // A child that exited early makes a write fail (EPIPE, a test failure)
    // instead of killing the test with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[0], 0);
      close(fds[0]);
      close(fds[1]);
      const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(o, 1);
      dup2(e, 2);
      std::vector<char*> argv;
      const std::string bin = Newsflow();
      argv.push_back(const_cast<char*>(bin.c_str()));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[0]);
    in_ = fds[1];
  }
  ~RunChild() {
    CloseInput();
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0 && in_ >= 0; }
  void Write(const std::string& s) { ASSERT_EQ(write(in_, s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  void CloseInput() {
    if (in_ >= 0) close(in_);
    in_ = -1;
  }
  void Signal(int sig) { kill(pid_, sig); }
  pid_t pid() const { return pid_; }
  // The exit code, or -1 if the child is still running after `limit`.
  int WaitExit(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  bool exited_ = false;
};

}  // namespace newsflow::testing
