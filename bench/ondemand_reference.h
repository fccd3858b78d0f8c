// ondemand_reference.h — the yardstick for what strict validation costs
// (bench-only): the fields of a built-in feed map read with simdjson
// On-Demand and nothing else checked, as the decoder did before it
// validated whole lines (unread values are skipped unseen). It fills the
// same Document fields the Decoder fills (id, time, title, body, url, level,
// stocks, labels), so decode/<corpus> vs decode-unvalidated/<corpus> is the
// price of validating every byte. Not for use on input: it accepts invalid
// JSON in every value it does not read.
#pragma once

#include <simdjson.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/decode/document.h"
#include "pipeline/decode/field_map.h"

namespace newsflow::bench {

class OnDemandReference {
 public:
  explicit OnDemandReference(pipeline::FieldMap map) : map_(std::move(map)) {}

  // False if the line is not JSON enough to read the mapped fields.
  bool Decode(std::string_view line, pipeline::Document* d) {
    namespace od = simdjson::ondemand;
    *d = pipeline::Document{};
    if (buf_.size() < line.size() + simdjson::SIMDJSON_PADDING) buf_.resize(line.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(buf_.data(), line.data(), line.size());
    std::memset(buf_.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
    od::document doc;
    od::object obj;
    if (parser_.iterate(buf_.data(), line.size(), buf_.size()).get(doc) || doc.get_object().get(obj)) return false;
    for (auto f : obj) {
      std::string_view key, sv;
      if (f.unescaped_key().get(key)) return false;
      const std::string path = "/" + std::string(key);
      if (path == map_.id) {
        uint64_t u;
        if (!f.value().get_uint64().get(u)) d->id = std::to_string(u);
        else if (!f.value().get_string().get(sv)) d->id.assign(sv);
      } else if (path == map_.time) {
        int64_t t;
        if (!f.value().get_int64().get(t)) d->time_ms = t * 1000;
        else if (!f.value().get_string().get(sv)) d->time_ms = std::atoll(std::string(sv).c_str()) * 1000;
      } else if (path == map_.title || path == map_.body || path == map_.url || path == map_.level) {
        std::string* dst = path == map_.title ? &d->title : path == map_.body ? &d->body : path == map_.url ? &d->url : &d->level;
        if (!f.value().get_string().get(sv)) dst->assign(sv);
      } else if (path == map_.stocks) {
        Names(f.value(), map_.stock_field, &d->stocks);
      } else {
        for (const auto& src : map_.labels)
          if (path == src.path) {
            std::vector<std::string> names;
            Names(f.value(), src.name_field, &names);
            for (auto& n : names) d->labels.push_back({src.field, std::move(n)});
          }
      }
    }
    return true;
  }

 private:
  // Strings of an array, or each object's `field` string.
  static void Names(simdjson::ondemand::value v, const std::string& field, std::vector<std::string>* out) {
    simdjson::ondemand::array arr;
    if (v.get_array().get(arr)) return;
    for (auto el : arr) {
      std::string_view sv;
      simdjson::ondemand::object o;
      if (field.empty()) {
        if (!el.get_string().get(sv)) out->emplace_back(sv);
      } else if (!el.get_object().get(o)) {
        for (auto kv : o) {
          std::string_view k;
          if (!kv.unescaped_key().get(k) && k == field && !kv.value().get_string().get(sv)) {
            out->emplace_back(sv);
            break;
          }
        }
      }
    }
  }

  pipeline::FieldMap map_;
  simdjson::ondemand::parser parser_;
  std::vector<char> buf_;
};

}  // namespace newsflow::bench
