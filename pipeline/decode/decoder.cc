// decoder.cc — simdjson DOM decoding of one feed line into a Document.
//
// Why DOM and not On-Demand: a line is stored only if it is valid JSON as a
// whole (RFC 8259), the values no field map reads included. simdjson's DOM
// parse validates all of it in its stage 2 while building the tape; the
// fields are then read from the tape. On-Demand checks only what it reads,
// and checking the rest through it cost +45% on cls lines (~50 keys, most
// unread); the DOM parse costs about what the unvalidated On-Demand walk
// did (bench/RESULTS.md, "Decode: what strict validation costs").
#include "pipeline/decode/decoder.h"
#include "pipeline/decode/control_char.h"
#include "pipeline/decode/invalid_utf8.h"
#include "pipeline/decode/stock_code.h"
#include "pipeline/decode/time_util.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <string_view>

namespace newsflow::pipeline {
namespace {

namespace dom = simdjson::dom;

enum Slot : int { kId, kTime, kTitle, kBody, kBodyFallback, kUrl, kLevel, kStocks, kNumSlots };
constexpr const char* kSlotNames[kNumSlots] = {"id", "time", "title", "body", "body_fallback", "url", "level", "stocks"};

const char* TypeName(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY: return "array";
    case dom::element_type::OBJECT: return "object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "number";
    case dom::element_type::STRING: return "string";
    case dom::element_type::BOOL: return "boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "unknown";
}

bool IsNumber(dom::element_type t) {
  return t == dom::element_type::INT64 || t == dom::element_type::UINT64 || t == dom::element_type::DOUBLE;
}

// "/a~1b/c" -> components {"a/b", "c"}.
std::vector<std::string> SplitPointer(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string c;
    for (size_t k = i; k < j; ++k) {
      if (p[k] == '~' && k + 1 < j) {
        c += p[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        c += p[k];
      }
    }
    out.push_back(std::move(c));
    i = j + 1;
  }
  return out;
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + (c - '0');
  }
  *out = x;
  return true;
}

// The 【…】 headline at the start of a cls body, or empty.
std::string_view BracketHeadline(std::string_view body) {
  static constexpr std::string_view kOpen = "\xE3\x80\x90", kClose = "\xE3\x80\x91";
  size_t i = 0;
  while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) ++i;
  if (body.substr(i, kOpen.size()) != kOpen) return {};
  const size_t start = i + kOpen.size();
  const size_t end = body.find(kClose, start);
  if (end == std::string_view::npos) return {};
  return body.substr(start, end - start);
}

}  // namespace

Status ParseFormatSpec(std::string_view text, FormatSpec* out) {
  FormatSpec s;
  if (text == "cls") s.kind = FormatSpec::Kind::kCls;
  else if (text == "eastmoney") s.kind = FormatSpec::Kind::kEastmoney;
  else if (text == "ths") s.kind = FormatSpec::Kind::kThs;
  else if (text == "auto") s.kind = FormatSpec::Kind::kAuto;
  else if (text == "tagged") s.kind = FormatSpec::Kind::kTagged;
  else if (text.substr(0, 4) == "map:") {
    s.kind = FormatSpec::Kind::kMap;
    NEWSFLOW_RETURN_IF_ERROR(LoadFieldMap(std::string(text.substr(4)), &s.map));
  } else {
    return Status::InvalidArgument("unknown format '" + std::string(text) +
                                   "' (expected cls, eastmoney, ths, auto, tagged or map:FILE)");
  }
  *out = std::move(s);
  return Status::OK();
}

// A field map prepared for one pass over the top-level keys.
struct PreparedMap {
  FieldMap map;
  std::array<std::string, kNumSlots> top;                  // single-component key (its filter bit set), or unused
  std::array<std::string, kNumSlots> deep;                 // a multi-component JSON pointer, or empty
  std::array<std::vector<std::string>, kNumSlots> deep_keys;  // its components, unescaped (SplitPointer)
  bool required[kNumSlots] = {};
  // Label sources (map.labels) by index: single-component keys, and deeper pointers.
  std::vector<std::pair<std::string, size_t>> label_top, label_deep;

