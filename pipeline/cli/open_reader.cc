// open_reader.cc — see open_reader.h.
#include "open_reader.h"

#include <cstdio>
#include <fstream>

#include "interrupt.h"
#include "pipeline/job/writer_requests.h"

namespace newsflow::cli {

std::unique_ptr<storage::Store> OpenForReading(const std::string& db) {
  CatchInterrupts();
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
  return name + " pid " + std::to_string(pipeline::StoreWriterPid(db));
}

}  // namespace newsflow::cli
