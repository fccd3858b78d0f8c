// Tests of storage::FromRocks (storage/src/rocks_status.h): a write refused
// because a background flush failed must name the flush's error.
#include "storage/src/rocks_status.h"

#include <gtest/gtest.h>

namespace newsflow::storage {
namespace {

// What DBImpl::DelayWrite returns while writes are stopped by a failed
// background job: Incomplete, with the job's error as its text.
rocksdb::Status StoppedBy(const rocksdb::Status& background) {
  return rocksdb::Status::Incomplete(background.ToString());
}

TEST(FromRocks, AWriteStoppedByAFailedFlushTakesTheFlushsError) {
  const Status full = FromRocks("store: write failed", StoppedBy(rocksdb::Status::NoSpace("injected fault")));
  EXPECT_TRUE(full.IsNoSpace()) << full.ToString();
  EXPECT_NE(full.message().find("store: write failed: "), std::string::npos) << full.message();
  EXPECT_NE(full.message().find("injected fault"), std::string::npos) << full.message();

  EXPECT_TRUE(FromRocks("w", StoppedBy(rocksdb::Status::IOError("disk gone"))).IsIOError());
  EXPECT_TRUE(FromRocks("w", StoppedBy(rocksdb::Status::Corruption("bad block"))).code() == Status::Code::kCorruption);
  // The same errors returned directly, as later writes get them.
  EXPECT_TRUE(FromRocks("w", rocksdb::Status::NoSpace("x")).IsNoSpace());
  EXPECT_TRUE(FromRocks("w", rocksdb::Status::IOError("x")).IsIOError());
}

TEST(FromRocks, OtherStatusesKeepTheirMapping) {
  EXPECT_TRUE(FromRocks("w", rocksdb::Status::NotFound("x")).IsNotFound());
  EXPECT_TRUE(FromRocks("w", rocksdb::Status::InvalidArgument("x")).IsInvalidArgument());
  // An Incomplete that carries no background error, and other codes: Internal,
  // or IOError where the caller says so (backups).
  const rocksdb::Status other = rocksdb::Status::Incomplete("iterator not finished");
  EXPECT_EQ(FromRocks("w", other).code(), Status::Code::kInternal) << FromRocks("w", other).ToString();
  EXPECT_TRUE(FromRocks("w", other, /*other_is_io_error=*/true).IsIOError());
  EXPECT_EQ(FromRocks("w", rocksdb::Status::Busy("x")).code(), Status::Code::kInternal);
}

}  // namespace
}  // namespace newsflow::storage