  // What a top-level key can name, by its length and first byte: bit i for
  // slot i, kLabelBit for a label source. The pass over an object's keys
  // compares a key with the map's keys only when its entry is set: a cls
  // object has some 50 keys and compared each with every slot's key.
  static constexpr uint16_t kLabelBit = 1u << kNumSlots;
  static constexpr size_t kFilterRows = 32;  // keys of 31 bytes or more share the last row
  uint16_t filter[kFilterRows][256] = {};

  static size_t Row(std::string_view key) { return std::min(key.size(), kFilterRows - 1); }
  static unsigned char Column(std::string_view key) { return key.empty() ? 0 : static_cast<unsigned char>(key[0]); }
  uint16_t Filter(std::string_view key) const { return filter[Row(key)][Column(key)]; }

  explicit PreparedMap(FieldMap m) : map(std::move(m)) {
    for (size_t i = 0; i < map.labels.size(); ++i) {
      auto parts = SplitPointer(map.labels[i].path);
      if (parts.size() == 1) label_top.emplace_back(parts[0], i);
      else label_deep.emplace_back(map.labels[i].path, i);
    }
    const std::string* paths[kNumSlots] = {&map.id, &map.time, &map.title, &map.body,
                                           &map.body_fallback, &map.url, &map.level, &map.stocks};
    for (int i = 0; i < kNumSlots; ++i) {
      if (paths[i]->empty()) continue;
      auto parts = SplitPointer(*paths[i]);
      if (parts.size() == 1) {
        top[i] = parts[0];  // may be empty: `/` names the key ""
        filter[Row(top[i])][Column(top[i])] |= static_cast<uint16_t>(1u << i);
      } else {
        deep[i] = *paths[i];
        deep_keys[i] = std::move(parts);
      }
    }
    for (const auto& r : map.required)
      for (int i = 0; i < kNumSlots; ++i)
        if (r == kSlotNames[i]) required[i] = true;
    for (const auto& [key, index] : label_top) filter[Row(key)][Column(key)] |= kLabelBit;
  }
};
static_assert(kNumSlots < 16, "PreparedMap::filter has a bit per slot and one for labels");

struct Decoder::Impl {
  DecoderOptions options;
  FormatSpec::Kind kind;
  std::unique_ptr<PreparedMap> cls, eastmoney, ths, custom;
  dom::parser parser;
  std::vector<char> buffer;  // padded copy of the line

  // The first object under a feed's --format was looked at, and whether it
  // carried another feed's keys.
  bool first_checked = false;
  std::optional<Decoder::FeedMismatch> first_mismatch;

  // Per-decode state.
  bool seen[kNumSlots];
  uint32_t labels_seen = 0;  // bit i: label_top[i] taken in this line
  std::string body_fallback;

  // The field map for a parsed line: the configured one, or for --format
  // auto the feed whose keys the object carries at its top level. One pass
  // over the keys; searching the raw line for them instead scanned every
  // byte of a cls line twice (~6% of a run's CPU in `perf`).
  const PreparedMap* Pick(dom::object obj, Status* err) {
    const PreparedMap* given = nullptr;
    switch (kind) {
      case FormatSpec::Kind::kCls: given = cls.get(); break;
      case FormatSpec::Kind::kEastmoney: given = eastmoney.get(); break;
      case FormatSpec::Kind::kThs: given = ths.get(); break;
      case FormatSpec::Kind::kMap: return custom.get();
      case FormatSpec::Kind::kAuto: break;
      case FormatSpec::Kind::kTagged:  // refused before the parse (Decode)
        *err = TaggedRefused();
        return nullptr;
    }
    if (given != nullptr) {
      // The first object under a feed's --format: the feed its keys name,
      // when another (`--format ths` on a cls file stores cls items as ths
      // documents under ths: keys, with no error).
      if (!first_checked) {
        first_checked = true;
        const PreparedMap* by_keys = FeedByKeys(obj);
        if (by_keys != nullptr && by_keys != given) first_mismatch = {given->map.source, by_keys->map.source};
      }
      return given;
    }
    if (const PreparedMap* by_keys = FeedByKeys(obj)) return by_keys;
    *err = Status::InvalidArgument(
        "format auto: cannot tell the feed (no top-level showTime, digest/tagInfo/rtime, or ctime with "
        "content/brief/shareurl key); pass --format");
    return nullptr;
  }

