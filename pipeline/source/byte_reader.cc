// byte_reader.cc — see byte_reader.h.
#include "pipeline/source/byte_reader.h"

#include <isa-l/igzip_lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace newsflow::pipeline {
namespace {
constexpr size_t kInputChunk = 1u << 20;
}  // namespace

ByteReader::ByteReader(int fd) : fd_(fd), in_(kInputChunk) {
  // Where reading starts in the file (stdin may be a file read from
  // elsewhere than its start): offsets here count from there, pread's from 0.
  const off_t at = ::lseek(fd, 0, SEEK_CUR);
  start_offset_ = at > 0 ? static_cast<uint64_t>(at) : 0;
}

ByteReader::~ByteReader() { close(fd_); }

ByteReader::FillResult ByteReader::Fill() {
  if (eof_) return FillResult::kEnd;
  if (in_pos_ == in_end_) {
    in_pos_ = in_end_ = 0;
  } else if (in_pos_ > 0) {
    std::memmove(in_.data(), in_.data() + in_pos_, Buffered());
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  size_t got = 0;
  const FillResult f = ReadRaw(in_.data() + in_end_, in_.size() - in_end_, &got);
  in_end_ += got;
  return f;
}

ByteReader::FillResult ByteReader::ReadRaw(uint8_t* dst, size_t cap, size_t* got) {
  *got = 0;
  if (eof_) return FillResult::kEnd;
  for (;;) {
    if (wait_ && !wait_(fd_)) return FillResult::kBlocked;
    const ssize_t r = read(fd_, dst, cap);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r < 0) {
      status_ = Status::IOError(std::strerror(errno));
      eof_ = true;
      return FillResult::kEnd;
    }
    if (r == 0) {
      eof_ = true;
      return FillResult::kEnd;
    }
    *got = static_cast<size_t>(r);
    raw_read_ += static_cast<uint64_t>(r);
    return FillResult::kData;
  }
}

long ByteReader::InflateStep(char* out, size_t n) {
  inflate_state* st = inflate_.get();
  st->next_in = in_.data() + in_pos_;
  st->avail_in = static_cast<uint32_t>(Buffered());
  st->next_out = reinterpret_cast<uint8_t*>(out);
  st->avail_out = static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX));
  const uint32_t before_out = st->avail_out;
  const int rc = isal_inflate(st);
  in_pos_ = in_end_ - st->avail_in;
  if (rc < 0) {
    const std::string member = "the gzip member that starts at byte " + std::to_string(member_start_);
    return Fail(Status::Corruption(rc == ISAL_INCORRECT_CHECKSUM
                                       ? "gzip: CRC or length check failed for " + member
                                       : "gzip: corrupt data in " + member + " (isal_inflate error " +
                                             std::to_string(rc) + ")"),
                member_start_);
  }
  return static_cast<long>(before_out - st->avail_out);
}

Status ByteReader::VerifyMember(uint64_t start, bool* stopped) {
  *stopped = false;
  const std::string member = "the gzip member that starts at byte " + std::to_string(start);
  if (!verify_) {
    verify_ = std::make_unique<inflate_state>();
    verify_in_.resize(kInputChunk);
    verify_out_.resize(kInputChunk);
  }
  inflate_state* st = verify_.get();
  isal_inflate_init(st);
  st->crc_flag = ISAL_GZIP;
  uint64_t offset = start_offset_ + start;
  size_t have = 0;  // bytes of verify_in_ not yet taken
  bool end = false;
  while (st->block_state != ISAL_BLOCK_FINISH) {
    if (stop_ && stop_()) {  // once per MiB read or inflated
      *stopped = true;
      return Status::OK();
    }
    if (have == 0 && !end) {
      const ssize_t r = ::pread(fd_, verify_in_.data(), verify_in_.size(), static_cast<off_t>(offset));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::IOError(std::string("reading ") + member + ": " + std::strerror(errno));
      if (r == 0) end = true;
      have = static_cast<size_t>(r);
      offset += static_cast<uint64_t>(r);
      st->next_in = verify_in_.data();
      st->avail_in = static_cast<uint32_t>(have);
    }
    st->next_out = verify_out_.data();
    st->avail_out = static_cast<uint32_t>(verify_out_.size());
    const int rc = isal_inflate(st);
    have = st->avail_in;
    if (rc < 0)
      return Status::Corruption(rc == ISAL_INCORRECT_CHECKSUM
                                    ? "gzip: CRC or length check failed for " + member
                                    : "gzip: corrupt data in " + member + " (isal_inflate error " +
                                          std::to_string(rc) + ")");
    if (st->block_state != ISAL_BLOCK_FINISH && end && have == 0 && st->avail_out == verify_out_.size())
      return Status::Corruption("gzip: the member that starts at byte " + std::to_string(start) +
                                " is truncated (the file ends at byte " + std::to_string(offset - start_offset_) +
                                ")");
  }
  return Status::OK();
}

