// `run --subscriptions`: every (subscription, story) that the final store
// matches has exactly one alert, raised by the story's first matching
// member; a store built in several runs raises the same set as one run; a
// re-ingest raises none; the alert object carries the documented fields.
// The expected set is computed from the stored documents (`query --json`)
// with the reference reading of the match rule (subscription_reference.h).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "json_util.h"
#include "subscription_reference.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadFile;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

constexpr const char* kSubs =
    "subscriptions:\n"
    "  - {name: guangdong-tech, all: [region:guangdong], any: [cluster:semiconductors, cluster:software-it, "
    "cluster:ai]}\n"
    "  - {name: chips, any: [cluster:semiconductors], min_score: 1.5}\n"
    "  - {name: shenzhen-not-ths, any: [region:shenzhen], sources: [cls, eastmoney]}\n";

std::vector<Subscription> TestSubscriptions() {
  std::vector<Subscription> subs;
  EXPECT_TRUE(ParseSubscriptions(kSubs, "test", {}, &subs).ok());
  return subs;
}

JsonObject RunWithSubscriptions(const TempDir& tmp, const std::string& source, const std::string& alerts) {
  const auto r = RunShell(Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source " + source +
                          " --db " + tmp.path("db") + " --subscriptions " + tmp.path("subs.yaml") +
                          " --alerts file:" + alerts);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return JsonObject::LastLine(r.out);
}

