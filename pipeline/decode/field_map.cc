// field_map.cc — the built-in feed maps and the YAML loader for map:FILE.
#include "pipeline/decode/field_map.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "newsflow/rules/yaml_document.h"
#include "pipeline/decode/names.h"

namespace newsflow::pipeline {

std::vector<std::string> BuiltInFeeds() {
  return {ClsFieldMap().source, EastmoneyFieldMap().source, ThsFieldMap().source};
}

std::vector<std::string> BuiltInLabelFields() {
  std::vector<std::string> fields;
  for (const FieldMap& m : {ClsFieldMap(), EastmoneyFieldMap(), ThsFieldMap()})
    for (const LabelSource& l : m.labels) fields.push_back(l.field);
  return fields;
}

FieldMap ClsFieldMap() {
  FieldMap m;
  m.source = "cls";
  m.id = "/id";
  m.time = "/ctime";
  m.time_format = TimeFormat::kUnixSeconds;
  m.title = "/title";
  m.title_from_body_brackets = true;
  m.body = "/content";
  m.body_fallback = "/brief";
  m.url = "/shareurl";
  m.level = "/level";
  m.stocks = "/stock_list";
  m.stock_field = "StockID";
  m.labels = {{"/subjects", "subject_name", "cls.subjects"}, {"/plate_list", "name", "cls.plate_list"}};
  m.required = {"id", "time", "body"};
  return m;
}

FieldMap EastmoneyFieldMap() {
  FieldMap m;
  m.source = "eastmoney";
  m.id = "/code";
  m.time = "/showTime";
  m.time_format = TimeFormat::kDateTime;
  m.tz_offset_minutes = 8 * 60;  // showTime is Beijing time
  m.title = "/title";
  m.body = "/summary";
  m.stocks = "/stockList";
  m.required = {"id", "time", "body"};
  return m;
}

FieldMap ThsFieldMap() {
  FieldMap m;
  m.source = "ths";
  m.id = "/id";
  m.time = "/ctime";
  m.time_format = TimeFormat::kUnixSeconds;
  m.title = "/title";
  m.body = "/digest";
  m.body_fallback = "/short";
  m.url = "/url";
  m.level = "/import";
  m.stocks = "/stock";
  m.stock_field = "stockCode";
  m.stock_market_field = "stockMarket";
  m.labels = {{"/tagInfo", "name", "ths.tagInfo"}};
  m.required = {"id", "time", "title"};
  return m;
}

namespace {

// RFC 6901: "/" then reference tokens, where '~' is only "~0" or "~1".
bool IsJsonPointer(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] == '~' && (i + 1 == p.size() || (p[i + 1] != '0' && p[i + 1] != '1'))) return false;
  return true;
}