long ByteReader::Read(char* out, size_t n) {
  if (!status_.ok()) return -1;
  if (!detected_) {
    while (Buffered() < 2) {
      const FillResult f = Fill();
      if (f == FillResult::kBlocked) return kBlocked;
      if (f == FillResult::kEnd) break;
    }
    if (!status_.ok()) return -1;
    gzip_ = Buffered() >= 2 && in_[in_pos_] == 0x1f && in_[in_pos_ + 1] == 0x8b;
    if (gzip_) {
      inflate_ = std::make_unique<inflate_state>();
      isal_inflate_init(inflate_.get());
      inflate_->crc_flag = ISAL_GZIP;
      members_ = 1;
      member_start_ = Offset();
      struct stat st {};
      verify_ahead_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
    }
    detected_ = true;
  }
  if (!gzip_) {
    if (Buffered() == 0) {
      // Plain input goes straight into the caller's buffer: staged in in_
      // first, every byte of the file was copied once more.
      size_t got = 0;
      const FillResult f = ReadRaw(reinterpret_cast<uint8_t*>(out), n, &got);
      if (f == FillResult::kBlocked) return kBlocked;
      if (f == FillResult::kEnd) return status_.ok() ? 0 : -1;
      return static_cast<long>(got);
    }
    const size_t k = std::min(n, Buffered());
    std::memcpy(out, in_.data() + in_pos_, k);
    in_pos_ += k;
    return static_cast<long>(k);
  }
  // The member about to be read is checked first (again, if a stop ended
  // its check in an earlier call).
  if (const long c = CheckMemberAhead(); c != 0) return c;
  for (;;) {
    inflate_state* st = inflate_.get();
    if (st->block_state == ISAL_BLOCK_FINISH) {
      // One gzip member is done; another may follow (concatenated .gz
      // files). Anything else after it is not silently dropped.
      while (Buffered() < 2) {
        const FillResult f = Fill();
        if (f == FillResult::kBlocked) return kBlocked;
        if (f == FillResult::kEnd) break;
      }
      if (!status_.ok()) return Fail(status_, Offset());
      if (Buffered() == 0) return 0;  // the end of the file, right after a member
      if (Buffered() < 2 || in_[in_pos_] != 0x1f || in_[in_pos_ + 1] != 0x8b)
        return Fail(Status::Corruption("gzip: data after the member that starts at byte " +
                                       std::to_string(member_start_) + " is not gzip (byte " +
                                       std::to_string(Offset()) + " onwards, e.g. a plain-text tail or garbage)"),
                    Offset());
      isal_inflate_reset(st);
      st->crc_flag = ISAL_GZIP;
      ++members_;
      member_start_ = Offset();
      member_checked_ = false;
      if (const long c = CheckMemberAhead(); c != 0) return c;
    }
    if (Buffered() == 0 && Fill() == FillResult::kBlocked) {
      // ISA-L may still hold output of input it has taken: hand that on
      // before waiting.
      const long k = InflateStep(out, n);
      return k != 0 ? k : kBlocked;
    }
    if (!status_.ok()) return Fail(status_, Offset());
    const long produced = InflateStep(out, n);
    if (produced != 0) return produced;  // bytes, or -1 on corrupt data
    if (st->block_state != ISAL_BLOCK_FINISH && Buffered() == 0 && eof_) {
      return Fail(Status::Corruption("gzip: the member that starts at byte " + std::to_string(member_start_) +
                                     " is truncated (the file ends at byte " + std::to_string(raw_read_) + ")"),
                  member_start_);
    }
  }
}

}  // namespace newsflow::pipeline
