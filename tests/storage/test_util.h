// test_util.h — helpers shared by the storage tests.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "newsflow/storage/record.h"

namespace newsflow::storage::testing {

// A fresh, not-yet-existing directory under the system temp dir; removed
// (recursively) on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<uint64_t> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "newsflow_storage_";
    if (info != nullptr) name += std::string(info->test_suite_name()) + "." + info->name() + "_";
    name += std::to_string(::getpid()) + "_" + std::to_string(counter++);
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    path_ = std::filesystem::temp_directory_path() / name;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Opens the store at `path` as plain RocksDB (every column family) and
// hands it to `edit`: a test rewrites it as an older version left it.
inline void EditRaw(const std::string& path,
             const std::function<void(rocksdb::DB*, const std::vector<rocksdb::ColumnFamilyHandle*>&)>& edit) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.push_back({n, rocksdb::ColumnFamilyOptions()});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  edit(db.get(), handles);
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(db->Close().ok());
}

inline bool SameDouble(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Field-by-field comparison with readable failures; scores compared bitwise.
inline void ExpectRecordEq(const Record& want, const Record& got) {
  EXPECT_EQ(want.key, got.key);
  EXPECT_EQ(want.source, got.source);
  EXPECT_EQ(want.time_ms, got.time_ms);
  EXPECT_EQ(want.title, got.title);
  EXPECT_EQ(want.body, got.body);
  EXPECT_EQ(want.url, got.url);
  EXPECT_EQ(want.level, got.level);
  EXPECT_EQ(want.stocks, got.stocks);
  EXPECT_EQ(want.stock_codes, got.stock_codes);
  ASSERT_EQ(want.labels.size(), got.labels.size());
  for (size_t i = 0; i < want.labels.size(); ++i) {
    EXPECT_EQ(want.labels[i].field, got.labels[i].field) << "label " << i;
    EXPECT_EQ(want.labels[i].name, got.labels[i].name) << "label " << i;
  }
  ASSERT_EQ(want.tags.size(), got.tags.size());
  for (size_t i = 0; i < want.tags.size(); ++i) {
    EXPECT_EQ(want.tags[i].tag, got.tags[i].tag) << "tag " << i;
    EXPECT_TRUE(SameDouble(want.tags[i].score, got.tags[i].score))
        << "tag " << i << ": " << want.tags[i].score << " vs " << got.tags[i].score;
  }
  ASSERT_EQ(want.spans.size(), got.spans.size());
  for (size_t i = 0; i < want.spans.size(); ++i) {
    EXPECT_EQ(want.spans[i].tag, got.spans[i].tag) << "span " << i;
    EXPECT_EQ(want.spans[i].keyword, got.spans[i].keyword) << "span " << i;
    EXPECT_EQ(want.spans[i].field, got.spans[i].field) << "span " << i;
    EXPECT_EQ(want.spans[i].begin, got.spans[i].begin) << "span " << i;
    EXPECT_EQ(want.spans[i].end, got.spans[i].end) << "span " << i;
  }
  EXPECT_EQ(want.ruleset_version, got.ruleset_version);
  EXPECT_EQ(want.origin, got.origin);
  EXPECT_EQ(want.story, got.story);
}

inline void ExpectDeadLetterEq(const DeadLetter& want, const DeadLetter& got) {
  EXPECT_EQ(want.reason, got.reason);
  EXPECT_EQ(want.position, got.position);
  EXPECT_EQ(want.raw, got.raw);
  EXPECT_EQ(want.time_ms, got.time_ms);
}

// Every byte value, twice, including NULs and invalid UTF-8 sequences.
inline std::string AllBytes() {
  std::string s;
  for (int rep = 0; rep < 2; ++rep) {
    for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
  }
  return s;
}

}  // namespace newsflow::storage::testing
