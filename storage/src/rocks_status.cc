// rocks_status.cc — see rocks_status.h.
#include "rocks_status.h"

#include <string_view>

namespace newsflow::storage {

Status FromRocks(const std::string& what, const rocksdb::Status& s, bool other_is_io_error) {
  std::string msg = what + ": " + s.ToString();
  if (s.IsNoSpace()) return Status::NoSpace(std::move(msg));
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNotFound() || s.IsPathNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsIOError()) return Status::IOError(std::move(msg));
  if (s.IsInvalidArgument() || s.IsNotSupported()) return Status::InvalidArgument(std::move(msg));
  if (s.IsIncomplete() && s.getState() != nullptr) {
    // The background error's text, as RocksDB writes it ("IO error: No
    // space left on device: ...", "IO error: ...", "Corruption: ...").
    static const std::string kNoSpace = rocksdb::Status::NoSpace().ToString();
    static const std::string kIOError = rocksdb::Status::IOError().ToString();
    static const std::string kCorruption = rocksdb::Status::Corruption().ToString();
    const std::string_view cause = s.getState();
    if (cause.starts_with(kNoSpace)) return Status::NoSpace(std::move(msg));
    if (cause.starts_with(kCorruption)) return Status::Corruption(std::move(msg));
    if (cause.starts_with(kIOError)) return Status::IOError(std::move(msg));
  }
  return other_is_io_error ? Status::IOError(std::move(msg)) : Status::Internal(std::move(msg));
}

}  // namespace newsflow::storage
