// tagged_record.cc — see tagged_record.h.
#include "pipeline/decode/tagged_record.h"
#include "pipeline/decode/control_char.h"
#include "pipeline/decode/invalid_utf8.h"
#include "pipeline/decode/names.h"
#include "pipeline/decode/time_util.h"

#include <algorithm>
#include <limits>

namespace newsflow::pipeline {
namespace {

Status Field(const char* name, simdjson::error_code e) {
  return e ? Status::InvalidArgument(std::string("tagged: field `") + name + "`: " + simdjson::error_message(e))
           : Status::OK();
}

Status Str(simdjson::dom::object o, const char* name, bool required, std::string* out) {
  std::string_view v;
  const auto e = o[name].get(v);
  if (e == simdjson::NO_SUCH_FIELD && !required) return Status::OK();
  NEWSFLOW_RETURN_IF_ERROR(Field(name, e));
  out->assign(v);
  return Status::OK();
}

Status Strings(simdjson::dom::object o, const char* name, std::vector<std::string>* out) {
  simdjson::dom::array a;
  const auto e = o[name].get(a);
  if (e == simdjson::NO_SUCH_FIELD) return Status::OK();
  NEWSFLOW_RETURN_IF_ERROR(Field(name, e));
  for (auto x : a) {
    std::string_view v;
    NEWSFLOW_RETURN_IF_ERROR(Field(name, x.get(v)));
    out->emplace_back(v);
  }
  return Status::OK();
}

// A UTF-8 continuation byte (10xxxxxx) is never the first byte of a character.
bool OnCharBoundary(std::string_view text, uint64_t at) {
  return at == text.size() || (static_cast<unsigned char>(text[at]) & 0xC0) != 0x80;
}

// A title or body span is [begin, end) of the field's original bytes, as a
// producer's tagger reported them: offsets that fit Span's type, in order,
// within the field, starting and ending on characters.
Status CheckTextSpan(const char* field, std::string_view text, uint64_t begin, uint64_t end) {
  using Offset = decltype(storage::Span::begin);
  constexpr uint64_t kMaxOffset = std::numeric_limits<Offset>::max();
  const std::string where = std::string("tagged: span [") + std::to_string(begin) + ", " + std::to_string(end) +
                            ") of `" + field + "`";
  if (begin > kMaxOffset || end > kMaxOffset)
    return Status::InvalidArgument(where + ": an offset is over " + std::to_string(kMaxOffset));
  if (begin > end || end > text.size())
    return Status::InvalidArgument(where + ": not within its " + std::to_string(text.size()) + " bytes");
  if (!OnCharBoundary(text, begin) || !OnCharBoundary(text, end))
    return Status::InvalidArgument(where + ": cuts a UTF-8 character");
  return Status::OK();
}

// A producer's tag text in a reason: the first 64 bytes, cut on a
// character, control characters as '?' (a reason is a log line and a CSV
// cell).
std::string Shown(const std::string& t) {
  size_t n = std::min<size_t>(t.size(), 64);
  while (n < t.size() && n > 0 && !OnCharBoundary(t, n)) --n;
  std::string shown = t.substr(0, n);
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return shown;
}

}  // namespace

Status DecodeTaggedRecord(std::string_view line, simdjson::dom::parser* parser, storage::Record* out) {
  *out = storage::Record{};
  simdjson::dom::object o;
  if (auto e = parser->parse(line.data(), line.size()).get(o)) {
    if (const auto at = e == simdjson::UTF8_ERROR ? FirstInvalidUtf8(line) : std::nullopt)
      return Status::InvalidArgument(Field("(document)", e).message() + ": " + InvalidUtf8Message(*at));
    return Field("(document)", e);
  }
  // A key given twice: which is the document's? simdjson's first, Python's
  // and jq's last (on `key` itself, two documents). A dead letter, as the
  // feed decoders make it.
  {
    std::vector<std::string_view> keys;
    for (auto field : o) {
      if (std::find(keys.begin(), keys.end(), field.key) != keys.end())
        return Status::InvalidArgument("tagged: key `" + std::string(field.key) + "` appears twice in the object");
      keys.push_back(field.key);
    }
  }
  NEWSFLOW_RETURN_IF_ERROR(Str(o, "key", true, &out->key));
  NEWSFLOW_RETURN_IF_ERROR(Str(o, "source", true, &out->source));
  // A feed's name, as a field map's: the key's part before its first ':'
  // is the document's source, which counts and stats read from the key.
  if (!IsName(out->source))
    return Status::InvalidArgument("tagged: `source` must be 1-64 characters of a-z, 0-9, '-' and '_', got '" +
                                   out->source + "'");
  if (out->key.rfind(out->source + ":", 0) != 0 || out->key.size() == out->source.size() + 1)
    return Status::InvalidArgument("tagged: `key` must be \"<source>:<id>\", got '" + out->key + "'");
  if (const auto at = FirstControlChar(out->key))
    return Status::InvalidArgument("tagged: `key`: " + ControlCharMessage(out->key, *at));
  NEWSFLOW_RETURN_IF_ERROR(Field("time_ms", o["time_ms"].get(out->time_ms)));
  // The feed decoders' range, or 0: the time a feed item without one is
  // stored at (document.h), which a producer publishes as it stored it.
  if (out->time_ms != 0 && !PlausibleTimeMs(out->time_ms))
    return Status::InvalidArgument("tagged: field `time_ms`: " + ImplausibleTimeReason(out->time_ms));
  NEWSFLOW_RETURN_IF_ERROR(Str(o, "title", false, &out->title));
  NEWSFLOW_RETURN_IF_ERROR(Str(o, "body", false, &out->body));
  NEWSFLOW_RETURN_IF_ERROR(Str(o, "url", false, &out->url));
  NEWSFLOW_RETURN_IF_ERROR(Str(o, "level", false, &out->level));
  NEWSFLOW_RETURN_IF_ERROR(Str(o, "ruleset_version", true, &out->ruleset_version));
  NEWSFLOW_RETURN_IF_ERROR(Strings(o, "stocks", &out->stocks));
  NEWSFLOW_RETURN_IF_ERROR(Strings(o, "stock_codes", &out->stock_codes));
  // One canonical code per raw one, in order (a producer before canonical
  // codes sends none): `--stock` and the by_stock index pair them by position.
  if (!out->stock_codes.empty() && out->stock_codes.size() != out->stocks.size())
    return Status::InvalidArgument("tagged: `stock_codes` has " + std::to_string(out->stock_codes.size()) +
                                   " entries for " + std::to_string(out->stocks.size()) + " `stocks`");
  simdjson::dom::array labels;  // absent from producers before feed labels
  if (const auto le = o["labels"].get(labels); le != simdjson::NO_SUCH_FIELD) {
    NEWSFLOW_RETURN_IF_ERROR(Field("labels", le));
    for (auto x : labels) {
      simdjson::dom::object lo;
      NEWSFLOW_RETURN_IF_ERROR(Field("labels", x.get(lo)));
      storage::Label l;
      NEWSFLOW_RETURN_IF_ERROR(Str(lo, "field", true, &l.field));
      NEWSFLOW_RETURN_IF_ERROR(Str(lo, "name", true, &l.name));
      out->labels.push_back(std::move(l));
    }
  }
  std::vector<std::string> tags;
  NEWSFLOW_RETURN_IF_ERROR(Field("tags", o["tags"].error()));
  NEWSFLOW_RETURN_IF_ERROR(Strings(o, "tags", &tags));
  simdjson::dom::object scores;
  NEWSFLOW_RETURN_IF_ERROR(Field("scores", o["scores"].get(scores)));
  for (const auto& t : tags) {
    if (!IsTagId(t))
      return Status::InvalidArgument("tagged: '" + Shown(t) + "' is no tag id (FAMILY:SLUG of a-z, 0-9 and '-')");
    if (std::count(tags.begin(), tags.end(), t) > 1)
      return Status::InvalidArgument("tagged: tag '" + t + "' is listed twice in `tags`");
    double score = 0;
    if (auto e = scores[t].get(score))
      return Status::InvalidArgument("tagged: no score for tag '" + t + "': " + simdjson::error_message(e));
    out->tags.push_back({t, score});
  }
  std::sort(out->tags.begin(), out->tags.end(), [](const auto& a, const auto& b) { return a.tag < b.tag; });
  simdjson::dom::array spans;
  const auto se = o["spans"].get(spans);
  if (se != simdjson::NO_SUCH_FIELD) {
    NEWSFLOW_RETURN_IF_ERROR(Field("spans", se));
    for (auto x : spans) {
      simdjson::dom::object so;
      NEWSFLOW_RETURN_IF_ERROR(Field("spans", x.get(so)));
      storage::Span s;
      NEWSFLOW_RETURN_IF_ERROR(Str(so, "tag", true, &s.tag));
      NEWSFLOW_RETURN_IF_ERROR(Str(so, "keyword", true, &s.keyword));
      std::string field;
      NEWSFLOW_RETURN_IF_ERROR(Str(so, "field", true, &field));
      if (field != "title" && field != "body" && field != "label")
        return Status::InvalidArgument("tagged: span field must be title, body or label, got '" + field + "'");
      s.field = field == "title" ? storage::Field::kTitle
                : field == "body" ? storage::Field::kBody
                                  : storage::Field::kLabel;
      uint64_t b = 0, e = 0;
      NEWSFLOW_RETURN_IF_ERROR(Field("spans.begin", so["begin"].get(b)));
      NEWSFLOW_RETURN_IF_ERROR(Field("spans.end", so["end"].get(e)));
      if (s.field == storage::Field::kLabel) {
        if (b >= out->labels.size() || e != b + 1)
          return Status::InvalidArgument("tagged: a label span must be [i, i + 1) of `labels`");
      } else {
        const std::string& text = s.field == storage::Field::kTitle ? out->title : out->body;
        NEWSFLOW_RETURN_IF_ERROR(CheckTextSpan(field.c_str(), text, b, e));
      }
      // Evidence for a tag the document does not carry was dropped unsaid.
      if (std::find(tags.begin(), tags.end(), s.tag) == tags.end())
        return Status::InvalidArgument("tagged: a span of tag '" + Shown(s.tag) + "', which `tags` does not list");
      s.begin = static_cast<decltype(s.begin)>(b);
      s.end = static_cast<decltype(s.end)>(e);
      out->spans.push_back(std::move(s));
    }
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
