// json_util.h — reading the CLI's structured output in tests: `run --json`
// summaries and `query --json` lines, parsed with simdjson's DOM API, so tests
// assert on fields, not on the wording of human output.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <set>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace newsflow::testing {

// The last line of `out` that parses as a JSON object (a run's --json summary
// is the last line of its stdout).
class JsonObject {
 public:
  static JsonObject LastLine(const std::string& out) {
    JsonObject j;
    std::istringstream in(out);
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty() && line[0] == '{') last = line;
    j.Parse(last);
    return j;
  }
  static JsonObject Of(const std::string& line) {
    JsonObject j;
    j.Parse(line);
    return j;
  }
  bool ok() const { return ok_; }
  // A non-negative integer field, or UINT64_MAX when it is missing or not one.
  uint64_t Uint(const char* field) const {
    uint64_t v = 0;
    if (!ok_ || root_[field].get(v)) return UINT64_MAX;
    return v;
  }
  int64_t Int(const char* field) const {
    int64_t v = 0;
    if (!ok_ || root_[field].get(v)) return INT64_MIN;
    return v;
  }
  // A number field, or NaN when it is missing or not one.
  double Double(const char* field) const {
    double v = 0;
    if (!ok_ || root_[field].get(v)) return std::numeric_limits<double>::quiet_NaN();
    return v;
  }
  std::string String(const char* field) const {
    std::string_view v;
    if (!ok_ || root_[field].get(v)) return "<missing " + std::string(field) + ">";
    return std::string(v);
  }
  bool Bool(const char* field) const {
    bool v = false;
    return ok_ && !root_[field].get(v) && v;
  }
  bool Has(const char* field) const { return ok_ && !root_[field].error(); }
  // The field is there and is null.
  bool IsNull(const char* field) const { return Has(field) && root_[field].is_null(); }
  // The keys of the object, in order (empty when it is not an object).
  std::vector<std::string> Keys() const {
    std::vector<std::string> out;
    simdjson::dom::object o;
    if (!ok_ || root_.get(o)) return out;
    for (auto field : o) out.emplace_back(field.key);
    return out;
  }
  // The strings of an array field (e.g. "tags").
  std::set<std::string> Strings(const char* field) const {
    std::set<std::string> out;
    simdjson::dom::array a;
    if (!ok_ || root_[field].get(a)) return out;
    for (auto e : a) {
      std::string_view s;
      if (!e.get(s)) out.emplace(s);
    }
    return out;
  }
  // An object of numbers (e.g. "scores"): key -> value.
  std::map<std::string, double> Numbers(const char* field) const {
    std::map<std::string, double> out;
    simdjson::dom::object o;
    if (!ok_ || root_[field].get(o)) return out;
    for (auto [k, v] : o) {
      double d = 0;
      if (!v.get(d)) out.emplace(std::string(k), d);
    }
    return out;
  }
  // families.`family`.`field` of an eval --json object (0 if absent).
  uint64_t Nested(const char* family, const char* field) const {
    uint64_t v = 0;
    if (!ok_ || root_["families"][family][field].get(v)) return 0;
    return v;
  }
  // The number at a path of object keys (e.g. {"tags", "cluster:ai", "added",
  // "documents"}), UINT64_MAX when it is missing or not one.
  uint64_t UintAt(std::initializer_list<std::string_view> path) const {
    if (!ok_) return UINT64_MAX;
    simdjson::dom::element e = root_;
    for (auto k : path)
      if (e[k].get(e)) return UINT64_MAX;
    uint64_t v = 0;
    return e.get(v) ? UINT64_MAX : v;
  }
  // The objects of an array field, each as its own JsonObject.
  std::vector<JsonObject> Objects(const char* field) const {
    std::vector<JsonObject> out;
    simdjson::dom::array a;
    if (!ok_ || root_[field].get(a)) return out;
    for (auto e : a) out.push_back(Of(simdjson::minify(e)));
    return out;
  }
  // The keys of an object field (e.g. tag_counts), in their order.
  std::vector<std::string> Keys(const char* field) const {
    std::vector<std::string> out;
    simdjson::dom::object o;
    if (!ok_ || root_[field].get(o)) return out;
    for (auto [k, v] : o) out.emplace_back(k);
    return out;
  }
  // `field`.`key` of an object of counts (e.g. tag_counts), 0 if absent.
  uint64_t Count(const char* field, const std::string& key) const {
    uint64_t v = 0;
    if (!ok_ || root_[field][key].get(v)) return 0;
    return v;
  }

 private:
  void Parse(const std::string& text) {
    text_ = text;
    ok_ = !text_.empty() && !parser_->parse(text_).get(root_);
  }
  std::string text_;
  std::shared_ptr<simdjson::dom::parser> parser_ = std::make_shared<simdjson::dom::parser>();
  simdjson::dom::element root_;
  bool ok_ = false;
};

// Every line of `out` as a JSON object.
inline std::vector<JsonObject> JsonLines(const std::string& out) {
  std::vector<JsonObject> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) v.push_back(JsonObject::Of(line));
  return v;
}

}  // namespace newsflow::testing
