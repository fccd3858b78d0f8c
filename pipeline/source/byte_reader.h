// byte_reader.h — internal to source/: the bytes of a file descriptor, gunzipped when the
// content is gzip (one or more members), plain otherwise. The format is
// detected from the first two bytes, not from a file name.
//
// Every byte of a gzip file is accounted for: members follow each other to
// the end of the file, and anything else after a member (a plain-text tail,
// garbage, padding) is an error naming its byte offset, as are a member that
// fails its CRC/size check, corrupt deflate data and a truncated member
// (error_offset() = the member's first byte). One Read() returns bytes of
// one member only, so a caller can tell which member a line came from.
//
// From a regular file, each member is checked whole (inflated once to
// nowhere, CRC and length compared, by pread at its offset) before any of
// its bytes is returned: a damaged member gives its error before a line of
// it is read, so none of its lines is stored. Deflate damage often still
// inflates to well-formed lines (a back-reference that copies other text),
// which would replace good documents of the same keys. A pipe cannot be
// read twice: its members are checked as they are read, at their end.
//
// Inflate is ISA-L's isal_inflate: on this corpus (2.7 KB JSON lines, 80 MB
// per 30k items) zlib's inflate alone cost ~4 µs per item, more than decode
// and normalize together; ISA-L does the same work several times faster.
//
// A member's check can take seconds (a multi-GB member inflates at a few
// GB/s): it asks the stop function (set_stop) between chunks and gives up
// when asked to; Read() then returns kBlocked, and a later Read() checks
// the member again from its start. (The line source then ends the file
// before the batch it was filling, as a stop between batches does.)
//
// Ownership: owns its file descriptor and inflate states. Threads: one
// thread at a time (the source's reader); the stop function is called on
// that thread. Errors: Read() returns -1 and status() says why (IOError, or
// Corruption for gzip damage).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "newsflow/base/status.h"

struct inflate_state;

namespace newsflow::pipeline {

class ByteReader {
 public:
  // Read() result: the wait function gave up before more input arrived, or
  // the stop function ended a member's check.
  static constexpr long kBlocked = -2;
  // Called before each read() of `fd` that could block (a pipe, a FIFO, a
  // terminal): returns true once the fd is readable (or at its end), false
  // to give up for now, e.g. because a partial batch has lingered long
  // enough or the run is stopping. Then Read() returns kBlocked and keeps
  // its state; the next Read() carries on.
  using WaitFn = std::function<bool(int fd)>;
  // Asked between the chunks of a member's check: true ends the check.
  using StopFn = std::function<bool()>;

  // Takes ownership of `fd`.
  explicit ByteReader(int fd);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  // Reads up to `n` bytes of content into `out`. Returns the count, 0 at the
  // end, -1 on an I/O or gzip error (status() says which), or kBlocked.
  long Read(char* out, size_t n);

  // Installs the wait function (none: read() blocks as long as it must).
  void set_wait(WaitFn wait) { wait_ = std::move(wait); }
  // Installs the stop function (none: a member's check always runs to its end).
  void set_stop(StopFn stop) { stop_ = std::move(stop); }

  uint64_t raw_bytes_read() const { return raw_read_; }  // from the fd, before inflating
  const Status& status() const { return status_; }
  // After an error: the input byte offset it is about, else -1.
  int64_t error_offset() const { return error_offset_; }
  // gzip: how many members have started (the bytes of the last Read() came
  // from member number members()-1, starting at byte member_start()).
  uint64_t members() const { return members_; }
  uint64_t member_start() const { return member_start_; }

 private:
  enum class FillResult { kData, kEnd, kBlocked };  // kEnd: end of file, or an error (status_)
  FillResult Fill();  // more raw input into in_
  // One read() of up to `cap` bytes into dst (after the wait function);
  // *got: how many. kEnd at the end of the file or on an error (status_).
  FillResult ReadRaw(uint8_t* dst, size_t cap, size_t* got);
  size_t Buffered() const { return in_end_ - in_pos_; }
  uint64_t Offset() const { return raw_read_ - Buffered(); }  // input offset of in_[in_pos_]
  long Fail(Status s, uint64_t offset) {
    status_ = std::move(s);
    error_offset_ = static_cast<int64_t>(offset);
    return -1;
  }

  // One isal_inflate step from in_ into out; see Read().
  long InflateStep(char* out, size_t n);
  // Inflates the member at input offset `start` from the file to nowhere:
  // OK, or the error its reading would give (Corruption). *stopped: the
  // stop function ended it first (the status is then OK).
  Status VerifyMember(uint64_t start, bool* stopped);
  // Before the first byte of the member at member_start_ is returned: 0
  // once it is checked, kBlocked if a stop ended the check, -1 on an error.
  long CheckMemberAhead() {
    if (!verify_ahead_ || member_checked_) return 0;
    bool stopped = false;
    if (Status s = VerifyMember(member_start_, &stopped); !s.ok()) return Fail(std::move(s), member_start_);
    if (stopped) return kBlocked;
    member_checked_ = true;
    return 0;
  }

  int fd_;
  WaitFn wait_;
  StopFn stop_;
  std::vector<uint8_t> in_;
  size_t in_pos_ = 0, in_end_ = 0;
  bool eof_ = false, detected_ = false, gzip_ = false;
  bool verify_ahead_ = false;  // a regular file: members checked before they are read (VerifyMember)
  bool member_checked_ = false;  // the member at member_start_ passed its check
  std::unique_ptr<inflate_state> inflate_;
  std::unique_ptr<inflate_state> verify_;  // VerifyMember's, kept between members
  std::vector<uint8_t> verify_in_, verify_out_;
  uint64_t raw_read_ = 0;
  uint64_t start_offset_ = 0;  // the file offset reading started at (VerifyMember's pread adds it)
  uint64_t members_ = 0, member_start_ = 0;
  int64_t error_offset_ = -1;
  Status status_;
};

}  // namespace newsflow::pipeline
