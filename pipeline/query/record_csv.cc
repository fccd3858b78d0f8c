// record_csv.cc — see record_csv.h.
#include "pipeline/query/record_csv.h"

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {
namespace {

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ';';
    out += items[i];
  }
  return out;
}

std::string Value(const storage::Record& r, std::string_view f, const TimeZone& zone,
                  const std::vector<std::string>* also) {
  if (f == "key") return r.key;
  if (f == "source") return r.source;
  if (f == "time") return FormatTime(r.time_ms);
  if (f == "time_ms") return std::to_string(r.time_ms);
  if (f == "local_time") return zone.Format(r.time_ms);
  if (f == "title") return r.title;
  if (f == "body") return r.body;
  if (f == "url") return r.url;
  if (f == "level") return r.level;
  if (f == "stocks") return Joined(r.stocks);
  if (f == "stock_codes") return Joined(r.stock_codes);
  if (f == "story") return r.story.empty() ? r.key : r.story;
  if (f == "origin") return r.origin;
  if (f == "ruleset_version") return r.ruleset_version;
  if (f == "also") return also ? Joined(*also) : std::string();
  std::string out;
  for (const auto& t : r.tags) {
    if (!out.empty()) out += ';';
    out += f == "tags" ? t.tag : fmt::format("{}={:.2f}", t.tag, t.score);  // scores
  }
  return out;
}

}  // namespace

const std::vector<std::string>& CsvFieldNames() {
  static const std::vector<std::string> kNames = {
      "key",         "source", "time",  "time_ms", "local_time", "title",  "body",           "url",  "level",
      "stocks",      "stock_codes", "tags", "scores", "story",   "origin", "ruleset_version", "also"};
  return kNames;
}

bool ParseCsvFields(std::string_view list, std::vector<std::string>* out, std::string* error) {
  out->clear();
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string_view name = list.substr(start, comma == std::string_view::npos ? comma : comma - start);
    const auto& names = CsvFieldNames();
    if (name.empty() || std::find(names.begin(), names.end(), name) == names.end()) {
      *error = fmt::format("unknown CSV field '{}' (one of: {})", name, fmt::join(names, ","));
      return false;
    }
    out->emplace_back(name);
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

namespace {
// A spreadsheet reads a cell that starts with = + - @ (or a tab or CR
// before one) as a formula: a title "=HYPERLINK(...)" from a feed would run
// on the analyst's machine (CSV injection, OWASP). A plain number ("-1.5")
// stays a number.
bool ReadAsFormula(std::string_view v) {
  if (v.empty() || std::string_view("=+-@\t\r").find(v.front()) == std::string_view::npos) return false;
  size_t i = (v.front() == '-' || v.front() == '+') ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < v.size(); ++i) {
    if (v[i] >= '0' && v[i] <= '9') digits = true;
    else if (v[i] == '.' && !dot) dot = true;
    else return true;
  }
  return !digits;
}
}  // namespace

std::string CsvEscape(std::string_view field) {
  std::string v = ValidUtf8(field);
  if (ReadAsFormula(v)) v.insert(0, 1, '\'');  // shown as text, as the feed wrote it
  const bool quote = v.find_first_of(",\"\r\n") != std::string::npos ||
                     (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvHeader(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += CsvEscape(fields[i]);
  }
  return out + "\r\n";
}

std::string RecordToCsv(const storage::Record& r, const std::vector<std::string>& fields, const TimeZone& zone,
                        const std::vector<std::string>* also) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += CsvEscape(Value(r, fields[i], zone, also));
  }
  return out + "\r\n";
}

}  // namespace newsflow::pipeline
