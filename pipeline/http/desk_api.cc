// desk_api.cc — see desk_api.h.
#include "pipeline/http/desk_api.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_set>

#include "pipeline/decode/stock_code.h"
#include "pipeline/http/alert_feed.h"
#include "pipeline/http/web_assets.h"
#include "newsflow/base/closest_ids.h"
#include "pipeline/query/doc_position.h"
#include "pipeline/query/query_time.h"
#include "pipeline/query/story_query.h"
#include "pipeline/query/tag_buckets.h"
#include "pipeline/query/unknown_tag.h"
#include "pipeline/sink/record_json.h"
#include "pipeline/subscribe/subscription.h"

namespace newsflow::pipeline {
namespace {

constexpr size_t kDefaultLimit = 50;
constexpr size_t kMaxLimit = 1000;

bool ParseCount(const std::string& s, size_t* out) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return false;
  *out = static_cast<size_t>(v);
  return true;
}

// 503 for a store that is not open, 500 otherwise.
HttpResponse StoreError(const Status& s) {
  return HttpResponse::Error(s.code() == Status::Code::kUnavailable ? 503 : 500, s.message());
}

// InvalidArgument naming the first of `sources` that no feed is called:
// built in, named by the run (`named`) or the source of a stored document.
// The desk's feed filters then answer 400, as `query --source` exits 2.
Status CheckSources(const std::vector<std::string>& sources, const std::vector<std::string>& named,
                    storage::Store& st) {
  if (sources.empty()) return Status::OK();
  const std::set<std::string> feeds = KnownFeeds(named, &st);
  for (const auto& src : sources) {
    if (feeds.count(src)) continue;
    const std::vector<std::string> known(feeds.begin(), feeds.end());
    return Status::InvalidArgument(fmt::format("unknown source '{}' (known: {})", src,
                                               fmt::join(ClosestIds(src, known, known.size()), ", ")));
  }
  return Status::OK();
}

// A yes/no parameter: absent, "0" or "false" is no; "1" or "true" is yes.
Status ParseSwitch(const HttpRequest& r, std::string_view name, bool* out) {
  const std::string v = r.Get(name);
  *out = v == "1" || v == "true";
  if (*out || v.empty() || v == "0" || v == "false") return Status::OK();
  return Status::InvalidArgument(fmt::format("{} must be 1, true, 0 or false, got '{}'", name, v));
}

// InvalidArgument for a tag of `lists` that no stored document carries and
// the rule set (provenance: its tags, may be null) does not name.
Status CheckTags(storage::Store& st, std::initializer_list<const std::vector<std::string>*> lists,
                 const ProvenanceMap* provenance) {
  bool any = false;
  for (const auto* list : lists) any = any || !list->empty();
  if (!any) return Status::OK();
  std::vector<std::string> known;
  NEWSFLOW_RETURN_IF_ERROR(st.ListTags(&known));
  const std::string* unknown = FirstUnknownTag(lists, [&](const std::string& t) {
    return std::binary_search(known.begin(), known.end(), t) || (provenance && provenance->count(t));
  });
  if (unknown == nullptr) return Status::OK();
  // The closest names, as the CLI's query and stats give them.
  if (provenance)
    for (const auto& [tag, seeds] : *provenance) known.push_back(tag);
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  return Status::InvalidArgument(UnknownTagText(*unknown, known));
}

// The page position after one item.
std::string CursorOf(const storage::Record& r) { return DocPosition{r.time_ms, r.key}.Format(); }

// Whether r comes after the cursor in newest-first order (time desc, key asc).
bool AfterCursor(const storage::Record& r, const DocPosition& c) { return c.Precedes(r.time_ms, r.key); }

// The zone of ?tz=, else the API's.
Status ZoneOf(const HttpRequest& r, const TimeZone& fallback, TimeZone* out) {
  const std::string tz = r.Get("tz");
  if (tz.empty()) {
    *out = fallback;
    return Status::OK();
  }
  return TimeZone::Load(tz, out);
}

// since/until of the request into q.
Status TimeRange(const HttpRequest& r, const TimeZone& zone, storage::QueryOptions* q) {
  NEWSFLOW_RETURN_IF_ERROR(ParseQueryTimes(r.Get("since"), r.Get("until"), zone, &q->since_ms, &q->until_ms));
  if (q->since_ms && q->until_ms && *q->since_ms > *q->until_ms)
    return Status::InvalidArgument("since is after until");
  return Status::OK();
}

std::string Members(const std::vector<storage::Record>& members) {
  std::string out = "[";
  for (const auto& m : members) {
    if (out.size() > 1) out += ',';
    out += "{\"key\":";
    AppendJsonString(&out, m.key);
    out += ",\"source\":";
    AppendJsonString(&out, m.source);
    out += ",\"time\":";
    AppendJsonString(&out, FormatTime(m.time_ms));
    out += fmt::format(",\"time_ms\":{},\"title\":", m.time_ms);
    AppendJsonString(&out, m.title.empty() ? m.body.substr(0, std::min<size_t>(m.body.size(), 120)) : m.title);
    out += '}';
  }
  return out + "]";
}

}  // namespace