  // The feed whose keys `obj` carries at its top level (what --format auto
  // reads it as), or null.
  const PreparedMap* FeedByKeys(dom::object obj) const {
    // Keys that only one feed uses; more than one each, so that an item
    // missing an optional field (a ths flash without `digest`, a cls one
    // without `content`) is still told, as its --format would read it.
    // By length first: most keys have none of the lengths, and a showTime
    // decides at once.
    bool ths_key = false, cls_key = false, ctime = false;
    // The case's length is the key's: a fixed-length memcmp, which the
    // compiler inlines (string_view's == called compare out of line, ~11
    // calls an item).
    auto is = []<size_t N>(std::string_view k, const char (&name)[N]) {
      return std::memcmp(k.data(), name, N - 1) == 0;
    };
    for (dom::key_value_pair field : obj) {
      const std::string_view k = field.key;
      switch (k.size()) {
        case 5:
          ths_key |= is(k, "rtime");
          cls_key |= is(k, "brief");
          ctime |= is(k, "ctime");
          break;
        case 6:
          ths_key |= is(k, "digest");
          break;
        case 7:
          ths_key |= is(k, "tagInfo");
          cls_key |= is(k, "content");
          break;
        case 8:
          if (is(k, "showTime")) return eastmoney.get();
          cls_key |= is(k, "shareurl");
          break;
        default:
          break;
      }
    }
    if (ths_key) return ths.get();
    if (cls_key && ctime) return cls.get();
    return nullptr;
  }

  // The label source read from top-level `key` (the first one, if the key
  // repeats in the line), or null.
  const LabelSource* TopLabelSource(const PreparedMap& pm, std::string_view key) {
    for (size_t i = 0; i < pm.label_top.size(); ++i)
      if (pm.label_top[i].first == key && !(labels_seen & (1u << i))) {
        labels_seen |= 1u << i;
        return &pm.map.labels[pm.label_top[i].second];
      }
    return nullptr;
  }

  static Status JsonError(simdjson::error_code e) {
    return Status::InvalidArgument(std::string("json: ") + simdjson::error_message(e));
  }

  static Status FieldError(const char* name, std::string_view what) {
    return Status::InvalidArgument(std::string("field `") + name + "`: " + std::string(what));
  }

  // A string value into *dst; null leaves it empty.
  static Status TakeString(const char* name, dom::element v, std::string* dst) {
    const dom::element_type t = v.type();
    if (t == dom::element_type::NULL_VALUE) return Status::OK();
    if (t != dom::element_type::STRING) return FieldError(name, std::string("expected string, got ") + TypeName(t));
    dst->assign(std::string_view(v));
    return Status::OK();
  }

  static Status TakeId(dom::element v, Document* d) {
    const dom::element_type t = v.type();
    if (t == dom::element_type::STRING) {
      const std::string_view sv(v);
      if (sv.empty()) return FieldError("id", "empty");
      if (const auto at = FirstControlChar(sv))  // it would become part of the key (control_char.h)
        return FieldError("id", ControlCharMessage(sv, *at));
      d->id.assign(sv);
    } else if (IsNumber(t)) {
      uint64_t u;
      if (v.get_uint64().get(u)) return FieldError("id", "expected a non-negative integer");
      d->id = std::to_string(u);
    } else {
      return FieldError("id", std::string("expected string or integer, got ") + TypeName(t));
    }
    return Status::OK();
  }

