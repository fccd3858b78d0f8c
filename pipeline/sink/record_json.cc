// record_json.cc — JSON rendering of records.
#include "pipeline/sink/record_json.h"
#include "pipeline/decode/invalid_utf8.h"

#include <fmt/format.h>

#include <ctime>

namespace newsflow::pipeline {
namespace {

const char* SpanFieldName(storage::Field f) {
  switch (f) {
    case storage::Field::kTitle: return "title";
    case storage::Field::kBody: return "body";
    case storage::Field::kLabel: return "label";
  }
  return "body";
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\\ufffd");
        ++i;
      } else {
        out->append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) out->append(fmt::format("\\u{:04x}", c));
        else out->push_back(static_cast<char>(c));
    }
    ++i;
  }
  out->push_back('"');
}

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void AppendJsonStringArray(std::string* out, const std::vector<std::string>& items) {
  *out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) *out += ',';
    AppendJsonString(out, items[i]);
  }
  *out += ']';
}

std::string FormatTime(int64_t time_ms) {
  // Floored, not truncated: -1 ms is 23:59:59.999 of the day before. Any
  // int64 is a time here (a store an older binary wrote may hold one the
  // decoders refuse now); gmtime_r's year fits an int for all of them.
  const int64_t ms = (time_ms % 1000 + 1000) % 1000;
  const std::time_t secs = static_cast<std::time_t>(time_ms / 1000 - (time_ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const int64_t year = int64_t{tm.tm_year} + 1900;
  // ISO 8601: four digits, or a sign and at least six (expanded years).
  const std::string y = year >= 0 && year <= 9999 ? fmt::format("{:04d}", year)
                        : year < 0                    ? fmt::format("-{:06d}", -year)
                                                      : fmt::format("+{:06d}", year);
  return fmt::format("{}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", y, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ms);
}

namespace {

// ,"labels":[{"field":..,"name":..},...]
void AppendLabels(std::string* out, const std::vector<storage::Label>& labels) {
  *out += ",\"labels\":[";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) *out += ',';
    *out += "{\"field\":";
    AppendJsonString(out, labels[i].field);
    *out += ",\"name\":";
    AppendJsonString(out, labels[i].name);
    *out += '}';
  }
  *out += ']';
}

// ,"spans":[{tag, keyword, field, begin, end, text}...]: text is the
// original bytes of title/body, or a label span's name.
void AppendSpans(std::string* out, const storage::Record& r) {
  *out += ",\"spans\":[";
  for (size_t i = 0; i < r.spans.size(); ++i) {
    const auto& s = r.spans[i];
    if (i) *out += ',';
    *out += "{\"tag\":";
    AppendJsonString(out, s.tag);
    *out += ",\"keyword\":";
    AppendJsonString(out, s.keyword);
    *out += fmt::format(",\"field\":\"{}\",\"begin\":{},\"end\":{},\"text\":", SpanFieldName(s.field), s.begin,
                        s.end);
    std::string_view text;
    if (s.field == storage::Field::kLabel) {
      if (s.begin < r.labels.size()) text = r.labels[s.begin].name;
    } else {
      const std::string& field = s.field == storage::Field::kTitle ? r.title : r.body;
      if (s.begin <= s.end && s.end <= field.size()) text = std::string_view(field).substr(s.begin, s.end - s.begin);
    }
    AppendJsonString(out, text);
    *out += '}';
  }
  *out += ']';
}

}  // namespace

std::string RecordToJson(const storage::Record& r, const RecordJsonOptions& o) {
  std::string out = "{\"key\":";
  AppendJsonString(&out, r.key);
  out += ",\"source\":";
  AppendJsonString(&out, r.source);
  out += ",\"time\":";
  AppendJsonString(&out, FormatTime(r.time_ms));
  out += fmt::format(",\"time_ms\":{}", r.time_ms);
  if (o.zone) {
    out += ",\"local_time\":";
    AppendJsonString(&out, o.zone->Format(r.time_ms));
    out += ",\"tz\":";
    AppendJsonString(&out, o.zone->name());
  }
  out += ",\"title\":";
  AppendJsonString(&out, r.title);
  if (o.body) {
    out += ",\"body\":";
    AppendJsonString(&out, r.body);
  }
  out += ",\"url\":";
  AppendJsonString(&out, r.url);
  out += ",\"level\":";
  AppendJsonString(&out, r.level);
  out += ",\"stocks\":";
  AppendJsonStringArray(&out, r.stocks);
  out += ",\"stock_codes\":";
  AppendJsonStringArray(&out, r.stock_codes);
  AppendLabels(&out, r.labels);
  out += ",\"tags\":[";
  for (size_t i = 0; i < r.tags.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(&out, r.tags[i].tag);
  }
  out += "],\"scores\":{";
  for (size_t i = 0; i < r.tags.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(&out, r.tags[i].tag);
    out += fmt::format(":{:.2f}", r.tags[i].score);
  }
  out += '}';
  if (o.spans) AppendSpans(&out, r);
  out += ",\"ruleset_version\":";
  AppendJsonString(&out, r.ruleset_version);
  out += ",\"story\":";
  AppendJsonString(&out, r.story.empty() ? r.key : r.story);
  if (o.also) {
    out += ",\"also\":";
    AppendJsonStringArray(&out, *o.also);
  }
  out += '}';
  return out;
}

}  // namespace newsflow::pipeline
