// status.h — the one result type of every fallible call in newsflow.
//
// A Status is ok, or a code plus a message that says what failed and where
// ("rules/sets/clusters.yaml:12 rule semi-1: ...", "store /tmp/nf: IO error:
// No space left on device"). Modelled on rocksdb::Status: cheap when ok, a
// value type, [[nodiscard]] so an ignored error is a compile error. Results
// travel through out-parameters; no library throws across its boundary.
//
// Ownership: a plain value. Threads: immutable once built; copy freely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace newsflow {

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kInvalidArgument,  // bad input from a user: options, rule files, formats, URIs
    kNotFound,         // a named thing does not exist (file, key, store)
    kIOError,          // the OS or RocksDB could not read or write
    kNoSpace,          // the disk is full (ENOSPC): free space and run again
    kCorruption,       // stored or compressed data failed a check (CRC, codec)
    kUnavailable,      // a remote service (Kafka) did not answer or refused
    kAborted,          // stopped on request (signal) or after an earlier error
    kInternal,         // a library failed in a way no input explains
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(Code::kNoSpace, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsNoSpace() const { return code_ == Code::kNoSpace; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  // The message alone ("" when ok).
  const std::string& message() const { return msg_; }
  // "<code name>: <message>", or "OK".
  std::string ToString() const;
  static const char* CodeName(Code code);

  // Discards the status on purpose (a destructor's best effort whose result
  // the owner already had the chance to read).
  void IgnoreError() const {}

  // The same code with "<context>: " put before the message; ok stays ok.
  Status Prefixed(std::string_view context) const;

 private:
  Status(Code code, std::string msg) : code_(code), msg_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

}  // namespace newsflow

// Returns the Status of `expr` from the enclosing function if it is not ok.
#define NEWSFLOW_RETURN_IF_ERROR(expr)              \
  do {                                              \
    ::newsflow::Status nf_status_ = (expr);         \
    if (!nf_status_.ok()) return nf_status_;        \
  } while (0)