// "+HH:MM" / "-H:MM" (hours 0-14, minutes 00-59), "Z" or "UTC"; nothing else
// (sscanf's %d accepted overflowing digits and trailing text).
bool ParseTz(const std::string& s, int* minutes) {
  if (s == "Z" || s == "UTC") {
    *minutes = 0;
    return true;
  }
  const size_t colon = s.find(':');
  if (s.size() < 4 || (s[0] != '+' && s[0] != '-') || colon == std::string::npos || colon < 2 || colon > 3 ||
      s.size() != colon + 3)
    return false;
  auto digits = [&](size_t from, size_t to, int* out) {
    int v = 0;
    for (size_t i = from; i < to; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int h = 0, m = 0;
  if (!digits(1, colon, &h) || !digits(colon + 1, s.size(), &m) || h > 14 || m > 59) return false;
  *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

constexpr size_t kMaxLabelSources = 16;  // the decoder keeps one bit per source

// `labels:` — a list of {path, name_field, as}.
Status ParseLabelSources(const YAML::Node& v, const std::string& path, std::vector<LabelSource>* out) {
  const auto where = [&](const YAML::Node& n) { return path + ":" + std::to_string(n.Mark().line + 1) + ": "; };
  if (!v.IsSequence()) return Status::InvalidArgument(where(v) + "`labels` must be a list of {path, name_field, as}");
  for (const auto& n : v) {
    if (!n.IsMap()) return Status::InvalidArgument(where(n) + "a label source must be a mapping {path, name_field, as}");
    LabelSource src;
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      if (key == "path") src.path = kv.second.as<std::string>();
      else if (key == "name_field") src.name_field = kv.second.as<std::string>();
      else if (key == "as") src.field = kv.second.as<std::string>();
      else return Status::InvalidArgument(where(kv.first) + "unknown label source key `" + key + "` (path, name_field, as)");
    }
    if (!IsJsonPointer(src.path))
      return Status::InvalidArgument(where(n) + "a label source needs `path`, a JSON pointer like /tags (a '~' only as ~0 or ~1)");
    const size_t dot = src.field.find('.');
    if (dot == 0 || dot == std::string::npos || dot + 1 == src.field.size())
      return Status::InvalidArgument(where(n) + "a label source needs `as: FEED.FIELD` (its field in the label table)");
    if (out->size() == kMaxLabelSources)
      return Status::InvalidArgument(where(n) + "at most " + std::to_string(kMaxLabelSources) + " label sources");
    out->push_back(std::move(src));
  }
  return Status::OK();
}

}  // namespace

Status LoadFieldMap(const std::string& path, FieldMap* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read field map " + path);
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  NEWSFLOW_RETURN_IF_ERROR(rules::LoadOneYamlDocument(text.str(), path, &root));
  if (!root.IsMap()) return Status::InvalidArgument(path + ": a field map must be a YAML mapping");
  FieldMap m;
  const auto where = [&](const YAML::Node& n) { return path + ":" + std::to_string(n.Mark().line + 1) + ": "; };
  std::map<std::string, int> first_line;  // key -> its line, for a key given twice
  int required_line = 0, time_format_line = 0;
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (const auto [it, fresh] = first_line.emplace(key, kv.first.Mark().line + 1); !fresh)
        return Status::InvalidArgument(where(kv.first) + "`" + key + "` given twice (first at line " +
                                       std::to_string(it->second) + ")");
      // A key with nothing after it (`source:`, `id: ~`) is null, which
      // yaml-cpp would read as the string "null" (a feed of that name), and
      // whose mark is the next token's line.
      if (v.IsNull())
        return Status::InvalidArgument(where(kv.first) + "`" + key + "` has no value");
      auto pointer = [&](std::string* dst) -> Status {
        *dst = v.as<std::string>();
        if (!IsJsonPointer(*dst))
          return Status::InvalidArgument(where(v) + "`" + key + "` must be a JSON pointer like /field or /meta/id (a '~' only as ~0 or ~1)");
        return Status::OK();
      };
      Status err;
      if (key == "source") {
        m.source = v.as<std::string>();
        // It prefixes every key and is what subscriptions and --source name.
        if (!IsName(m.source))
          return Status::InvalidArgument(where(v) + "`source` must be 1-64 characters of a-z, 0-9, '-' and '_' (it prefixes document keys as SOURCE:ID)");
      }
      else if (key == "id") err = pointer(&m.id);
      else if (key == "title") err = pointer(&m.title);
      else if (key == "body") err = pointer(&m.body);
      else if (key == "body_fallback") err = pointer(&m.body_fallback);
      else if (key == "time") err = pointer(&m.time);
      else if (key == "url") err = pointer(&m.url);
      else if (key == "level") err = pointer(&m.level);
      else if (key == "stocks") err = pointer(&m.stocks);
      else if (key == "stock_field") m.stock_field = v.as<std::string>();
      else if (key == "stock_market_field") m.stock_market_field = v.as<std::string>();
      else if (key == "title_from_body_brackets") m.title_from_body_brackets = v.as<bool>();
      else if (key == "labels") err = ParseLabelSources(v, path, &m.labels);
      else if (key == "time_format") {
        time_format_line = kv.first.Mark().line + 1;
        const auto f = v.as<std::string>();
        if (f == "unix_s") m.time_format = TimeFormat::kUnixSeconds;
        else if (f == "unix_ms") m.time_format = TimeFormat::kUnixMillis;
        else if (f == "datetime") m.time_format = TimeFormat::kDateTime;
        else return Status::InvalidArgument(where(v) + "time_format must be unix_s, unix_ms or datetime");
      } else if (key == "tz_offset") {
        if (!ParseTz(v.as<std::string>(), &m.tz_offset_minutes)) return Status::InvalidArgument(where(v) + "tz_offset must look like +08:00");
      } else if (key == "required") {
        static const std::set<std::string> kNames = {"id", "time", "title", "body"};
        required_line = kv.first.Mark().line + 1;
        if (!v.IsSequence()) return Status::InvalidArgument(where(v) + "`required` must be a list, like [id, body]");
        for (const auto& r : v) {
          const auto name = r.as<std::string>();
          if (!kNames.count(name)) return Status::InvalidArgument(where(r) + "required: unknown field `" + name + "` (id, time, title, body)");
          m.required.push_back(name);
        }
      } else {
        return Status::InvalidArgument(where(kv.first) + "unknown key `" + key +
               "` (expected source, id, title, body, body_fallback, time, time_format, tz_offset, url, level, "
               "stocks, stock_field, stock_market_field, title_from_body_brackets, labels, required)");
      }
      if (!err.ok()) return err;
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (m.source.empty()) return Status::InvalidArgument(path + ": `source` is required (it prefixes document keys)");
  if (m.id.empty()) return Status::InvalidArgument(path + ": `id` is required");
  if (m.title.empty() && m.body.empty()) return Status::InvalidArgument(path + ": at least one of `title` and `body` is required");
  if (m.time.empty() && m.time_format != TimeFormat::kNone)
    return Status::InvalidArgument(path + ":" + std::to_string(time_format_line) +
                                   ": `time_format` without `time`: the map reads no time");
  if (!m.time.empty() && m.time_format == TimeFormat::kNone) m.time_format = TimeFormat::kUnixSeconds;
  // A field required but never read would dead-letter every item.
  for (const std::string& r : m.required) {
    const bool mapped = r == "id" || (r == "time" && !m.time.empty()) || (r == "title" && !m.title.empty()) ||
                        (r == "body" && (!m.body.empty() || !m.body_fallback.empty()));
    if (!mapped)
      return Status::InvalidArgument(path + ":" + std::to_string(required_line) + ": required: `" + r +
                                     "`, which the map does not read (no `" + r + ":` pointer)");
  }
  // The key is SOURCE:ID: an item without an id would be stored as
  // "SOURCE:" and replace the last one without it. The id is always required.
  if (std::find(m.required.begin(), m.required.end(), "id") == m.required.end()) m.required.push_back("id");
  *out = std::move(m);
  return Status::OK();
}

}  // namespace newsflow::pipeline
