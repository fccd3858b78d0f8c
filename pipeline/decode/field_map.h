// field_map.h — where a JSON feed keeps the fields of a Document.
//
// The three wire feeds are built-in maps; any other JSON Lines feed is
// described by a small YAML file given as `--format map:FILE`:
//
//   source: fincuge          # key prefix, required
//   id: /id                  # JSON pointer, required (string or integer)
//   title: /title            # at least one of title/body is required
//   body: /content
//   body_fallback: /brief    # used when body is missing or empty
//   time: /ctime             # optional
//   time_format: unix_s      # unix_s | unix_ms | datetime ("YYYY-MM-DD HH:MM:SS")
//   tz_offset: "+08:00"      # for datetime: the feed's local offset from UTC
//   url: /url
//   level: /level
//   stocks: /stock_list      # array of strings, or of objects with stock_field
//   stock_field: StockID
//   stock_market_field: stockMarket  # optional: the object's market id (ths), see stock_code.h
//   title_from_body_brackets: false  # empty title -> the 【…】 prefix of body (cls)
//   labels:                  # the feed's own topic names, evidence for tags
//     - {path: /tagInfo, name_field: name, as: ths.tagInfo}  # array of objects
//     - {path: /keywords, as: mine.keywords}                 # array of strings
//                            # `as` is the label's field in the rule set's label
//                            # table (rules/SCHEMA.md, "Feed labels")
//   required: [id, time, body]       # fields whose absence dead-letters the item
//                                    # (id always: it makes the key)
//
// Unknown keys, a key given twice, a pointer that is not RFC 6901, a
// `source` that is not 1-64 of a-z 0-9 - _, `required` naming a field the
// map does not read and `time_format` without `time` are rejected at load,
// so that mistakes surface at start-up, not as items lost or dead-lettered.
//
// Ownership: FieldMap and LabelSource are plain values. Threads: pure
// functions; a loaded map is read-only and shared by the workers' decoders.
// Errors: LoadFieldMap's Status (below).
#pragma once

#include <string>
#include <vector>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

enum class TimeFormat { kNone, kUnixSeconds, kUnixMillis, kDateTime };

// Where a feed keeps topic names: an array of strings, or of objects whose
// `name_field` is the name.
struct LabelSource {
  std::string path;        // JSON pointer to the array
  std::string name_field;  // "" = the elements are strings
  std::string field;       // the labels' field, "FEED.FIELD"
};

struct FieldMap {
  std::string source;
  std::string id, title, body, body_fallback, time, url, level, stocks;
  std::string stock_field;
  std::string stock_market_field;  // key of the market id beside stock_field ("" = none)
  TimeFormat time_format = TimeFormat::kNone;
  int tz_offset_minutes = 0;
  bool title_from_body_brackets = false;
  std::vector<std::string> required;  // names among: id, time, title, body
  std::vector<LabelSource> labels;
};

// The built-in maps.
std::vector<std::string> BuiltInFeeds();  // their sources: cls, eastmoney, ths
// The label fields the built-in maps write (cls.subjects, cls.plate_list,
// ths.tagInfo): what a label table entry's `field` names, unless a map of
// its own (`as`) adds one.
std::vector<std::string> BuiltInLabelFields();
FieldMap ClsFieldMap();
FieldMap EastmoneyFieldMap();
FieldMap ThsFieldMap();

// Loads a map from YAML. NotFound, or InvalidArgument with a message naming
// the file, line and problem.
Status LoadFieldMap(const std::string& path, FieldMap* out);

}  // namespace newsflow::pipeline
