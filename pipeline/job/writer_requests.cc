// writer_requests.cc — see writer_requests.h.
#include "pipeline/job/writer_requests.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "newsflow/base/thread_name.h"
#include "pipeline/log/logger.h"

namespace newsflow::pipeline {
namespace {

namespace fs = std::filesystem;
constexpr char kRequestDir[] = "writer-requests";
constexpr char kServingLock[] = "serving.lock";  // flock'ed by the WriterRequestService of a run

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Writes `text` to a temporary name, then renames it to `p`. On failure
// (a full disk) the temporary file is removed and false returned, with why
// in *why (a file left behind would lie there until a writer's sweep).
bool WriteAtomically(const fs::path& p, const std::string& text, std::string* why = nullptr) {
  const fs::path tmp = p.string() + ".tmp";
  std::error_code ec;
  {
    errno = 0;
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) ec = std::error_code(errno != 0 ? errno : EIO, std::generic_category());
  }
  if (!ec) fs::rename(tmp, p, ec);
  if (!ec) return true;
  if (why) *why = ec.message();
  std::error_code ignored;
  fs::remove(tmp, ignored);
  return false;
}

// Result file: "ok id timestamp files bytes new_files new_bytes docs dead_letters store_id [replaced file...]"
// (file names hold no space; a new backup always names its store) or "error MESSAGE".
std::string EncodeResult(const Status& s, const storage::BackupResult& r) {
  if (!s.ok()) return "error " + s.message();
  std::string text = fmt::format("ok {} {} {} {} {} {} {} {} {}", r.backup_id, r.timestamp, r.files, r.bytes,
                                 r.new_files, r.new_bytes, r.counts.docs, r.counts.dead_letters, r.store_id);
  for (const std::string& f : r.replaced) text += " " + f;
  return text;
}

Status DecodeResult(const std::string& text, storage::BackupResult* r) {
  if (text.rfind("error ", 0) == 0) return Status::IOError(text.substr(6));
  std::istringstream in(text);
  std::string tag;
  in >> tag >> r->backup_id >> r->timestamp >> r->files >> r->bytes >> r->new_files >> r->new_bytes >> r->counts.docs >>
      r->counts.dead_letters >> r->store_id;
  if (tag != "ok" || in.fail()) return Status::Internal("unreadable backup result from the writer: '" + text + "'");
  for (std::string f; in >> f;) r->replaced.push_back(f);
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
  if (rc != 0 || fl.l_type == F_UNLCK) return 0;
  return fl.l_pid > 0 ? static_cast<int>(fl.l_pid) : -1;  // held, by a process we cannot name
}

namespace {
// "newsflow retag" for a process started as `/usr/bin/newsflow retag --db ...`; "" if /proc does not say.
std::string CommandOf(int pid) {
  const std::string cmdline = ReadAll(fmt::format("/proc/{}/cmdline", pid));
  std::vector<std::string> args;
  for (size_t start = 0; start < cmdline.size() && args.size() < 2;) {
    const size_t end = std::min(cmdline.find('\0', start), cmdline.size());
    args.push_back(cmdline.substr(start, end - start));
    start = end + 1;
  }
  if (args.empty()) return "";
  std::string out = fs::path(args[0]).filename().string();
  if (args.size() > 1 && !args[1].starts_with('-')) out += " " + args[1];
  return out;
}

// Whether a WriterRequestService holds <db>/writer-requests/serving.lock:
// a probe for a shared flock that fails while it holds its exclusive one.
// (flock, not fcntl: closing the probe's descriptor drops no lock of the
// process, so the run itself could call it.)
bool ServingWriter(const std::string& db_dir) {
  const int fd = ::open((fs::path(db_dir) / kRequestDir / kServingLock).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = false;
  while (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    held = errno == EWOULDBLOCK;
    break;
  }
  ::close(fd);  // drops the probe's lock, if it got one
  return held;
}
}  // namespace

std::string DescribeWriter(int pid) {
  if (pid <= 0) return "in another pid namespace";
  const std::string cmd = CommandOf(pid);
  return cmd.empty() ? fmt::format("pid {}", pid) : fmt::format("pid {}: {}", pid, cmd);
}

StoreHolder WhoHoldsStore(const std::string& db_dir) {
  StoreHolder h;
  h.pid = StoreWriterPid(db_dir);
  if (h.pid != 0) h.kind = ServingWriter(db_dir) ? StoreHolder::kServingWriter : StoreHolder::kOther;
  return h;
}

Status AwaitStoreFreeOrServed(const std::string& db_dir, int64_t timeout_ms, std::string_view command,
                              StoreHolder* out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool told = false;
  for (;;) {
    *out = WhoHoldsStore(db_dir);
    if (out->kind != StoreHolder::kOther) return Status::OK();
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Unavailable(fmt::format(
          "the store at {} is held by another command ({}), not by a run that takes requests; try again when it "
          "ends",
          db_dir, DescribeWriter(out->pid)));
    if (!told)
      fmt::print(stderr,
                 "newsflow {}: the store at {} is held by another command ({}), not a run; waiting up to {:g} s "
                 "(--timeout) for it to end\n",
                 command, db_dir, DescribeWriter(out->pid), static_cast<double>(timeout_ms) / 1000);
    told = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Writes a request (extension `ext`, content `body`) and waits for its result text.
// `stop` (may be null) ends the wait early; `stops_when_withdrawn`: the
// writer gives the request up between steps once it is withdrawn (a
// re-tag), rather than finishing it (a backup).
Status AwaitWriter(const std::string& db_dir, const std::string& ext, const std::string& body, int64_t timeout_ms,
                   const char* what, const std::atomic<bool>* stop, bool stops_when_withdrawn,
                   std::string* result_text) {
  const fs::path dir = fs::path(db_dir) / kRequestDir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  std::random_device rd;
  const std::string id = fmt::format("{}-{:08x}", ::getpid(), rd());
  const fs::path request = dir / (id + ext);
  const fs::path result = dir / (id + ".result");
  if (std::string why; !WriteAtomically(request, body, &why))
    return Status::IOError(fmt::format("cannot write {}: {}", request.string(), why));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (fs::exists(result, ec)) {
      *result_text = ReadAll(result);
      fs::remove(result, ec);
      return Status::OK();
    }
    // Gone: no run serves requests any more (it answers the pending ones
    // before it lets go of serving.lock), whoever holds the LOCK now.
    const bool writer_gone = !ServingWriter(db_dir);
    const bool stopped = stop != nullptr && stop->load();
    if (writer_gone || stopped || std::chrono::steady_clock::now() > deadline) {
      fs::remove(request, ec);  // withdrawn: a writer serving it stops after its current batch
      if (fs::exists(result, ec)) continue;  // answered just now
      const std::string after =
          stops_when_withdrawn ? fmt::format("; the writer stops the {} after its current batch", what) : "";
      if (stopped) return Status::Aborted("interrupted" + after);
      return Status::Unavailable(writer_gone ? fmt::format("the writer holding the store exited before the {}", what)
                                             : fmt::format("the writer did not do the {} in time (--timeout){}", what,
                                                           after));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Status RequestBackup(const std::string& db_dir, const std::string& backup_dir, int64_t timeout_ms,
                     storage::BackupResult* out) {
  std::error_code ec;
  std::string text;
  NEWSFLOW_RETURN_IF_ERROR(
      AwaitWriter(db_dir, ".request", fs::absolute(backup_dir, ec).string(), timeout_ms, "backup", nullptr, false, &text));
  return DecodeResult(text, out);
}

// A retag request: rules directory, since, until ("-" = none), batch, range
// name (absent from a request of an older binary: none); one per line.
Status RequestRetag(const std::string& db_dir, const RetagOptions& o, int64_t timeout_ms, std::string* summary_json) {
  std::error_code ec;
  const std::string body = fmt::format("{}\n{}\n{}\n{}\n{}\n", fs::absolute(o.rules_dir, ec).string(),
                                       o.since_ms ? std::to_string(*o.since_ms) : "-",
                                       o.until_ms ? std::to_string(*o.until_ms) : "-", o.batch, o.range_name);
  std::string text;
  NEWSFLOW_RETURN_IF_ERROR(AwaitWriter(db_dir, ".retag", body, timeout_ms, "re-tag", o.stop, true, &text));
  if (text.rfind("error ", 0) == 0) return Status::InvalidArgument(text.substr(6));
  if (text.rfind("ok ", 0) != 0) return Status::Internal("unreadable re-tag result from the writer: '" + text + "'");
  *summary_json = text.substr(3);
  return Status::OK();
}

namespace {

bool ParseRetagRequest(const std::string& text, RetagOptions* o) {
  std::istringstream in(text);
  std::string since, until;
  if (!std::getline(in, o->rules_dir) || !std::getline(in, since) || !std::getline(in, until) || !(in >> o->batch))
    return false;
  in.ignore(1);  // the batch's line end
  std::getline(in, o->range_name);
  if (since != "-") o->since_ms = std::stoll(since);
  if (until != "-") o->until_ms = std::stoll(until);
  return !o->rules_dir.empty() && o->batch > 0;
}

}  // namespace

WriterRequestService::WriterRequestService(storage::Store* store, std::string db_dir, std::string rules_cache_dir)
    : store_(store), dir_((fs::path(db_dir) / kRequestDir).string()), rules_cache_dir_(std::move(rules_cache_dir)) {}

WriterRequestService::~WriterRequestService() { Stop(); }

void WriterRequestService::Start() {
  // serving.lock first: a request is written only once it is held.
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const std::string lock = (fs::path(dir_) / kServingLock).string();
  serving_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  while (serving_fd_ >= 0 && ::flock(serving_fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    ::close(serving_fd_);
    serving_fd_ = -1;
  }
  if (serving_fd_ < 0)  // requesters then take the run for another command and say so
    LogWarn("backup", fmt::format("cannot lock {}: backup and retag requests will not be taken", lock));
  thread_ = std::thread([this] {
    NameThisThread("nf-requests");
    while (!stop_.load()) {
      ServePending();
      // A wait, not a sleep: every run ends with Stop(), which would
      // otherwise wait out the rest of the poll interval (up to 200 ms).
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_.load(); });
    }
  });
}

void WriterRequestService::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    ServePending();  // a request made before the run ended is answered, with the final state
  }
  if (serving_fd_ >= 0) {
    ::close(serving_fd_);  // drops the flock: requesters see no serving writer from now on
    serving_fd_ = -1;
  }
}

void WriterRequestService::ServePending() {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return;
  std::vector<fs::path> requests;
  const auto stale_before = fs::file_time_type::clock::now() - kStaleResultAge;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const fs::path ext = e.path().extension();
    if (ext == ".request" || ext == ".retag") {
      requests.push_back(e.path());
    } else if (ext == ".result" || ext == ".tmp") {
      // Nobody collected it (its requester was killed): a requester reads
      // its result within 50 ms of its writing.
      std::error_code e2;
      const auto when = e.last_write_time(e2);
      if (!e2 && when < stale_before && fs::remove(e.path(), e2))
        LogInfo("backup", fmt::format("removed {}, a result nobody collected", e.path().string()));
    }
  }
  for (const fs::path& request : requests) {
    if (request.extension() == ".retag") {
      ServeRetag(request);
      continue;
    }
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
    if (std::string why; !WriteAtomically(result, EncodeResult(s, r), &why))
      LogWarn("backup", fmt::format("cannot write {}: {}", result.string(), why));
    fs::remove(request, ec);
  }
}

void WriterRequestService::ServeRetag(const fs::path& request) {
  std::error_code ec;
  const std::string text = ReadAll(request);
  if (!fs::exists(request, ec)) return;  // withdrawn meanwhile
  RetagOptions o;
  o.stop = &stop_;
  // `newsflow retag` removes its request when it stops waiting (--timeout,
  // SIGINT, SIGTERM): the re-tag stops after its current batch too.
  o.withdrawn = [&request] {
    std::error_code e;
    return !fs::exists(request, e);
  };
  o.rules_cache_dir = rules_cache_dir_;
  std::string result;
  bool parsed = false;
  try {
    parsed = ParseRetagRequest(text, &o);
  } catch (const std::exception&) {
    parsed = false;
  }
  if (!parsed) {
    result = "error unreadable re-tag request";
  } else {
    RetagSummary summary;
    Status s = Retag(store_, o, &summary);
    // A file run's store has no WAL: what the re-tag rewrote is in memory
    // until a flush. It is told done only once that is durable (a kill -9
    // of the run lost most of a re-tag answered "ok").
    if (Status flushed = store_->Checkpoint(/*wait=*/true); s.ok() && !flushed.ok()) s = flushed;
    if (o.withdrawn()) {  // nobody waits for a result: none is written
      LogInfo("retag", fmt::format("re-tag with {} withdrawn by its requester after {} documents{}",
                                   summary.ruleset_version, summary.resumed_after + summary.scanned,
                                   !s.ok()              ? ": " + s.message()
                                   : summary.interrupted ? "; the next retag of the range resumes"
                                                         : " (it had finished)"));
      return;
    }
    result = s.ok() ? "ok " + RetagSummaryToJson(summary) : "error " + s.message();
    if (s.ok())
      LogInfo("retag", fmt::format("re-tagged with {}: {} documents changed, {} unchanged{}", summary.ruleset_version,
                                   summary.changed, summary.unchanged, summary.interrupted ? " (interrupted)" : ""));
    else
      LogWarn("retag", "requested re-tag failed: " + s.message());
  }
  fs::path out = request;
  out.replace_extension(".result");
  if (std::string why; !WriteAtomically(out, result, &why))
    LogWarn("retag", fmt::format("cannot write {}: {}", out.string(), why));
  fs::remove(request, ec);
}

}  // namespace newsflow::pipeline