  static Status TakeTime(const PreparedMap& pm, dom::element v, Document* d) {
    const TimeFormat f = pm.map.time_format;
    const dom::element_type t = v.type();
    // null is no time: an error where the map requires one (the item would
    // be stored at 1970-01-01, out of every time window, and pruned first),
    // else the document has none, as when the key is absent.
    if (t == dom::element_type::NULL_VALUE)
      return pm.required[kTime] ? FieldError("time", "null (the feed's map requires a time)") : Status::OK();
    if (f == TimeFormat::kDateTime) {
      std::string s;
      NEWSFLOW_RETURN_IF_ERROR(TakeString("time", v, &s));
      if (!ParseDateTime(s, pm.map.tz_offset_minutes, &d->time_ms))
        return FieldError("time", "expected \"YYYY-MM-DD HH:MM:SS\", got \"" + s.substr(0, 40) + "\"");
      return CheckTimeRange(d->time_ms);
    }
    int64_t n;
    if (t == dom::element_type::DOUBLE) {
      // 1785503147.25 (Python's time.time(), a JavaScript number): the
      // fraction is kept to the millisecond.
      double x = 0;
      if (v.get_double().get(x) != simdjson::SUCCESS) return FieldError("time", "expected a number");
      const double ms = f == TimeFormat::kUnixMillis ? x : x * 1000.0;
      if (!(ms >= 0) || ms > 4.1e12) return FieldError("time", "expected a non-negative number of plausible size");
      d->time_ms = std::llround(ms);
      return CheckTimeRange(d->time_ms);
    }
    if (IsNumber(t)) {
      if (v.get_int64().get(n) || n < 0) return FieldError("time", "expected a non-negative integer");
    } else if (t == dom::element_type::STRING) {
      const std::string_view sv(v);
      if (!ParseInt(sv, &n))
        return FieldError("time", "expected at most 18 digits, got \"" + std::string(sv.substr(0, 40)) + "\"");
    } else {
      return FieldError("time", std::string("expected integer, got ") + TypeName(t));
    }
    if (f == TimeFormat::kUnixMillis) {
      d->time_ms = n;
    } else if (__builtin_mul_overflow(n, int64_t{1000}, &d->time_ms)) {
      return FieldError("time", "out of range: " + std::to_string(n) + " seconds");
    }
    return CheckTimeRange(d->time_ms);
  }

  // A feed time outside [1990, 2100) is a wrong unit or a corrupt value, not news.
  static Status CheckTimeRange(int64_t ms) {
    if (PlausibleTimeMs(ms)) return Status::OK();
    return FieldError("time", ImplausibleTimeReason(ms));
  }

  // A numeric level as text: integers as written, other numbers in their
  // shortest round-trip form.
  static std::string NumberText(dom::element v) {
    int64_t i;
    uint64_t u;
    if (!v.get_int64().get(i)) return std::to_string(i);
    if (!v.get_uint64().get(u)) return std::to_string(u);
    double x = 0;
    if (v.get_double().get(x)) return "0";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    for (int prec = 1; prec < 17; ++prec) {  // the shortest form that reads back as x
      char shorter[32];
      std::snprintf(shorter, sizeof shorter, "%.*g", prec, x);
      if (std::strtod(shorter, nullptr) == x) return shorter;
    }
    return buf;
  }

  // Calls on_name(name, second) for each element of the array `v` that gives
  // a name: a string (if `strings`), or an object whose `field` is a string
  // (and its `second` field, if one is named), the first of each when a key
  // repeats. Other elements give nothing (the parse validated them).
  template <typename OnName>
  static void ForEachNamed(dom::array arr, bool strings, std::string_view field, std::string_view second,
                           OnName on_name) {
    for (dom::element el : arr) {
      const dom::element_type et = el.type();
      if (et == dom::element_type::STRING && strings) {
        on_name(std::string_view(el), std::string_view());
        continue;
      }
      if (et != dom::element_type::OBJECT || field.empty()) continue;
      std::string_view name, second_value;
      bool taken = false, second_taken = false;
      for (dom::key_value_pair kv : dom::object(el)) {
        if (kv.value.type() != dom::element_type::STRING) continue;
        if (!taken && kv.key == field) {
          name = std::string_view(kv.value);
          taken = true;
        } else if (!second_taken && !second.empty() && kv.key == second) {
          second_value = std::string_view(kv.value);
          second_taken = true;
        }
      }
      if (taken) on_name(name, second_value);
    }
  }

