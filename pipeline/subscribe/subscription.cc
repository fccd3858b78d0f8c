// subscription.cc — see subscription.h.
#include "pipeline/subscribe/subscription.h"
#include "pipeline/decode/names.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "pipeline/decode/field_map.h"
#include "newsflow/rules/yaml_document.h"

namespace newsflow::pipeline {
namespace {

// Thrown inside this file only; converted to a Status at the API boundary.
struct SubscriptionError {
  int line;
  std::string what;
};

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// The most entries of one list: a desk's watch list of companies fits
// (every watch-list name is its own tag), and a body of YAML aliases that
// repeats one tag 300,000 times cannot grow the file by megabytes.
constexpr size_t kMaxListEntries = 10000;

// A list of strings, each kept once (the first time it is given): a
// repeated tag means nothing more to the matcher, which counts it once.
std::vector<std::string> StringList(const YAML::Node& n, const std::string& field) {
  if (!n.IsSequence()) throw SubscriptionError{LineOf(n), "`" + field + "` must be a list"};
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : n) {
    if (!e.IsScalar()) throw SubscriptionError{LineOf(e), "`" + field + "` must list strings"};
    if (!seen.insert(e.Scalar()).second) continue;
    if (out.size() == kMaxListEntries)
      throw SubscriptionError{LineOf(n), "`" + field + "` lists more than " + std::to_string(kMaxListEntries) +
                                             " different entries"};
    out.push_back(e.Scalar());
  }
  return out;
}

Subscription ParseOne(const YAML::Node& n, const std::set<std::string>& known_tags) {
  if (!n.IsMap()) throw SubscriptionError{LineOf(n), "a subscription must be a mapping"};
  Subscription s;
  std::map<std::string, int> seen;
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    const int line = LineOf(kv.first);
    if (!seen.emplace(key, line).second)
      throw SubscriptionError{line, "duplicate key `" + key + "` (first at line " + std::to_string(seen[key]) + ")"};
    const YAML::Node& v = kv.second;
    if (key == "name") {
      if (!v.IsScalar()) throw SubscriptionError{line, "`name` must be a string"};
      s.name = v.Scalar();
    } else if (key == "all") {
      s.all = StringList(v, key);
    } else if (key == "any") {
      s.any = StringList(v, key);
    } else if (key == "not") {
      s.none = StringList(v, key);
    } else if (key == "sources") {
      s.sources = StringList(v, key);
    } else if (key == "min_score") {
      double d;
      if (!v.IsScalar() || !YAML::convert<double>::decode(v, d) || !std::isfinite(d) || d < 0)
        throw SubscriptionError{line, "`min_score` must be a finite number >= 0"};
      s.min_score = d;
    } else {
      throw SubscriptionError{line, "unknown key `" + key + "` (known: name, all, any, not, min_score, sources)"};
    }
  }
  if (!IsName(s.name))
    throw SubscriptionError{LineOf(n), "`name` must be 1-64 characters of a-z, 0-9, '-' and '_' (got '" + s.name + "')"};
  if (s.all.empty() && s.any.empty())
    throw SubscriptionError{LineOf(n), "subscription '" + s.name + "' needs at least one tag in `all` or `any`"};
  for (const auto* list : {&s.all, &s.any, &s.none}) {
    for (const std::string& t : *list) {
      if (!IsTagId(t) || (!known_tags.empty() && !known_tags.count(t)))
        throw SubscriptionError{LineOf(n), "subscription '" + s.name + "': unknown tag id '" + t + "'"};
    }
  }
  for (const std::string& src : s.sources)
    if (!IsName(src)) throw SubscriptionError{LineOf(n), "subscription '" + s.name + "': bad source name '" + src + "'"};
  // A tag both required and excluded: the subscription could never match.
  // (Every `any` tag excluded is as bad, but a file holding such a one is
  // loaded: the edit API accepted it until 2026-12-04, and refusing it now
  // would stop the file's other subscriptions. WhyNeverMatches.)
  for (const std::string& t : s.none) {
    if (std::find(s.all.begin(), s.all.end(), t) != s.all.end() ||
        (s.all.empty() && s.any.size() == 1 && s.any.front() == t))
      throw SubscriptionError{LineOf(n), "subscription '" + s.name + "': '" + t +
                                             "' is both required and in `not`: it could never match"};
  }
  return s;
}

}  // namespace

