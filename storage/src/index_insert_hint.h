// index_insert_hint.h — internal to storage/: the prefix under which a
// memtable keeps an insert hint for the by_tag and by_stock indexes (RocksDB's
// memtable_insert_with_hint_prefix_extractor).
//
// An index key is `name \0 be64(time) doc key` (store_keys.h). A batch's
// index keys go into the memtable sorted, so a tag's keys arrive together
// and in time order, but each tag starts far from where the tag before it
// ended: without a hint every tag's first key is searched for from the top
// of the skip list, and with thousands of distinct tags (a watch list of
// company names: 11,311 tags over 30,201 cls items) nearly every key is. The
// hint remembers, per name, where its last key went; the next key of that
// name is inserted from there.
//
// The prefix is the name with its NUL, so two names never share a hint
// ("watch:w1" is not a prefix of "watch:w12\0"). Not for by_story: a story
// id is nearly always one document's, so a hint per story would cost its
// ~250 bytes of memtable arena and never be used again.
//
// Ownership: a stateless value, shared by the column family options.
// Threads: thread-safe (const, no state). Errors: none; a key without a NUL
// (none is written) is out of the domain and inserted without a hint.
#pragma once

#include <cstring>

#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>

namespace newsflow::storage {

class IndexNamePrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "newsflow.IndexNamePrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), '\0', key.size());
    return rocksdb::Slice(key.data(), static_cast<size_t>(static_cast<const char*>(nul) - key.data()) + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), '\0', key.size()) != nullptr;
  }
};

}  // namespace newsflow::storage