  // Strings, or objects whose `stock_field` is the code (and
  // `stock_market_field` its market, for the canonical form).
  static Status TakeStocks(const PreparedMap& pm, dom::element v, Document* d) {
    const dom::element_type t = v.type();
    if (t == dom::element_type::NULL_VALUE) return Status::OK();
    if (t != dom::element_type::ARRAY) return FieldError("stocks", std::string("expected array, got ") + TypeName(t));
    ForEachNamed(dom::array(v), true, pm.map.stock_field, pm.map.stock_market_field,
                 [d](std::string_view code, std::string_view market) {
                   d->stocks.emplace_back(code);
                   d->stock_codes.push_back(CanonicalStockCode(code, market));
                 });
    return Status::OK();
  }

  // The names of one label source: an array of strings, or of objects
  // whose name_field is a string. Labels are optional metadata: any other
  // shape contributes nothing.
  void TakeLabels(const LabelSource& src, dom::element v, Document* d) const {
    if (v.type() != dom::element_type::ARRAY) return;
    const size_t cap = options.max_labels;
    ForEachNamed(dom::array(v), src.name_field.empty(), src.name_field, {},
                 [d, &src, cap](std::string_view name, std::string_view) {
                   if (!name.empty() && d->labels.size() < cap) d->labels.push_back({src.field, std::string(name)});
                 });
  }

  // Reads one value into its slot.
  Status Take(const PreparedMap& pm, int slot, dom::element v, Document* d) {
    const char* name = kSlotNames[slot];
    switch (slot) {
      case kId: return TakeId(v, d);
      case kTime: return TakeTime(pm, v, d);
      case kTitle: return TakeString(name, v, &d->title);
      case kBody: return TakeString(name, v, &d->body);
      case kBodyFallback: return TakeString(name, v, &body_fallback);
      case kUrl: return TakeString(name, v, &d->url);
      case kLevel:
        if (IsNumber(v.type())) {
          d->level = NumberText(v);
          return Status::OK();
        }
        return TakeString(name, v, &d->level);
      case kStocks: return TakeStocks(pm, v, d);
      default: return Status::OK();
    }
  }

  // The slots and label sources at nested paths: one at_pointer() each.
  // The element a JSON pointer (RFC 6901, checked when the map loaded)
  // names under `root`: *found false when the path leads nowhere (a missing
  // key, an index past the end or not a number, a null, a scalar or an
  // array on the way: `"links": null` for /links/share). A key on the path
  // that the object holds twice is an error, as at the top level: simdjson
  // takes the first, jq and Python the last, and the store and the tools
  // downstream would disagree (on the key itself, for `id`).
  // `tokens` are the pointer's components (SplitPointer, once per map).
  static Status FollowPointer(dom::element root, std::string_view pointer, const std::vector<std::string>& tokens,
                              const char* slot, dom::element* out, bool* found) {
    *found = false;
    dom::element at = root;
    for (const std::string& token : tokens) {
      dom::object obj;
      dom::array arr;
      if (at.get_object().get(obj) == simdjson::SUCCESS) {
        dom::element next;
        int matches = 0;
        for (dom::key_value_pair field : obj) {
          if (field.key != token) continue;
          if (++matches == 1) next = field.value;
        }
        if (matches == 0) return Status::OK();
        if (matches > 1)
          return Status::InvalidArgument(fmt::format("key `{}` on the path {} ({}) appears twice in its object",
                                                     token, pointer, slot));
        at = next;
      } else if (at.get_array().get(arr) == simdjson::SUCCESS) {
        if (token.empty() || (token.size() > 1 && token[0] == '0') ||
            token.find_first_not_of("0123456789") != std::string::npos || token.size() > 9)
          return Status::OK();
        dom::element next;
        if (arr.at(std::stoul(token)).get(next) != simdjson::SUCCESS) return Status::OK();
        at = next;
      } else {
        return Status::OK();
      }
    }
    *out = at;
    *found = true;
    return Status::OK();
  }