Status ParseSubscriptions(const std::string& yaml, const std::string& where, const std::set<std::string>& known_tags,
                          std::vector<Subscription>* out) {
  std::vector<Subscription> subs;
  try {
    // One document: yaml-cpp's Load would drop subscriptions after a `---`
    // without a word (their tags unchecked, their alerts never raised).
    YAML::Node root;
    NEWSFLOW_RETURN_IF_ERROR(rules::LoadOneYamlDocument(yaml, where, &root));
    if (root.IsNull())
      return Status::InvalidArgument(where + ": empty: expected a mapping with a `subscriptions` list "
                                             "(`subscriptions: []` for none yet)");
    if (!root.IsMap() || !root["subscriptions"])
      return Status::InvalidArgument(where + ": expected a mapping with a `subscriptions` list");
    int first_line = 0;
    for (const auto& kv : root) {
      if (kv.first.Scalar() != "subscriptions")
        return Status::InvalidArgument(where + ":" + std::to_string(LineOf(kv.first)) + ": unknown top-level key `" +
                                       kv.first.Scalar() + "`");
      // yaml-cpp keeps one of two equal keys: the other list would be dropped unsaid.
      if (first_line != 0)
        return Status::InvalidArgument(where + ":" + std::to_string(LineOf(kv.first)) +
                                       ": duplicate key `subscriptions` (first at line " + std::to_string(first_line) +
                                       "): one list holds every subscription");
      first_line = LineOf(kv.first);
    }
    const YAML::Node list = root["subscriptions"];
    if (!list.IsSequence())
      return Status::InvalidArgument(where + ":" + std::to_string(LineOf(list)) + ": `subscriptions` must be a list");
    std::map<std::string, int> names;
    for (const auto& n : list) {
      Subscription s = ParseOne(n, known_tags);
      if (!names.emplace(s.name, LineOf(n)).second)
        throw SubscriptionError{LineOf(n), "duplicate subscription name '" + s.name + "' (first at line " +
                                               std::to_string(names[s.name]) + ")"};
      subs.push_back(std::move(s));
    }
  } catch (const SubscriptionError& e) {
    return Status::InvalidArgument(where + ":" + std::to_string(e.line) + ": " + e.what);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(where + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  *out = std::move(subs);
  return Status::OK();
}

Status LoadSubscriptions(const std::string& path, const std::set<std::string>& known_tags,
                         std::vector<Subscription>* out) {
  if (std::error_code ec; std::filesystem::is_directory(path, ec))
    return Status::InvalidArgument(path + " is a directory, not a subscriptions file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read subscriptions file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseSubscriptions(text.str(), path, known_tags, out);
}

std::string WhyNeverMatches(const Subscription& s) {
  auto excluded = [&](const std::string& t) { return std::find(s.none.begin(), s.none.end(), t) != s.none.end(); };
  for (const std::string& t : s.all)
    if (excluded(t)) return "subscription '" + s.name + "': '" + t + "' is both required and in `not`: it could never match";
  if (!s.any.empty() && std::all_of(s.any.begin(), s.any.end(), excluded))
    return "subscription '" + s.name + "': every tag of `any` is in `not`: it could never match";
  return "";
}

std::vector<std::string> HoldUnknownTags(std::vector<Subscription>* subs, const std::set<std::string>& known_tags) {
  std::vector<std::string> held;
  std::vector<Subscription> live;
  for (Subscription& s : *subs) {
    std::string missing;
    for (const auto* list : {&s.all, &s.any, &s.none})
      for (const std::string& t : *list)
        if (missing.empty() && !known_tags.count(t)) missing = t;
    if (missing.empty()) {
      live.push_back(std::move(s));
    } else {
      held.push_back("subscription '" + s.name + "': tag '" + missing + "' is not in the loaded rules");
    }
  }
  *subs = std::move(live);
  return held;
}

std::vector<std::string> UnknownSources(const std::vector<Subscription>& subs,
                                        const std::set<std::string>& known_feeds) {
  std::vector<std::string> out;
  std::string known;
  for (const std::string& f : known_feeds) known += (known.empty() ? "" : ", ") + f;
  for (const Subscription& s : subs)
    for (const std::string& src : s.sources)
      if (!known_feeds.count(src))
        out.push_back("subscription '" + s.name + "': no feed is called '" + src + "' (known: " + known + ")");
  return out;
}

std::set<std::string> KnownFeeds(const std::vector<std::string>& named, storage::Store* store) {
  std::set<std::string> out(named.begin(), named.end());
  for (const std::string& f : BuiltInFeeds()) out.insert(f);
  std::vector<std::string> stored;
  if (store != nullptr && store->ListSources(&stored).ok()) out.insert(stored.begin(), stored.end());
  return out;
}

}  // namespace newsflow::pipeline
