// subscription_file.cc — see subscription_file.h.
#include "pipeline/subscribe/subscription_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "newsflow/base/fnv1a.h"
#include "pipeline/sink/record_json.h"
#include "newsflow/rules/yaml_document.h"

namespace newsflow::pipeline {
namespace {

void EmitList(YAML::Emitter& e, const char* key, const std::vector<std::string>& list) {
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& s : list) e << s;
  e << YAML::EndSeq;
}

// The directory of `path` ("." if none).
std::string DirOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// An exclusive flock on the file's directory while an edit reads, changes
// and replaces the file: two processes editing one file (two servers, a
// server and another tool using this class) take turns instead of one losing the
// other's change. The file itself cannot carry the lock: each edit replaces
// it (a new inode).
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& path) {
    fd_ = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) {
      status_ = Status::IOError(fmt::format("cannot lock the directory of {}: {}", path, std::strerror(errno)));
      return;
    }
    // Bounded: an edit answers "try again" rather than hold its caller
    // (and the callers queued behind it) while another process keeps the lock.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      if (errno == EINTR) continue;
      status_ = errno == EWOULDBLOCK
                    ? Status::Unavailable(fmt::format("another process has been editing {} for 10 s: try again", path))
                    : Status::IOError(fmt::format("cannot lock the directory of {}: {}", path, std::strerror(errno)));
      return;
    }
  }
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  const Status& status() const { return status_; }

 private:
  int fd_ = -1;
  Status status_;
};

// The file an edit replaces: `path` with its symbolic links followed, so a
// link a deployment keeps to the real file stays a link and the file it
// names gets the edit (renamed over, the link became a plain file the run
// reading the real path never saw, and a redeploy of the link dropped the
// edit); `path` itself when it is no link.
std::string EditTarget(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_symlink(path, ec)) return path;
  // The file the link names, with every link on the way (the link's own
  // directory a link too: a release directory) resolved.
  if (const std::filesystem::path real = std::filesystem::canonical(path, ec); !ec) return real.string();
  // A link to a file not created yet: its target, resolved against the
  // link's real directory, link after link.
  std::filesystem::path p(path);
  for (int hops = 0; hops < 40 && std::filesystem::is_symlink(p, ec); ++hops) {
    const std::filesystem::path to = std::filesystem::read_symlink(p, ec);
    if (ec) return path;
    const std::filesystem::path dir = std::filesystem::weakly_canonical(p.parent_path(), ec);
    if (ec) return path;
    p = to.is_absolute() ? to : dir / to;
  }
  return p.lexically_normal().string();
}

// Writes `text` to `path` atomically: a temporary of its own beside it,
// fsync, rename, fsync of the directory.
// The temporaries are named ".NAME.newsflow-XXXXXX" beside it: hidden, and
// told from any other file, so that an edit (holding the edit lock) removes
// those a killed editor left.
Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  std::string prefix(1, '.');  // (built in steps: GCC 12's -Wrestrict misreads "." + name + "...")
  prefix += p.filename().string();
  prefix += ".newsflow-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(DirOf(path), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == prefix.size() + 6 && name.rfind(prefix, 0) == 0) std::filesystem::remove(entry.path(), ec);
  }
  std::string tmp = (std::filesystem::path(DirOf(path)) / (prefix + "XXXXXX")).string();
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  // The file's own mode, if it has one (an operator's 0600 stays 0600).
  struct stat old_st {};
  (void)::fchmod(fd, ::stat(path.c_str(), &old_st) == 0 ? (old_st.st_mode & 07777) : 0644);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IOError(fmt::format("cannot write {}: {}", tmp, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::IOError(fmt::format("cannot replace {}: {}", path, std::strerror(err)));
  }
  const int dfd = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

}  // namespace