  Status TakeDeepPaths(const PreparedMap& pm, dom::element root, Document* d) {
    for (int i = 0; i < kNumSlots; ++i) {
      if (pm.deep[i].empty()) continue;
      dom::element v;
      bool found = false;
      NEWSFLOW_RETURN_IF_ERROR(FollowPointer(root, pm.deep[i], pm.deep_keys[i], kSlotNames[i], &v, &found));
      if (!found) continue;
      seen[i] = true;
      NEWSFLOW_RETURN_IF_ERROR(Take(pm, i, v, d));
    }
    // Labels are optional: a path that leads nowhere (a missing key, a
    // scalar or null on the way) gives none.
    for (const auto& [pointer, index] : pm.label_deep) {
      dom::element v;
      if (root.at_pointer(pointer).get(v) == simdjson::SUCCESS) TakeLabels(pm.map.labels[index], v, d);
    }
    return Status::OK();
  }

  // Empties *d field by field, so its strings keep their capacity.
  void Reset(Document* d) {
    d->key.clear();
    d->source.clear();
    d->id.clear();
    d->time_ms = 0;
    d->title.clear();
    d->body.clear();
    d->url.clear();
    d->level.clear();
    d->stocks.clear();
    d->stock_codes.clear();
    d->labels.clear();
    body_fallback.clear();
  }

  // What must hold before the parse: a size, no NUL, an object. `line` is
  // `as_read` less a byte order mark; offsets are in `as_read`.
  Status CheckRawLine(std::string_view line, std::string_view as_read) const {
    if (line.size() > options.max_line_bytes)
      return Status::InvalidArgument("oversized line: " + std::to_string(line.size()) + " bytes (limit " +
                                     std::to_string(options.max_line_bytes) + ")");
    size_t first = 0;
    while (first < line.size() && (line[first] == ' ' || line[first] == '\t' || line[first] == '\r')) ++first;
    if (first == line.size()) return Status::InvalidArgument("empty line");
    if (const void* nul = std::memchr(line.data(), 0, line.size()))
      return Status::InvalidArgument("NUL byte at offset " +
                                     std::to_string(static_cast<const char*>(nul) - line.data()));
    if (line[first] != '{') {
      const auto c = static_cast<unsigned char>(line[first]);
      std::string reason = c >= 0x20 && c < 0x7F
                               ? "not a JSON object (line starts with '" + std::string(1, line[first]) + "')"
                               : fmt::format("not a JSON object (line starts with byte 0x{:02X})", c);
      // As for any line that is not UTF-8: where its first invalid byte is.
      if (const auto at = FirstInvalidUtf8(as_read)) reason += ": " + InvalidUtf8Message(*at);
      return Status::InvalidArgument(reason);
    }
    return Status::OK();
  }

  // The job's decode stage reads tagged documents (tagged_record.h).
  static Status TaggedRefused() {
    return Status::InvalidArgument("format tagged: tagged documents are read by `run`, not by this tool");
  }

