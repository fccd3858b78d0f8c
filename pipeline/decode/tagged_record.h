// tagged_record.h — a document as another newsflow instance published it
// with --tagged (its `query --json` object, body included), read back so a
// desk node stores it without tagging it again (--format tagged).
//
//   {"key":"cls:1","source":"cls","time_ms":..,"title":..,"body":..,"url":..,"level":..,
//    "stocks":[..],"stock_codes":[..],"tags":[ids],"scores":{id:score},
//    "spans":[{"tag","keyword","field","begin","end",..}],"ruleset_version":..,...}
//
// Required: key ("<source>:<id>"), source, time_ms, tags, scores (a score
// for every tag), ruleset_version; the rest default to empty. Checked as a
// feed item is: time_ms in the decoders' 1990..2099 UTC (time_util.h) or 0
// (no time); a title/body span within its field's bytes, on UTF-8
// character boundaries; a label span [i, i + 1) of `labels`. Other fields
// (time, story, also, ...) are ignored: the desk node clusters stories
// itself, over all partitions.
//
// Ownership: the caller's parser. Threads: one parser per thread. Errors:
// InvalidArgument naming the field (the item becomes a dead letter).
#pragma once

#include <simdjson.h>

#include <string_view>

#include "newsflow/base/status.h"
#include "newsflow/storage/record.h"

namespace newsflow::pipeline {

Status DecodeTaggedRecord(std::string_view line, simdjson::dom::parser* parser, storage::Record* out);

}  // namespace newsflow::pipeline