HttpResponse DeskApi::Handle(const HttpRequest& r) const {
  const std::string& p = r.path;
  const bool get = r.method == "GET" || r.method == "HEAD";
  auto only_get = [&]() {
    HttpResponse res = HttpResponse::Error(405, r.method + " is not allowed on " + p);
    res.headers.emplace_back("Allow", "GET, HEAD");
    return res;
  };
  if (p == "/api/subscriptions" || p.rfind("/api/subscriptions/", 0) == 0) {
    const std::string name = p.size() > 19 ? p.substr(19) : "";
    return Subscriptions(r, name);
  }
  if (p == "/api/rules/reload") return ReloadRules(r);
  if (p == "/api/rules/tags") return get ? RuleTags(r) : only_get();
  if (!get) {
    // 405 names a method a resource does not take; a path that is no
    // resource is 404 whatever the method.
    const bool known = p == "/health" || p == "/ready" || p == "/metrics" || p == "/api/query" ||
                       p.rfind("/api/doc/", 0) == 0 || p == "/api/tags" || p == "/api/alerts" ||
                       p == "/api/alerts/stream" || p == "/" || p == "/index.html" ||
                       (p.find('/', 1) == std::string::npos && p.size() > 1 && Static(p.substr(1)).status != 404);
    if (!known) return HttpResponse::Error(404, "no such endpoint: " + p);
    return only_get();
  }
  if (p == "/health") return HttpResponse::Json(200, "{\"status\":\"ok\"}");
  if (p == "/ready") return Ready();
  if (p == "/metrics") {
    HttpResponse res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = o_.metrics->Render();
    return res;
  }
  if (p == "/api/query") return Query(r);
  if (p.rfind("/api/doc/", 0) == 0) return Doc(p.substr(9), r);
  if (p == "/api/tags") return Tags(r);
  if (p == "/api/alerts") return Alerts(r);
  if (p == "/" || p == "/index.html") return Static("index.html");
  if (p.find('/', 1) == std::string::npos && p.size() > 1) return Static(p.substr(1));
  return HttpResponse::Error(404, "no such endpoint: " + p);
}

HttpResponse DeskApi::Ready() const {
  std::vector<std::string> why;
  if (!o_.store->attached()) why.push_back("the store is not open");
  if (o_.pipeline_open && !o_.pipeline_open()) why.push_back("the pipeline is not running (starting or stopping)");
  if (!o_.metrics->source_connected.load()) why.push_back("the source is disconnected");
  // Whether anything still writes the store: the desk tells a stopped
  // writer (nothing new will come) from a quiet market.
  const bool writing = o_.writer ? o_.writer() : (!o_.pipeline_open || o_.pipeline_open());
  std::string body = fmt::format("{{\"ready\":{},\"writer\":{},\"reasons\":", why.empty() ? "true" : "false",
                                 writing ? "true" : "false");
  AppendJsonStringArray(&body, why);
  body += '}';
  return HttpResponse::Json(why.empty() ? 200 : 503, std::move(body));
}

