// backup_service.cc — see backup_service.h.
#include "pipeline/job/backup_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "pipeline/log/logger.h"

namespace newsflow::pipeline {
namespace {

namespace fs = std::filesystem;
constexpr char kRequestDir[] = "backup-requests";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Writes `text` to a temporary name, then renames it to `p`.
bool WriteAtomically(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  return !ec;
}

// Result file: "ok id timestamp files bytes new_files new_bytes docs dead_letters" or "error MESSAGE".
std::string EncodeResult(const Status& s, const storage::BackupResult& r) {
  if (!s.ok()) return "error " + s.message();
  return fmt::format("ok {} {} {} {} {} {} {} {}", r.backup_id, r.timestamp, r.files, r.bytes, r.new_files,
                     r.new_bytes, r.counts.docs, r.counts.dead_letters);
}

Status DecodeResult(const std::string& text, storage::BackupResult* r) {
  if (text.rfind("error ", 0) == 0) return Status::IOError(text.substr(6));
  std::istringstream in(text);
  std::string tag;
  in >> tag >> r->backup_id >> r->timestamp >> r->files >> r->bytes >> r->new_files >> r->new_bytes >> r->counts.docs >>
      r->counts.dead_letters;
  if (tag != "ok" || in.fail()) return Status::Internal("unreadable backup result from the writer: '" + text + "'");
  return Status::OK();
}

}  // namespace

int StoreWriterPid(const std::string& db_dir) {
  const int fd = ::open((fs::path(db_dir) / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock fl {};
  fl.l_type = F_WRLCK;  // would a write lock conflict? RocksDB holds one with fcntl(F_SETLK)
  fl.l_whence = SEEK_SET;
  const int rc = ::fcntl(fd, F_GETLK, &fl);
  ::close(fd);
  return rc == 0 && fl.l_type != F_UNLCK ? static_cast<int>(fl.l_pid) : 0;
}

Status RequestBackup(const std::string& db_dir, const std::string& backup_dir, int64_t timeout_ms,
                     storage::BackupResult* out) {
  const fs::path dir = fs::path(db_dir) / kRequestDir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  std::random_device rd;
  const std::string id = fmt::format("{}-{:08x}", ::getpid(), rd());
  const fs::path request = dir / (id + ".request");
  const fs::path result = dir / (id + ".result");
  const std::string target = fs::absolute(backup_dir, ec).string();
  if (!WriteAtomically(request, target)) return Status::IOError("cannot write " + request.string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (fs::exists(result, ec)) {
      const std::string text = ReadAll(result);
      fs::remove(result, ec);
      return DecodeResult(text, out);
    }
    const bool writer_gone = StoreWriterPid(db_dir) == 0;
    if (writer_gone || std::chrono::steady_clock::now() > deadline) {
      fs::remove(request, ec);
      if (fs::exists(result, ec)) continue;  // answered just now
      return Status::Unavailable(writer_gone ? "the writer holding the store exited before taking the backup"
                                             : "the writer did not take the backup in time (--timeout)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

BackupService::BackupService(storage::Store* store, std::string db_dir)
    : store_(store), dir_((fs::path(db_dir) / kRequestDir).string()) {}

BackupService::~BackupService() { Stop(); }

void BackupService::Start() {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      ServePending();
      for (int i = 0; i < 4 && !stop_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void BackupService::Stop() {
  stop_.store(true);
  if (!thread_.joinable()) return;
  thread_.join();
  ServePending();  // a request made before the run ended is answered, with the final state
}

void BackupService::ServePending() {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return;
  std::vector<fs::path> requests;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".request") requests.push_back(e.path());
  for (const fs::path& request : requests) {
    const std::string target = ReadAll(request);
    if (!fs::exists(request, ec)) continue;  // withdrawn meanwhile
    storage::BackupResult r;
    const Status s = target.empty() ? Status::InvalidArgument("empty backup request") : store_->Backup(target, &r);
    if (s.ok()) {
      ++taken_;
      LogInfo("backup", fmt::format("backup {} of the store taken into {} ({} new files, {} bytes)", r.backup_id,
                                    target, r.new_files, r.new_bytes));
    } else {
      LogWarn("backup", fmt::format("requested backup into {} failed: {}", target, s.message()));
    }
    fs::path result = request;
    result.replace_extension(".result");
    if (!WriteAtomically(result, EncodeResult(s, r))) LogWarn("backup", "cannot write " + result.string());
    fs::remove(request, ec);
  }
}

}  // namespace newsflow::pipeline
