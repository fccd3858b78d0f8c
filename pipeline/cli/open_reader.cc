// open_reader.cc — see open_reader.h.
#include "open_reader.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <fstream>

#include "interrupt.h"
#include "pipeline/job/writer_requests.h"

namespace newsflow::cli {

std::unique_ptr<storage::Store> OpenForReading(const std::string& db, bool hangup_stops) {
  CatchInterrupts(hangup_stops);
  storage::StoreOptions o;
  o.path = db;
  o.create_if_missing = false;
  o.read_only = true;
  std::unique_ptr<storage::Store> store;
  if (auto s = storage::Store::Open(o, &store); !s.ok()) {
    std::fprintf(stderr, "newsflow: %s\n", s.message().c_str());
    return nullptr;
  }
  return store;
}

std::string StoreSession(const std::string& db) {
  std::ifstream in(db + "/CURRENT");
  std::string name;
  std::getline(in, name);
  if (name.empty()) return name;
  // The directory itself too: a store restored (or moved) into the path can
  // name the same MANIFEST as the one a reader opened there.
  struct stat st {};
  if (::stat(db.c_str(), &st) != 0) return {};
  return fmt::format("{} pid {} dir {}:{}", name, pipeline::StoreWriterPid(db), static_cast<uint64_t>(st.st_dev),
                     static_cast<uint64_t>(st.st_ino));
}

}  // namespace newsflow::cli