HttpResponse DeskApi::Query(const HttpRequest& r) const {
  if (Status s = CheckQueryParameters(r, {"tag", "any", "not", "source", "q", "stock", "since", "until", "story", "limit",
                                     "collapse", "cursor", "tz"},
                                 {"tag", "any", "not", "source"});
      !s.ok())
    return HttpResponse::Error(400, s.message());
  TimeZone zone;
  if (Status s = ZoneOf(r, o_.zone, &zone); !s.ok()) return HttpResponse::Error(400, s.message());
  storage::QueryOptions q;
  q.tags = r.All("tag");
  q.any_tags = r.All("any");
  q.not_tags = r.All("not");
  q.sources = r.All("source");
  q.text = r.Get("q");
  if (const std::string stock = r.Get("stock"); !stock.empty()) {
    q.stock = CanonicalStockCode(stock);
    if (q.stock.empty()) return HttpResponse::Error(400, "stock '" + stock + "' is not a stock code of a known form");
  }
  if (Status s = TimeRange(r, zone, &q); !s.ok()) return HttpResponse::Error(400, s.message());
  size_t limit = kDefaultLimit;
  if (const std::string l = r.Get("limit"); !l.empty() && (!ParseCount(l, &limit) || limit == 0 || limit > kMaxLimit))
    return HttpResponse::Error(400, fmt::format("limit must be 1..{}, got '{}'", kMaxLimit, l));
  const storage::QueryOptions filter = q;  // without the cursor's bound: did an earlier page show a story?
  std::optional<DocPosition> cursor;
  if (const std::string c = r.Get("cursor"); !c.empty()) {
    DocPosition parsed;
    if (!DocPosition::Parse(c, &parsed)) return HttpResponse::Error(400, "bad cursor '" + c + "'");
    cursor = parsed;
    if (!q.until_ms || *q.until_ms > parsed.time_ms) q.until_ms = parsed.time_ms;
  }
  bool collapse = false;
  if (Status s = ParseSwitch(r, "collapse", &collapse); !s.ok()) return HttpResponse::Error(400, s.message());
  const std::string story_id = r.Get("story");  // one story's members, as `query --story`
  std::vector<std::string> lines;
  std::string next;
  const auto provenance = o_.provenance ? o_.provenance->Get() : nullptr;  // the rule set's tags
  const Status s = o_.store->Use([&](storage::Store& st) -> Status {
    NEWSFLOW_RETURN_IF_ERROR(CheckSources(q.sources, o_.feeds, st));
    NEWSFLOW_RETURN_IF_ERROR(CheckTags(st, {&q.tags, &q.any_tags, &q.not_tags}, provenance.get()));
    std::string last_shown;
    if (!story_id.empty()) {
      std::vector<storage::Record> all, members;  // earliest first
      NEWSFLOW_RETURN_IF_ERROR(MembersOfStory(st, story_id, &all));
      if (all.empty()) {  // a member's key given for its story's id: 400 naming the id, as `query --story`
        std::string story;
        NEWSFLOW_RETURN_IF_ERROR(StoryOfMemberKey(st, story_id, &story));
        if (!story.empty())
          return Status::InvalidArgument(
              fmt::format("'{}' is a document of story '{}': story={}", story_id, story, story));
      }
      RecordJsonOptions jo;
      jo.body = true;
      jo.zone = &zone;
      if (collapse) {  // the story as one item, as a collapsed listing shows it
        std::vector<std::string> also;
        jo.also = &also;
        if (const storage::Record* shown = ShownMember(all, filter, &also); shown && !cursor)
          lines.push_back(RecordToJson(*shown, jo));
        return Status::OK();
      }
      for (const auto& m : all)
        if (storage::RecordMatches(m, filter)) members.push_back(m);
      // Pages newest first and by key at one time, as every other listing.
      std::sort(members.begin(), members.end(), [](const storage::Record& a, const storage::Record& b) {
        return a.time_ms != b.time_ms ? a.time_ms > b.time_ms : a.key < b.key;
      });
      for (const storage::Record& m : members) {
        if (cursor && !AfterCursor(m, *cursor)) continue;
        if (lines.size() == limit) {
          next = last_shown;
          break;
        }
        last_shown = CursorOf(m);
        lines.push_back(RecordToJson(m, jo));
      }
      return Status::OK();
    }
    std::unordered_set<std::string> stories;  // collapse: the stories on this page
    Status inner;
    storage::QueryOptions walk = q;
    walk.limit = 0;
    NEWSFLOW_RETURN_IF_ERROR(st.ForEach(walk, [&](const storage::Record& rec) {
      if (cursor && !AfterCursor(rec, *cursor)) return true;
      std::vector<std::string> also;
      const storage::Record* shown = &rec;
      std::vector<storage::Record> members;
      if (collapse) {
        const std::string story = StoryOf(rec);
        if (stories.count(story)) return true;
        // A story whose newer member matches was shown on an earlier page.
        inner = st.StoryMembers(story, 0, &members);
        if (!inner.ok()) return false;
        if (cursor)
          for (const auto& m : members)
            if (m.key != rec.key && !AfterCursor(m, *cursor) && storage::RecordMatches(m, filter)) return true;
        if (lines.size() < limit) stories.insert(story);
        // The story is placed by its newest match (this one) and shown by
        // its earliest, as `query --collapse` does.
        if (const storage::Record* earliest = ShownMember(members, filter, &also)) shown = earliest;
      }
      if (lines.size() == limit) {  // one more exists: the next page starts after the last one shown
        next = last_shown;
        return false;
      }
      last_shown = CursorOf(rec);
      RecordJsonOptions jo;
      jo.body = true;
      jo.zone = &zone;
      if (collapse) jo.also = &also;
      lines.push_back(RecordToJson(*shown, jo));
      return true;
    }));
    return inner;
  });
  if (!s.ok()) return s.IsInvalidArgument() ? HttpResponse::Error(400, s.message()) : StoreError(s);
  std::string body = fmt::format("{{\"items\":[{}],\"next\":", fmt::join(lines, ","));
  if (next.empty()) body += "null";
  else AppendJsonString(&body, next);
  body += '}';
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse DeskApi::Doc(const std::string& key, const HttpRequest& r) const {
  if (Status s = CheckQueryParameters(r, {"tz"}, {}); !s.ok()) return HttpResponse::Error(400, s.message());
  TimeZone zone;
  if (Status s = ZoneOf(r, o_.zone, &zone); !s.ok()) return HttpResponse::Error(400, s.message());
  storage::Record rec;
  bool found = false;
  std::vector<storage::Record> members;
  const Status s = o_.store->Use([&](storage::Store& st) -> Status {
    NEWSFLOW_RETURN_IF_ERROR(st.Get(key, &rec, &found));
    if (!found) return Status::OK();
    return st.StoryMembers(StoryOf(rec), 0, &members);
  });
  if (!s.ok()) return StoreError(s);
  if (!found) return HttpResponse::Error(404, "no document with key " + key);
  std::vector<std::string> also;
  for (const auto& m : members)
    if (m.key != rec.key) also.push_back(m.key);
  RecordJsonOptions jo;
  jo.body = true;
  jo.also = &also;
  jo.zone = &zone;
  std::string body = RecordToJson(rec, jo);
  body.pop_back();  // '}'
  const auto provenance = o_.provenance ? o_.provenance->Get() : nullptr;
  body += ",\"members\":" + Members(members) + ",\"provenance\":{";
  bool first = true;
  for (const auto& t : rec.tags) {
    if (!provenance) break;
    const auto it = provenance->find(t.tag);
    if (it == provenance->end()) continue;
    if (!first) body += ',';
    first = false;
    AppendJsonString(&body, t.tag);
    body += ":[";
    for (size_t i = 0; i < it->second.size(); ++i) {
      if (i) body += ',';
      body += "{\"seed\":";
      AppendJsonString(&body, it->second[i].seed);
      body += ",\"clause\":";
      AppendJsonString(&body, it->second[i].clause);
      body += '}';
    }
    body += ']';
  }
  body += "}}";
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse DeskApi::Tags(const HttpRequest& r) const {
  if (Status s = CheckQueryParameters(r, {"bucket", "source", "since", "until", "tag", "tz"}, {"source", "tag"});
      !s.ok())
    return HttpResponse::Error(400, s.message());
  TimeZone zone;
  if (Status s = ZoneOf(r, o_.zone, &zone); !s.ok()) return HttpResponse::Error(400, s.message());
  const std::string bucket = r.Get("bucket").empty() ? "day" : r.Get("bucket");
  if (bucket != "day" && bucket != "hour") return HttpResponse::Error(400, "bucket must be hour or day, got '" + bucket + "'");
  storage::QueryOptions q;
  q.limit = 0;
  q.sources = r.All("source");
  if (Status s = TimeRange(r, zone, &q); !s.ok()) return HttpResponse::Error(400, s.message());
  const std::vector<std::string> tags = r.All("tag");
  const std::set<std::string> wanted(tags.begin(), tags.end());
  const auto provenance = o_.provenance ? o_.provenance->Get() : nullptr;  // the rule set's tags
  TagBucketCounts counts;
  const Status s = o_.store->Use([&](storage::Store& st) -> Status {
    NEWSFLOW_RETURN_IF_ERROR(CheckSources(q.sources, o_.feeds, st));
    NEWSFLOW_RETURN_IF_ERROR(CheckTags(st, {&tags}, provenance.get()));
    return CountTagBuckets(st, q, zone, bucket == "hour", wanted, nullptr, &counts);
  });
  if (!s.ok()) return s.IsInvalidArgument() ? HttpResponse::Error(400, s.message()) : StoreError(s);
  std::string body = "{\"bucket\":";
  AppendJsonString(&body, bucket);
  body += ",\"tz\":";
  AppendJsonString(&body, zone.name());
  body += ",\"counts\":[";
  bool first = true;
  for (const auto& [k, n] : counts) {
    if (!first) body += ',';
    first = false;
    body += "{\"bucket\":";
    AppendJsonString(&body, k.first);
    body += ",\"tag\":";
    AppendJsonString(&body, k.second);
    body += fmt::format(",\"count\":{}}}", n);
  }
  body += "]}";
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse DeskApi::RuleTags(const HttpRequest& r) const {
  if (Status s = CheckQueryParameters(r, {}, {}); !s.ok()) return HttpResponse::Error(400, s.message());
  std::vector<std::string> tags;  // the map is ordered: sorted
  if (const auto provenance = o_.provenance ? o_.provenance->Get() : nullptr)
    for (const auto& kv : *provenance) tags.push_back(kv.first);
  std::string body = "{\"tags\":";
  AppendJsonStringArray(&body, tags);
  body += '}';
  return HttpResponse::Json(200, std::move(body));
}

Status SubscriptionFilterOf(const HttpRequest& r, SubscriptionFilter* out) {
  out->names = r.All("subscription");
  out->exclude = false;
  std::vector<std::string> others = r.All("not_subscription");
  if (others.empty()) return Status::OK();
  if (!out->names.empty())
    return Status::InvalidArgument("give either subscription (the ones wanted) or not_subscription (the ones not), not both");
  out->names = std::move(others);
  out->exclude = true;
  return Status::OK();
}

HttpResponse DeskApi::Alerts(const HttpRequest& r) const {
  if (Status s = CheckQueryParameters(r, {"limit", "before_seq", "subscription", "not_subscription"},
                                     {"subscription", "not_subscription"});
      !s.ok())
    return HttpResponse::Error(400, s.message());
  size_t limit = kDefaultLimit;
  if (const std::string l = r.Get("limit"); !l.empty() && (!ParseCount(l, &limit) || limit == 0 || limit > kMaxLimit))
    return HttpResponse::Error(400, fmt::format("limit must be 1..{}, got '{}'", kMaxLimit, l));
  size_t before = 0;
  if (const std::string b = r.Get("before_seq"); !b.empty() && !ParseCount(b, &before))
    return HttpResponse::Error(400, "before_seq must be a whole number, got '" + b + "'");
  SubscriptionFilter subs;
  if (Status f = SubscriptionFilterOf(r, &subs); !f.ok()) return HttpResponse::Error(400, f.message());
  std::vector<std::string> lines;
  const Status s = o_.store->Use([&](storage::Store& st) -> Status {
    if (!subs.names.empty()) {
      // Named subscriptions (or every subscription in the log but those
      // named): their alerts only, from the store's index; the log between
      // them is not read. A rule alert belongs to no subscription: never.
      std::vector<std::string> groups = subs.names;
      if (subs.exclude) {
        NEWSFLOW_RETURN_IF_ERROR(st.AlertGroups(&groups));
        std::erase_if(groups, [&](const std::string& g) {
          return std::find(subs.names.begin(), subs.names.end(), g) != subs.names.end();
        });
        if (groups.empty()) return Status::OK();
      }
      std::vector<storage::StoredAlert> alerts;
      NEWSFLOW_RETURN_IF_ERROR(st.RecentAlertsOfGroups(groups, before, limit, &alerts));
      for (const auto& a : alerts) lines.push_back(AlertFeed::WithSeq(a.seq, a.json));
      return Status::OK();
    }
    // Every alert: the log backwards in chunks until the page is full or
    // the log is exhausted.
    for (uint64_t cursor = before;;) {
      std::vector<storage::StoredAlert> chunk;
      NEWSFLOW_RETURN_IF_ERROR(st.RecentAlerts(cursor, 512, &chunk));
      for (const auto& a : chunk) {
        if (AlertFeed::Wanted(a.id, subs)) lines.push_back(AlertFeed::WithSeq(a.seq, a.json));
        if (lines.size() == limit) return Status::OK();
      }
      if (chunk.size() < 512) return Status::OK();
      cursor = chunk.back().seq;
    }
  });
  if (!s.ok()) return StoreError(s);
  // Nothing found for a name that is no subscription (a typo): 400 naming
  // the closest, as the alert stream answers, not an empty page.
  if (lines.empty() && before == 0 && !subs.exclude) {
    // The log's subscriptions are read only for a name the file lacks.
    Status read_log;
    auto in_log = [&] {
      std::vector<std::string> groups;
      read_log = o_.store->Use([&](storage::Store& st) { return st.AlertGroups(&groups); });
      return std::set<std::string>(groups.begin(), groups.end());
    };
    const Status bad = CheckSubscriptionNames(subs.names, in_log);
    if (!read_log.ok()) return StoreError(read_log);
    if (!bad.ok()) return HttpResponse::Error(400, bad.message());
  }
  return HttpResponse::Json(200, fmt::format("{{\"alerts\":[{}]}}", fmt::join(lines, ",")));
}

namespace {

// A subscription as the API shows it: its JSON with its version ("etag":
// SubscriptionEtag, which a PUT or DELETE may give back as If-Match), and
// `warnings` when given.
std::string SubscriptionWithEtag(const Subscription& s, std::string_view etag,
                                 const std::vector<std::string>& warnings = {}) {
  std::string json = SubscriptionToJson(s);
  json.pop_back();
  json += fmt::format(",\"etag\":\"{}\"", etag);
  if (!warnings.empty()) {  // kept, but likely a mistake: said to the client
    json += ",\"warnings\":";
    AppendJsonStringArray(&json, warnings);
  }
  json += '}';
  return json;
}

// One subscription answered (GET of one, a PUT): that JSON, its version also
// as the ETag header.
HttpResponse SubscriptionResponse(int status, const Subscription& s, const std::vector<std::string>& warnings = {}) {
  const std::string etag = SubscriptionEtag(s);
  HttpResponse res = HttpResponse::Json(status, SubscriptionWithEtag(s, etag, warnings));
  res.headers.emplace_back("ETag", fmt::format("\"{}\"", etag));
  return res;
}

// If-Match / If-None-Match as an edit's precondition: an entity tag is
// compared without its quotes (a weak W/ one as well: a subscription has no
// other representation). Several listed: only one is taken, the first.
EditPrecondition PreconditionOf(const HttpRequest& r) {
  EditPrecondition pre;
  std::string tag = r.if_match.substr(0, r.if_match.find(','));
  while (!tag.empty() && tag.front() == ' ') tag.erase(0, 1);
  while (!tag.empty() && tag.back() == ' ') tag.pop_back();
  if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
  pre.if_match = tag;
  pre.if_none_match = r.if_none_match.find('*') != std::string::npos;
  return pre;
}

}  // namespace

// A subscriptions file that does not parse (a hand edit), or went away
// while read, is the server's state, not the request's fault: 409, as an
// edit of it answers; a file that cannot be read at all is 500.
static HttpResponse SubscriptionFileError(const Status& s) {
  if (s.IsInvalidArgument() || s.IsNotFound())
    return HttpResponse::Error(409, "the subscriptions file on disk cannot be read; fix it, then edit again: " +
                                        s.message());
  return HttpResponse::Error(500, s.message());
}

HttpResponse DeskApi::Subscriptions(const HttpRequest& r, const std::string& name) const {
  auto list = [&]() -> HttpResponse {
    std::vector<Subscription> subs;
    if (o_.subscriptions) {
      if (Status s = o_.subscriptions->List(&subs); !s.ok()) return SubscriptionFileError(s);
    }
    std::vector<std::string> objects;
    for (const auto& s : subs) objects.push_back(SubscriptionWithEtag(s, SubscriptionEtag(s)));
    return HttpResponse::Json(200, fmt::format("{{\"subscriptions\":[{}]}}", fmt::join(objects, ",")));
  };
  if (name.empty()) {
    if (r.method == "GET" || r.method == "HEAD") return list();
    HttpResponse res = HttpResponse::Error(405, r.method + " is not allowed on /api/subscriptions");
    res.headers.emplace_back("Allow", "GET, HEAD");
    return res;
  }
  if (r.method == "GET" || r.method == "HEAD") {
    std::vector<Subscription> subs;
    if (o_.subscriptions) {
      if (Status s = o_.subscriptions->List(&subs); !s.ok()) return SubscriptionFileError(s);
    }
    for (const auto& s : subs)
      if (s.name == name) return SubscriptionResponse(200, s);
    return HttpResponse::Error(404, "no subscription named '" + name + "'");
  }
  if (r.method != "PUT" && r.method != "DELETE") {
    HttpResponse res = HttpResponse::Error(405, r.method + " is not allowed on /api/subscriptions/{name}");
    res.headers.emplace_back("Allow", "GET, HEAD, PUT, DELETE");
    return res;
  }
  if (!o_.subscriptions)
    return HttpResponse::Error(409, "no subscriptions file: start with --subscriptions FILE to edit subscriptions");
  // An edit rewrites the whole file from what it holds now: a file that
  // does not read (broken by a hand edit) is the server's state, not the
  // request's fault.
  std::vector<Subscription> on_disk;
  if (Status s = o_.subscriptions->List(&on_disk); !s.ok()) return SubscriptionFileError(s);
  const EditPrecondition pre = PreconditionOf(r);
  if (r.method == "DELETE") {
    const Status s = o_.subscriptions->Delete(name, pre);
    if (s.code() == Status::Code::kAborted) return HttpResponse::Error(412, s.message());
    if (s.IsNotFound()) return HttpResponse::Error(404, s.message());
    if (s.code() == Status::Code::kUnavailable) return HttpResponse::Busy(s.message(), 1);
    if (!s.ok()) return HttpResponse::Error(500, s.message());
    return HttpResponse::Json(200, "{\"deleted\":true}");
  }
  bool created = false;
  std::vector<std::string> warnings;
  const Status s = o_.subscriptions->Put(name, r.body, &created, &warnings, pre);
  if (s.code() == Status::Code::kAborted) return HttpResponse::Error(412, s.message());
  if (s.IsInvalidArgument()) return HttpResponse::Error(400, s.message());
  if (s.code() == Status::Code::kUnavailable) return HttpResponse::Busy(s.message(), 1);
  if (!s.ok()) return HttpResponse::Error(500, s.message());
  std::vector<Subscription> subs;
  (void)o_.subscriptions->List(&subs);
  for (const auto& sub : subs)
    if (sub.name == name) return SubscriptionResponse(created ? 201 : 200, sub, warnings);
  return HttpResponse::Error(500, "the subscription was written but cannot be read back");
}

Status DeskApi::CheckSubscriptionNames(const std::vector<std::string>& names,
                                       const std::function<std::set<std::string>()>& in_log) const {
  // Without the subscriptions file (`serve` not given it) the server cannot
  // know the writer's subscriptions: no judgement (a 400 would end a
  // browser's EventSource for good).
  if (names.empty() || !o_.subscriptions) return Status::OK();
  std::set<std::string> known;
  {
    std::vector<Subscription> subs;
    // A file that does not read (a hand edit in progress): no judgement.
    if (!o_.subscriptions->List(&subs).ok()) return Status::OK();
    for (const auto& sub : subs) known.insert(sub.name);
  }
  bool log_read = false;
  for (const std::string& name : names) {
    if (known.count(name)) continue;
    if (!log_read && in_log) {
      log_read = true;
      const std::set<std::string> logged = in_log();
      known.insert(logged.begin(), logged.end());
      if (known.count(name)) continue;
    }
    // The closest few, as `alerts --subscription` says them: a desk has
    // hundreds, and a 400 listing every one buried the likely fix.
    const std::vector<std::string> all(known.begin(), known.end());
    if (all.empty()) return Status::InvalidArgument(fmt::format("unknown subscription '{}' (none is known)", name));
    constexpr size_t kShown = 5;
    return Status::InvalidArgument(fmt::format("unknown subscription '{}' ({}: {})", name,
                                               all.size() <= kShown ? "known" : fmt::format("closest of {}", all.size()),
                                               fmt::join(ClosestIds(name, all, kShown), ", ")));
  }
  return Status::OK();
}

HttpResponse DeskApi::ReloadRules(const HttpRequest& r) const {
  if (r.method != "POST") {
    HttpResponse res = HttpResponse::Error(405, "reload with POST");
    res.headers.emplace_back("Allow", "POST");
    return res;
  }
  if (!o_.reload)
    return HttpResponse::Error(409, "this server does not tag (serve): reload the rules of the run that writes the store");
  if (o_.pipeline_open && !o_.pipeline_open())
    return HttpResponse::Error(503, "the pipeline is not running (starting or stopping): no reload");
  const std::string previous = o_.metrics->ruleset_version();
  std::string version;
  const Status s = o_.reload->Request(std::chrono::seconds(120), &version);
  if (s.code() == Status::Code::kUnavailable) return HttpResponse::Error(503, s.message());
  if (!s.ok()) {
    std::string body = "{\"error\":";
    AppendJsonString(&body, s.message());
    body += ",\"version\":";
    AppendJsonString(&body, version);
    return HttpResponse::Json(422, body + "}");
  }
  std::string body = "{\"version\":";
  AppendJsonString(&body, version);
  body += ",\"previous\":";
  AppendJsonString(&body, previous);
  return HttpResponse::Json(200, body + "}");
}

HttpResponse DeskApi::Static(const std::string& name) const {
  if (name.find("..") != std::string::npos || name.find('/') != std::string::npos)
    return HttpResponse::Error(404, "no such file");
  HttpResponse res;
  const WebAsset* asset = FindWebAsset(name);
  if (!asset) return HttpResponse::Error(404, "no such endpoint: /" + name);
  res.content_type = std::string(asset->content_type);
  res.headers.emplace_back("Cache-Control", "no-cache");
  if (o_.web_dir.empty()) {
    res.body = std::string(asset->bytes);
    return res;
  }
  std::ifstream in(o_.web_dir + "/" + name, std::ios::binary);
  if (!in) return HttpResponse::Error(404, "cannot read " + o_.web_dir + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  res.body = text.str();
  return res;
}

}  // namespace newsflow::pipeline
