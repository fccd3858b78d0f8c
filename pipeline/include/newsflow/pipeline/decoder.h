// decoder.h — one JSON line -> one Document, with simdjson On-Demand.
//
// A Decoder is per thread: it owns a simdjson parser and a padded copy buffer
// (the input line is copied into it, so callers may pass any string_view).
// Decode() never throws and never aborts on bad input: it returns an error
// reason (for the dead-letter record) instead.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "newsflow/pipeline/document.h"
#include "newsflow/pipeline/field_map.h"

namespace newsflow::pipeline {

// Which field map(s) a decoder uses.
struct FormatSpec {
  enum class Kind { kCls, kEastmoney, kThs, kAuto, kMap } kind = Kind::kAuto;
  FieldMap map;  // for kMap
};

// Parses "cls" | "eastmoney" | "ths" | "auto" | "map:FILE". Empty string on
// success, else the reason.
std::string ParseFormatSpec(std::string_view text, FormatSpec* out);

struct DecoderOptions {
  size_t max_line_bytes = 1 << 20;  // longer lines are dead-lettered as oversized
};

// The outcome of one Decode(): empty error = success.
struct [[nodiscard]] DecodeResult {
  std::string error;
  bool ok() const { return error.empty(); }
};

class Decoder {
 public:
  Decoder(const FormatSpec& spec, const DecoderOptions& options = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one line (without its newline) into *out (overwritten).
  DecodeResult Decode(std::string_view line, Document* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace newsflow::pipeline
