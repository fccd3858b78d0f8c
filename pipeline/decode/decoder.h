// decoder.h — one JSON line -> one Document, with simdjson's DOM parser
// (which validates the whole line: decoder.cc says why DOM).
//
// A Decoder is per thread: it owns a simdjson parser and a padded copy buffer
// (the input line is copied into it, so callers may pass any string_view).
// Decode() never throws and never aborts on bad input: it returns
// InvalidArgument with the reason (for the dead-letter record) instead.
// Ownership: the caller owns the Decoder; Threads: one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/decode/document.h"
#include "pipeline/decode/field_map.h"

namespace newsflow::pipeline {

// A UTF-8 byte order mark: not part of a JSON text (RFC 8259, 8.1: a parser
// may ignore it), so a line that starts with one is read without it.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Which field map(s) a decoder uses.
struct FormatSpec {
  // kTagged: newsflow's own tagged documents (--tagged), read by the job's
  // decode stage (tagged_record.h), not by Decoder.
  enum class Kind { kCls, kEastmoney, kThs, kAuto, kMap, kTagged } kind = Kind::kAuto;
  FieldMap map;  // for kMap
};

// Parses "cls" | "eastmoney" | "ths" | "auto" | "tagged" | "map:FILE". InvalidArgument
// (or the field map's load error) if it is none of these.
Status ParseFormatSpec(std::string_view text, FormatSpec* out);

struct DecoderOptions {
  size_t max_line_bytes = 1 << 20;  // longer lines are dead-lettered as oversized
  size_t max_labels = 64;           // feed labels kept per item (field_map.h `labels`); the rest are dropped
  // A line is accepted only if it is valid JSON (RFC 8259) as a whole, the
  // values no field map reads included: always (the parse validates it).
};

class Decoder {
 public:
  Decoder(const FormatSpec& spec, const DecoderOptions& options = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one line (without its newline) into *out (overwritten).
  Status Decode(std::string_view line, Document* out);

  // Under --format cls, eastmoney or ths, when the first JSON object decoded
  // carries another feed's keys (what --format auto would read it as): the
  // feed it is read as and the one it looks like; else nullopt. A wrong
  // --format is no error (the items that have its fields are stored under
  // its name), so the job says it.
  struct FeedMismatch {
    std::string read_as, looks_like;
  };
  const std::optional<FeedMismatch>& FirstObjectMismatch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace newsflow::pipeline
