// source.h — where raw records come from: a JSON Lines file (plain or .gz),
// stdin, or (kafka_source.h) a Kafka consumer group.
//
// A source is driven by one reader thread. Next() fills a batch with up to
// `max_items` records / `max_bytes` bytes and returns false at the end of the
// input or on an I/O error (see error()). Committed() is called by the writer
// after a batch is durably stored, in batch order.
#pragma once

#include <memory>
#include <string>

#include "newsflow/pipeline/batch.h"

namespace newsflow::pipeline {

struct SourceLimits {
  size_t max_items = 1024;            // records per batch
  size_t max_bytes = 1u << 20;        // raw bytes per batch (a batch holds at least one record)
  size_t max_record_bytes = 1u << 20; // longer records are kept (up to 64 MiB) and dead-lettered
};

class Source {
 public:
  virtual ~Source() = default;
  [[nodiscard]] virtual bool Next(Batch* batch) = 0;
  // Empty unless Next() returned false because of an error.
  virtual std::string error() const = 0;
  // Bytes of input consumed so far and total size if known (0 = unknown), for progress.
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_total() const { return 0; }
  // Asks a long-running source (Kafka) to stop; Next() then returns false soon.
  virtual void Stop() {}
  // The writer has durably stored this batch.
  virtual void Committed(const Batch& /*batch*/) {}
};

// Opens "-" (stdin) or a path; gzip is detected from the content, not the name.
// Returns nullptr and sets *error if the file cannot be opened.
std::unique_ptr<Source> OpenLineSource(const std::string& path, const SourceLimits& limits,
                                       std::string* error);

}  // namespace newsflow::pipeline
