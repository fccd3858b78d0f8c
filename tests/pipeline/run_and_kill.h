// run_and_kill.h — starts a run and kills it with SIGKILL at a given input
// position, for the tests that restart an interrupted run; and the same
// argv as a shell command line, for the runs that complete.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace newsflow::testing {

// `args` joined by spaces, for RunShell (the arguments hold no spaces).
inline std::string CommandLine(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Starts `args`; kills it with SIGKILL once it has read `kill_at` bytes of
// `path`. Returns the position it had read when killed, or -1 if it exited
// first (*status then holds its wait status).
inline int64_t RunAndKill(const std::vector<std::string>& args, const std::string& path, uint64_t kill_at,
                          const std::string& log, int* status) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const std::string canonical = std::filesystem::canonical(path).string();
  std::string fdinfo;  // /proc/PID/fdinfo/N of the input, once it is open
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, status, WNOHANG) == pid) return -1;
    if (fdinfo.empty()) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code ec2;
        if (std::filesystem::read_symlink(e.path(), ec2).string() == canonical) {
          fdinfo = "/proc/" + std::to_string(pid) + "/fdinfo/" + e.path().filename().string();
          break;
        }
      }
    } else {
      std::ifstream f(fdinfo);
      std::string key;
      uint64_t pos = 0;
      if (f >> key >> pos && key == "pos:" && pos >= kill_at) {
        kill(pid, SIGKILL);
        waitpid(pid, status, 0);
        return static_cast<int64_t>(pos);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  kill(pid, SIGKILL);
  waitpid(pid, status, 0);
  ADD_FAILURE() << "the run neither reached byte " << kill_at << " nor exited in 5 minutes";
  return -1;
}

}  // namespace newsflow::testing