std::string Fixture(const char* feed) { return SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl"); }

// (subscription/story) ids the stored documents call for.
std::set<std::string> ExpectedAlertIds(const std::string& db, std::map<std::string, std::set<std::string>>* members) {
  const auto q = RunShell(Newsflow() + " query --limit 0 --json --db " + db);
  EXPECT_EQ(q.exit_code, 0) << q.err;
  const auto subs = TestSubscriptions();
  std::set<std::string> ids;
  for (const JsonObject& doc : JsonLines(q.out)) {
    const std::map<std::string, double> scores = doc.Numbers("scores");
    std::vector<DocTag> tags;
    for (const auto& [t, s] : scores) tags.push_back({t, s});
    const std::string story = doc.String("story");
    (*members)[story].insert(doc.String("key"));
    for (const auto& s : subs)
      if (testing::SubscriptionMatches(s, tags, doc.String("source"))) ids.insert(s.name + "/" + story);
  }
  return ids;
}

TEST(SubscriptionAlerts, OnePerSubscriptionAndStoryAcrossRunsAndNoneOnReingest) {
  TempDir tmp;
  std::ofstream(tmp.path("subs.yaml")) << kSubs;
  const std::string alerts = tmp.path("alerts.jsonl");
  uint64_t raised = 0;
  for (const char* feed : {"cls", "eastmoney", "ths"}) raised += RunWithSubscriptions(tmp, Fixture(feed), alerts).Uint("alerts");

  std::map<std::string, std::set<std::string>> members;
  const std::set<std::string> want = ExpectedAlertIds(tmp.path("db"), &members);
  ASSERT_GT(want.size(), 20u) << "the fixtures should match the test subscriptions";
  std::map<std::string, int> seen;
  for (const JsonObject& a : JsonLines(ReadFile(alerts))) {
    const std::string id = a.String("id");
    ++seen[id];
    // The documented fields, consistent with each other and with the store.
    const std::string story = a.String("story");
    EXPECT_EQ(id, a.String("subscription") + "/" + story);
    ASSERT_TRUE(members.count(story)) << id;
    EXPECT_TRUE(members[story].count(a.String("key"))) << id;
    for (const std::string& k : a.Strings("also")) EXPECT_TRUE(members[story].count(k)) << id << " also " << k;
    EXPECT_FALSE(a.Strings("tags").empty()) << id;
    EXPECT_TRUE(a.Has("spans") && a.Has("time") && a.Has("title") && a.Has("time_ms")) << id;
  }
  std::set<std::string> got;
  for (const auto& [id, n] : seen) {
    EXPECT_EQ(n, 1) << id << " alerted " << n << " times";
    got.insert(id);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(raised, seen.size());

  // Re-ingesting the same items (stdin: read again, not skipped) raises nothing.
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    const JsonObject again = RunWithSubscriptions(tmp, std::string("- < ") + Fixture(feed), alerts);
    EXPECT_EQ(again.Uint("stored"), 120u) << feed;
    EXPECT_EQ(again.Uint("alerts"), 0u) << feed;
  }

  // One run of everything into a fresh store raises the same set.
  TempDir one;
  std::ofstream(one.path("subs.yaml")) << kSubs;
  const auto r = RunShell("cat " + Fixture("cls") + " " + Fixture("eastmoney") + " " + Fixture("ths") + " | " +
                          Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source - --db " +
                          one.path("db") + " --subscriptions " + one.path("subs.yaml") + " --alerts file:" +
                          one.path("alerts.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> single;
  for (const JsonObject& a : JsonLines(ReadFile(one.path("alerts.jsonl")))) single.insert(a.String("id"));
  EXPECT_EQ(single, want);
}

TEST(SubscriptionAlerts, UsageAndFileErrors) {
  TempDir tmp;
  std::ofstream(tmp.path("bad.yaml")) << "subscriptions:\n  - name: x\n    any: [cluster:semiconductor]\n";
  const std::string base = Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --source " +
                           Fixture("cls") + " --db " + tmp.path("db");
  // --subscriptions without --alerts: a usage error, nothing created.
  auto r = RunShell(base + " --subscriptions " + tmp.path("bad.yaml"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp.path("db")));
  // A tag the rule set does not have: the run fails naming file and line.
  r = RunShell(base + " --subscriptions " + tmp.path("bad.yaml") + " --alerts file:" + tmp.path("a.jsonl"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(tmp.path("bad.yaml") + ":2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cluster:semiconductor'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// The documented example file is valid against the shipped rule set and
// raises alerts on the ths sample.
TEST(SubscriptionAlerts, TheExampleFileWorksWithTheShippedRules) {
  TempDir tmp;
  const auto r = RunShell(Newsflow() + " run -q --json --rules " + SourcePath("rules/sets") + " --source " +
                          Fixture("ths") + " --db " + tmp.path("db") + " --subscriptions " +
                          SourcePath("deploy/subscriptions.example.yaml") + " --alerts file:" + tmp.path("a.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const JsonObject summary = JsonObject::LastLine(r.out);
  EXPECT_GT(summary.Uint("alerts"), 0u);
  EXPECT_EQ(JsonLines(ReadFile(tmp.path("a.jsonl"))).size(), summary.Uint("alerts"));
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// With story ids off every document is its own story: storing a key again
// (a re-ingest, a feed re-publishing it) must still raise nothing new.
TEST(SubscriptionAlerts, NoStoriesReingestRaisesNothingNew) {
  TempDir tmp;
  std::ofstream(tmp.path("subs.yaml")) << kSubs;
  const std::string alerts = tmp.path("alerts.jsonl");
  auto run = [&] {
    const auto r = RunShell(Newsflow() + " run -q --json --no-stories --rules " + SourcePath("rules/sets") +
                            " --source - --db " + tmp.path("db") + " --subscriptions " + tmp.path("subs.yaml") +
                            " --alerts file:" + alerts + " < " + Fixture("ths"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return JsonObject::LastLine(r.out).Uint("alerts");
  };
  EXPECT_GT(run(), 0u);
  EXPECT_EQ(run(), 0u);
}

// An alert file whose last line a write cut short (kill -9, a full disk):
// the fragment is cut off before anything is appended (its alert, never
// acknowledged, waits in the outbox), so every line of the file parses.
TEST(SubscriptionAlerts, APartialLastLineInTheAlertFileIsCutFirst) {
  TempDir tmp;
  std::ofstream(tmp.path("subs.yaml")) << kSubs;
  const std::string earlier = "{\"id\":\"earlier/1\"}";
  std::ofstream(tmp.path("a.jsonl"), std::ios::binary) << earlier << "\n{\"id\":\"cut-sh";
  const JsonObject s = RunWithSubscriptions(tmp, Fixture("ths"), tmp.path("a.jsonl"));
  ASSERT_GT(s.Uint("alerts"), 0u);
  const auto lines = testing::ReadLines(tmp.path("a.jsonl"));
  ASSERT_EQ(lines.size(), 1 + s.Uint("alerts"));
  EXPECT_EQ(lines[0], earlier);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_TRUE(JsonObject::Of(lines[i]).ok()) << lines[i].substr(0, 80);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// A story whose stored member was re-tagged into a subscription (a rule
// change and `retag`) was never alerted for it: its next matching member
// raises the alert, once.
// A subscription added, then the same input replayed (a Kafka group reset,
// a restore followed by a replay): the replayed documents are no news and
// raise nothing for it, where it got one alert per old story. A new
// document does alert it, and a feed's correction of a stored item is a
// new member.
TEST(SubscriptionAlerts, AReplayRaisesNothingForASubscriptionAddedSince) {
  TempDir tmp;
  std::ofstream(tmp.path("subs.yaml")) << kSubs;
  const std::string alerts = tmp.path("alerts.jsonl");
  const auto lines = testing::ReadLines(Fixture("cls"));
  std::ofstream first(tmp.path("first.jsonl"));
  for (size_t i = 0; i + 10 < lines.size(); ++i) first << lines[i] << "\n";
  first.close();
  ASSERT_GT(RunWithSubscriptions(tmp, "- < " + tmp.path("first.jsonl"), alerts).Uint("alerts"), 0u);
  std::ofstream(tmp.path("subs.yaml"), std::ios::app) << "  - {name: added, any: [region:guangdong]}\n";
  const JsonObject replay = RunWithSubscriptions(tmp, "- < " + tmp.path("first.jsonl"), alerts);
  EXPECT_EQ(replay.Uint("stored"), lines.size() - 10);
  EXPECT_EQ(replay.Uint("alerts"), 0u) << "a replay alerted the subscription added since on old stories";

  // The last ten items are new: those of them that open a guangdong story alert it.
  RunWithSubscriptions(tmp, "- < " + Fixture("cls"), alerts);
  std::set<std::string> added;
  for (const JsonObject& a : JsonLines(ReadFile(alerts)))
    if (a.String("subscription") == "added") added.insert(a.String("key"));
  std::set<std::string> last_keys;
  for (size_t i = lines.size() - 10; i < lines.size(); ++i)
    last_keys.insert("cls:" + std::to_string(JsonObject::Of(lines[i]).Uint("id")));
  for (const std::string& k : added) EXPECT_TRUE(last_keys.count(k)) << k << " is an old document";

  // A correction of a stored guangdong item that no alert of `added` covers: a new member.
  std::string corrected;
  std::string key;
  for (size_t i = 0; i + 10 < lines.size() && key.empty(); ++i) {
    const JsonObject item = JsonObject::Of(lines[i]);
    const std::string k = "cls:" + std::to_string(item.Uint("id"));
    const auto shown = RunShell(Newsflow() + " show --db " + tmp.path("db") + " " + k);
    const JsonObject doc = JsonObject::Of(shown.out);
    if (!doc.Strings("tags").count("region:guangdong")) continue;
    const std::string story = doc.String("story");
    bool alerted = false;
    for (const JsonObject& a : JsonLines(ReadFile(alerts)))
      alerted |= a.String("id") == "added/" + story;
    if (alerted) continue;
    key = k;
    corrected = lines[i];
    const size_t at = corrected.find("\"content\":\"");
    ASSERT_NE(at, std::string::npos);
    corrected.insert(at + 11, "（更正）");
  }
  ASSERT_FALSE(key.empty()) << "no stored guangdong story without an alert of `added`";
  std::ofstream(tmp.path("fix.jsonl")) << corrected << "\n";
  EXPECT_EQ(RunWithSubscriptions(tmp, "- < " + tmp.path("fix.jsonl"), alerts).Uint("alerts"), 1u) << key;
}

TEST(SubscriptionAlerts, AStoryRetaggedIntoASubscriptionAlertsWithItsNextMember) {
  TempDir tmp;
  auto write_rules = [&](const std::string& dir, const std::string& keyword) {
    std::filesystem::create_directories(tmp.path(dir));
    std::ofstream(tmp.path(dir + "/a.yaml"))
        << "version: 1\nrules:\n"
           "  - tag: region:shenzhen\n    any: [深圳]\n    provenance: [{seed: s.txt, clause: c}]\n"
           "  - tag: cluster:low-altitude\n    any: ["
        << keyword << "]\n    provenance: [{seed: s.txt, clause: c}]\n";
  };
  write_rules("v1", "飞行汽车");  // matches none of the items
  write_rules("v2", "低空经济");
  std::ofstream(tmp.path("subs.yaml")) << "subscriptions:\n  - {name: lowalt, any: [cluster:low-altitude]}\n";
  auto item = [](int id, const std::string& more = "") {
    return "{\"id\":" + std::to_string(910000 + id) + ",\"ctime\":" + std::to_string(1780000000 + id * 60) +
           ",\"title\":\"深圳发布低空经济措施\",\"content\":\"深圳市发布低空经济高质量发展若干措施，支持低空"
           "飞行器研发制造。" + more + "\"}\n";
  };
  auto ingest = [&](const std::string& rules, int id, const std::string& more = "") {
    std::ofstream(tmp.path("in.jsonl")) << item(id, more);
    const auto r = RunShell(Newsflow() + " run -q --json --format cls --rules " + tmp.path(rules) + " --source " +
                            tmp.path("in.jsonl") + " --db " + tmp.path("db") + " --subscriptions " +
                            tmp.path("subs.yaml") + " --alerts file:" + tmp.path("alerts.jsonl"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return JsonObject::LastLine(r.out).Uint("alerts");
  };
  EXPECT_EQ(ingest("v1", 1), 0u);
  const auto retag = RunShell(Newsflow() + " retag --db " + tmp.path("db") + " --rules " + tmp.path("v2"));
  ASSERT_EQ(retag.exit_code, 0) << retag.err;
  EXPECT_EQ(ingest("v2", 2), 1u) << "the story's second member, the first since it matches";
  EXPECT_EQ(ingest("v2", 1, "（更新）"), 0u) << "the first member published again: once per story";
  EXPECT_EQ(ingest("v2", 3), 0u) << "once per story";
  const auto q = RunShell(Newsflow() + " query --json --limit 0 --db " + tmp.path("db"));
  std::set<std::string> stories;
  for (const JsonObject& doc : JsonLines(q.out)) stories.insert(doc.String("story"));
  EXPECT_EQ(stories.size(), 1u) << "the three items are one story: " << q.out;
  const auto alerts = JsonLines(ReadFile(tmp.path("alerts.jsonl")));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].String("key"), "cls:910002");

  // A story of one re-tagged into the subscription: the feed publishing its
  // item again (updated) raises the alert, once.
  std::filesystem::remove_all(tmp.path("db"));
  std::filesystem::remove(tmp.path("alerts.jsonl"));
  EXPECT_EQ(ingest("v1", 1), 0u);
  ASSERT_EQ(RunShell(Newsflow() + " retag --db " + tmp.path("db") + " --rules " + tmp.path("v2")).exit_code, 0);
  EXPECT_EQ(ingest("v2", 1, "（更新）"), 1u) << "its key published again, the first time it matches";
  EXPECT_EQ(ingest("v2", 1, "（再更新）"), 0u) << "once per story";
}

}  // namespace
}  // namespace newsflow::pipeline