std::string SubscriptionsToYaml(const std::vector<Subscription>& subs) {
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "subscriptions" << YAML::Value << YAML::BeginSeq;
  for (const Subscription& s : subs) {
    e << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name;
    EmitList(e, "all", s.all);
    EmitList(e, "any", s.any);
    EmitList(e, "not", s.none);
    e << YAML::Key << "min_score" << YAML::Value << s.min_score;
    if (!s.sources.empty()) EmitList(e, "sources", s.sources);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  return std::string("# Written by newsflow (the HTTP API's subscription edits).\n") + e.c_str() + "\n";
}

std::string SubscriptionToJson(const Subscription& s) {
  std::string out = "{\"name\":";
  AppendJsonString(&out, s.name);
  out += ",\"all\":";
  AppendJsonStringArray(&out, s.all);
  out += ",\"any\":";
  AppendJsonStringArray(&out, s.any);
  out += ",\"not\":";
  AppendJsonStringArray(&out, s.none);
  out += fmt::format(",\"min_score\":{}", s.min_score);
  out += ",\"sources\":";
  AppendJsonStringArray(&out, s.sources);
  out += '}';
  return out;
}

std::string SubscriptionEtag(const Subscription& s) {
  return fmt::format("{:016x}", Fnv1a(kFnv1aBasis, SubscriptionToJson(s)));
}

namespace {

Status CheckPrecondition(const std::vector<Subscription>& subs, const std::string& name, const EditPrecondition& pre) {
  const auto it = std::find_if(subs.begin(), subs.end(), [&](const Subscription& s) { return s.name == name; });
  if (pre.if_none_match && it != subs.end())
    return Status::Aborted("subscription '" + name + "' exists (made since it was looked up): edit it instead");
  if (pre.if_match.empty()) return Status::OK();
  if (it == subs.end()) return Status::Aborted("subscription '" + name + "' no longer exists (deleted since it was read)");
  if (pre.if_match != "*" && SubscriptionEtag(*it) != pre.if_match)
    return Status::Aborted("subscription '" + name + "' was changed since it was read: read it again, then edit");
  return Status::OK();
}

}  // namespace

std::string SubscriptionFileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};  // errno says why
  return fmt::format("{}:{}:{}:{}.{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

// Subscriptions a PUT may create: each edit rewrites the whole file, and a
// client creating names in a loop would grow it without end.
constexpr size_t kMaxSubscriptions = 10000;

Status SubscriptionFile::List(std::vector<Subscription>* out) const {
  // No lock: an edit replaces the file by a rename, so a reader sees the old
  // file or the new one whole, and never waits behind an edit.
  // The stamp is taken before the read: a change during it makes the next
  // List read again.
  const std::string stamp = SubscriptionFileStamp(path_);
  if (stamp.empty()) {
    if (errno != ENOENT) return Status::IOError("cannot read subscriptions file " + path_ + ": " + std::strerror(errno));
    out->clear();
    return Status::OK();
  }
  {
    std::lock_guard lock(list_mu_);
    if (stamp == listed_stamp_) {
      *out = listed_;
      return Status::OK();
    }
  }
  std::vector<Subscription> subs;
  NEWSFLOW_RETURN_IF_ERROR(LoadSubscriptions(path_, {}, &subs));
  std::lock_guard lock(list_mu_);
  listed_stamp_ = stamp;
  listed_ = subs;
  *out = std::move(subs);
  return Status::OK();
}

Status SubscriptionFile::Put(const std::string& name, const std::string& body, bool* created,
                             std::vector<std::string>* warnings, const EditPrecondition& pre) {
  Subscription parsed;
  try {
    YAML::Node n;
    if (Status one = rules::LoadOneYamlDocument(body, "the body", &n); !one.ok())
      return Status::InvalidArgument("the body is not one JSON or YAML document: " + one.message());
    if (!n.IsMap()) return Status::InvalidArgument("the body must be one subscription (a JSON or YAML object)");
    if (n["name"] && (!n["name"].IsScalar() || n["name"].Scalar() != name))
      return Status::InvalidArgument(fmt::format("the body's name '{}' is not the URL's '{}'",
                                                 n["name"].IsScalar() ? n["name"].Scalar() : "?", name));
    n["name"] = name;
    YAML::Node root;
    root["subscriptions"].push_back(n);
    YAML::Emitter e;
    e << root;
    std::vector<Subscription> one;
    NEWSFLOW_RETURN_IF_ERROR(ParseSubscriptions(e.c_str(), "subscription", known_tags_(), &one));
    if (known_feeds_ && warnings) *warnings = UnknownSources(one, known_feeds_());
    if (loaded_tags_ && warnings) {
      if (const auto loaded = loaded_tags_()) {
        std::vector<Subscription> copy = one;
        for (std::string& held : HoldUnknownTags(&copy, *loaded))
          warnings->push_back(held + ": the running rules lack it, so the subscription raises no alert until a "
                                     "rule reload loads it (POST /api/rules/reload, or SIGHUP)");
      }
    }
    if (std::string why = WhyNeverMatches(one.at(0)); !why.empty()) return Status::InvalidArgument(std::move(why));
    parsed = std::move(one.at(0));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("the body is not JSON or YAML: " + e.msg);
  }
  const std::string target = EditTarget(path_);  // once: a link redeployed meanwhile changes nothing
  const DirectoryLock other_processes(target);
  NEWSFLOW_RETURN_IF_ERROR(other_processes.status());
  std::vector<Subscription> subs;
  if (std::error_code ec; std::filesystem::exists(path_, ec) || ec)
    NEWSFLOW_RETURN_IF_ERROR(LoadSubscriptions(path_, {}, &subs));
  NEWSFLOW_RETURN_IF_ERROR(CheckPrecondition(subs, name, pre));
  *created = true;
  for (Subscription& s : subs) {
    if (s.name != name) continue;
    s = parsed;
    *created = false;
  }
  if (*created && subs.size() >= kMaxSubscriptions)
    return Status::InvalidArgument(fmt::format("the file holds {} subscriptions, as many as the API adds: delete one "
                                               "first",
                                               subs.size()));
  if (*created) subs.push_back(std::move(parsed));
  return Save(subs, target);
}

Status SubscriptionFile::Delete(const std::string& name, const EditPrecondition& pre) {
  const std::string target = EditTarget(path_);  // once: a link redeployed meanwhile changes nothing
  const DirectoryLock other_processes(target);
  NEWSFLOW_RETURN_IF_ERROR(other_processes.status());
  std::vector<Subscription> subs;
  if (std::error_code ec; std::filesystem::exists(path_, ec) || ec)
    NEWSFLOW_RETURN_IF_ERROR(LoadSubscriptions(path_, {}, &subs));
  NEWSFLOW_RETURN_IF_ERROR(CheckPrecondition(subs, name, pre));
  const auto it = std::find_if(subs.begin(), subs.end(), [&](const Subscription& s) { return s.name == name; });
  if (it == subs.end()) return Status::NotFound("no subscription named '" + name + "'");
  subs.erase(it);
  return Save(subs, target);
}

Status SubscriptionFile::Save(const std::vector<Subscription>& subs, const std::string& target) {
  const std::string text = SubscriptionsToYaml(subs);
  std::vector<Subscription> check;  // what a reader of the file will get
  NEWSFLOW_RETURN_IF_ERROR(ParseSubscriptions(text, path_, {}, &check));
  return WriteFileAtomically(target, text);
}

}  // namespace newsflow::pipeline
