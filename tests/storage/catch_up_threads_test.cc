// catch_up_threads_test.cc — a reader's CatchUp() starts no thread when the
// writer has written nothing new.
//
// `newsflow serve` catches its reader up with the writer twice a second for
// months. RocksDB 7.8's secondary instance, with its default
// max_file_opening_threads (16), started threads for every catch-up (to load
// the table handlers of a version that had not changed): ~30 a second at
// rest, 1-2% of a core. This file counts the threads the process starts by
// interposing pthread_create (the test executable's definition comes first
// in the dynamic linker's search; it hands each call on to the next one:
// libc's, or a sanitizer's).
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "newsflow/storage/store.h"
#include "tests/storage/test_util.h"

namespace {
std::atomic<int> g_threads_started{0};
}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  using Fn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const Fn next = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "pthread_create"));
  g_threads_started.fetch_add(1);
  return next(thread, attr, start, arg);
}

namespace newsflow::storage {
namespace {

TEST(StoreCatchUp, AReaderAtRestStartsNoThreadToCatchUp) {
  testing::TempDir dir;
  StoreOptions wo;
  wo.path = dir.str();
  std::unique_ptr<Store> writer;
  ASSERT_TRUE(Store::Open(wo, &writer).ok());
  WriteSet ws;
  for (int i = 0; i < 20; ++i) {
    Record r;
    r.key = "cls:" + std::to_string(i);
    r.source = "cls";
    r.time_ms = 1000 + i;
    r.title = "title";
    r.tags = {{"chips", 1.0}};
    ws.records.push_back(r);
  }
  ASSERT_TRUE(writer->Write(ws).ok());

  StoreOptions ro = wo;
  ro.read_only = true;
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::Open(ro, &reader).ok());
  // The counter sees threads that a shared library starts: one std::thread
  // (libstdc++ calls pthread_create through its PLT, as RocksDB does) is
  // counted, so a count of 0 below means something.
  const int before_probe = g_threads_started.load();
  std::thread([] {}).join();
  ASSERT_EQ(g_threads_started.load(), before_probe + 1);

  const int before = g_threads_started.load();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_EQ(g_threads_started.load() - before, 0) << "threads started by 10 catch-ups with nothing new";

  // And a catch-up after the writer wrote again still sees the new data.
  WriteSet more;
  Record r;
  r.key = "cls:new";
  r.source = "cls";
  r.time_ms = 5000;
  r.title = "title";
  r.tags = {{"chips", 1.0}};
  more.records.push_back(r);
  ASSERT_TRUE(writer->Write(more).ok());
  ASSERT_TRUE(reader->CatchUp().ok());
  uint64_t n = 0;
  ASSERT_TRUE(reader->CountTagIndex("chips", &n).ok());
  EXPECT_EQ(n, 21u);
}

}  // namespace
}  // namespace newsflow::storage