  Status Decode(std::string_view line, Document* d) {
    Reset(d);
    const std::string_view as_read = line;
    // A Windows export's first line starts with a byte order mark.
    if (line.starts_with(kUtf8Bom)) line.remove_prefix(kUtf8Bom.size());
    NEWSFLOW_RETURN_IF_ERROR(CheckRawLine(line, as_read));
    if (kind == FormatSpec::Kind::kTagged) return TaggedRefused();

    if (buffer.size() < line.size() + simdjson::SIMDJSON_PADDING)
      buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(buffer.data(), line.data(), line.size());
    std::memset(buffer.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
    // The whole line is validated here (grammar, UTF-8, escapes, numbers in
    // range, nothing after the object).
    dom::element root;
    if (auto e = parser.parse(buffer.data(), line.size(), /*realloc_if_needed=*/false).get(root)) {
      // simdjson does not say where; the offset is in the line as read.
      if (const auto at = e == simdjson::UTF8_ERROR ? FirstInvalidUtf8(as_read) : std::nullopt)
        return Status::InvalidArgument(JsonError(e).message() + ": " + InvalidUtf8Message(*at));
      return JsonError(e);
    }
    dom::object obj;
    if (auto e = root.get_object().get(obj))
      return Status::InvalidArgument(std::string("json: not an object: ") + simdjson::error_message(e));
    Status err;
    const PreparedMap* pm = Pick(obj, &err);
    if (!pm) return err;

    std::fill(std::begin(seen), std::end(seen), false);
    labels_seen = 0;
    for (dom::key_value_pair field : obj) {
      // Every slot the key feeds (a map may read one key twice: `id: /url`
      // and `url: /url`).
      const uint16_t may_name = pm->Filter(field.key);
      if (may_name == 0) continue;
      bool taken = false;
      for (int i = 0; i < kNumSlots; ++i) {
        if (!(may_name & (1u << i)) || pm->top[i] != field.key) continue;
        // A key the map reads, twice: which one is the item's? simdjson's
        // first, Python's and jq's last: the store and the tools downstream
        // would disagree (on the key itself, for `id`). RFC 8259 leaves it
        // open; the line is a dead letter.
        if (seen[i])
          return Status::InvalidArgument(fmt::format("key `{}` ({}) appears twice in the object",
                                                     std::string_view(field.key), kSlotNames[i]));
        seen[i] = true;
        taken = true;
        NEWSFLOW_RETURN_IF_ERROR(Take(*pm, i, field.value, d));
      }
      if (!taken && (may_name & PreparedMap::kLabelBit))
        if (const LabelSource* src = TopLabelSource(*pm, field.key)) TakeLabels(*src, field.value, d);
    }
    NEWSFLOW_RETURN_IF_ERROR(TakeDeepPaths(*pm, root, d));
    // A required body is there when its fallback is (cls: `brief` for a
    // missing `content`), as it is for a null or empty one.
    for (int i = 0; i < kNumSlots; ++i)
      if (pm->required[i] && !seen[i] && !(i == kBody && seen[kBodyFallback]))
        return Status::InvalidArgument(std::string("missing required field `") + kSlotNames[i] + "`");
    if (d->body.empty() && !body_fallback.empty()) d->body = std::move(body_fallback);
    if (d->title.empty() && pm->map.title_from_body_brackets) d->title.assign(BracketHeadline(d->body));
    if (pm->required[kBody] && d->body.empty() && d->title.empty()) return Status::InvalidArgument("empty `body` and `title`");
    if (pm->required[kTitle] && d->title.empty() && d->body.empty()) return Status::InvalidArgument("empty `title` and `body`");
    d->source = pm->map.source;
    d->key = d->source + ":" + d->id;
    return Status::OK();
  }
};

Decoder::Decoder(const FormatSpec& spec, const DecoderOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->kind = spec.kind;
  impl_->cls = std::make_unique<PreparedMap>(ClsFieldMap());
  impl_->eastmoney = std::make_unique<PreparedMap>(EastmoneyFieldMap());
  impl_->ths = std::make_unique<PreparedMap>(ThsFieldMap());
  if (spec.kind == FormatSpec::Kind::kMap) impl_->custom = std::make_unique<PreparedMap>(spec.map);
}

Decoder::~Decoder() = default;

Status Decoder::Decode(std::string_view line, Document* out) { return impl_->Decode(line, out); }

const std::optional<Decoder::FeedMismatch>& Decoder::FirstObjectMismatch() const { return impl_->first_mismatch; }

}  // namespace newsflow::pipeline
