// Hot rule reload (SIGHUP) under a streaming run: documents stored after a
// reload carry the new rule set's version and its new tag where its keyword
// occurs, none before; a broken rules directory, or one lint finds fault
// with, is rejected (an error log line) and the old version keeps tagging;
// nothing read is lost.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "run_child.h"
#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using namespace std::chrono_literals;
using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::ReadFile;
using testing::ReadLines;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

uint64_t Stored(const std::string& db) {
  const auto r = RunShell(Newsflow() + " query --count --db " + db);
  return r.exit_code == 0 && !r.out.empty() ? std::stoull(r.out) : 0;
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// Writes lines [from, to) to the run's stdin and waits until the store holds `to` documents.
void Feed(testing::RunChild& run, const std::vector<std::string>& lines, const std::string& db, size_t from,
          size_t to) {
  std::string chunk;
  for (size_t i = from; i < to; ++i) chunk += lines[i] + "\n";
  run.Write(chunk);
  ASSERT_TRUE(WaitFor([&] { return Stored(db) >= to; }, 20s)) << "stored " << Stored(db) << " of " << to;
}

// A JSON log line of `component` whose message starts with `prefix`.
bool Logged(const std::string& err_file, const std::string& level, const std::string& prefix,
            const std::string& component = "rules") {
  for (const JsonObject& l : JsonLines(ReadFile(err_file)))
    if (l.String("component") == component && l.String("level") == level && l.String("msg").rfind(prefix, 0) == 0)
      return true;
  return false;
}

// A rule file adding project:reload-test on 财联社 (in nearly every cls
// item), citing a clause that is verbatim in its seed (the reload lints).
void WriteReloadTestRule(const std::string& rules) {
  std::ofstream(rules + "/zz-reload.yaml")
      << "version: 1\nrules:\n  - tag: project:reload-test\n    any: [财联社]\n    provenance:\n"
         "      - seed: 000_1fa3d0f570f714d3.txt\n"
         "        clause: \"紧抓粤港澳大湾区和深圳中国特色社会主义先行示范区建设重大机遇\"\n";
}

TEST(RulesReload, SighupSwapsTheRulesBetweenBatchesAndABrokenSetIsRejected) {
  TempDir tmp;
  const std::string rules = testing::CopyRules(tmp);
  const auto lines = ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"));
  ASSERT_EQ(lines.size(), 120u);

  const std::string db = tmp.path("db");
  testing::RunChild run({"--log-format", "json", "run", "--source", "-", "--format", "cls", "--rules", rules,
                         "--seeds", SourcePath("seeds"), "--db", db, "--batch", "10", "--json", "-q"},
                        tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  auto feed = [&](size_t from, size_t to) { Feed(run, lines, db, from, to); };
  feed(0, 40);

  WriteReloadTestRule(rules);
  run.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Logged(tmp.path("err"), "info", "reloaded"); }, 20s)) << ReadFile(tmp.path("err"));
  feed(40, 80);

  // A broken directory: rejected, the last good version keeps tagging.
  std::ofstream(rules + "/zz-broken.yaml") << "version: 1\nrules:\n  - tag: project:x\n    any: [\n";
  run.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Logged(tmp.path("err"), "error", "reload rejected"); }, 20s))
      << ReadFile(tmp.path("err"));
  std::filesystem::remove(rules + "/zz-broken.yaml");
  // A label entry of a field no feed writes (ths.taginfo: the field is
  // tagInfo) never counts: `rules lint` says so, and so does the reload gate.
  std::ofstream(rules + "/zz-labels.yaml")
      << "version: 1\nlabels:\n  - field: ths.taginfo\n    name: 财联社\n    tags: [project:reload-test]\n"
         "    weight: 1.0\n    reason: \"a typo of the field\"\n";
  run.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        size_t rejected = 0;
        for (const JsonObject& l : JsonLines(ReadFile(tmp.path("err"))))
          rejected += l.String("level") == "error" && l.String("msg").rfind("reload rejected", 0) == 0 &&
                      l.String("msg").find("ths.taginfo") != std::string::npos;
        return rejected == 1;
      },
      20s))
      << ReadFile(tmp.path("err"));
  feed(80, 120);
  run.Signal(SIGTERM);
  ASSERT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("err"));

  const JsonObject summary = JsonObject::LastLine(ReadFile(tmp.path("out")));
  EXPECT_EQ(summary.Uint("read"), 120u);
  EXPECT_EQ(summary.Uint("stored"), 120u);
  EXPECT_EQ(summary.Uint("rules_reloaded"), 1u);
  EXPECT_EQ(summary.Uint("rules_reload_failed"), 2u);

  // Per document, in input order (the cls sample's ids are its keys).
  const auto q = RunShell(Newsflow() + " query --limit 0 --json --db " + db);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::map<std::string, JsonObject> by_key;
  for (const JsonObject& d : JsonLines(q.out)) by_key.emplace(d.String("key"), d);
  ASSERT_EQ(by_key.size(), 120u);
  std::set<std::string> before, after;
  size_t tagged_after = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const JsonObject line = JsonObject::Of(lines[i]);
    const std::string key = "cls:" + std::to_string(line.Uint("id"));
    ASSERT_TRUE(by_key.count(key)) << key;
    const JsonObject& d = by_key.at(key);
    const bool tagged = d.Strings("tags").count("project:reload-test") > 0;
    (i < 40 ? before : after).insert(d.String("ruleset_version"));
    if (i < 40) {
      EXPECT_FALSE(tagged) << key << " was tagged before the reload";
    } else {
      const bool has_keyword = (line.String("content") + line.String("title")).find("财联社") != std::string::npos;
      EXPECT_EQ(tagged, has_keyword) << key;
      tagged_after += tagged;
    }
  }
  EXPECT_GT(tagged_after, 40u);
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u) << "the rejected set must not have tagged anything";
  EXPECT_NE(*before.begin(), *after.begin());
  EXPECT_EQ(summary.String("ruleset_version"), *after.begin());
}

// A desk subscribes (through the API or by hand) to a tag that the rules
// directory has on disk but the run has not loaded yet: the run holds that
// subscription (the file's others stay live), and makes it live at the
// reload that loads the tag, so the stories tagged from then on alert; none
// is lost to the wait.
TEST(RulesReload, ASubscriptionToATagOfTheNextRuleSetGoesLiveAtTheReload) {
  TempDir tmp;
  const std::string rules = testing::CopyRules(tmp);
  const auto lines = ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"));
  ASSERT_EQ(lines.size(), 120u);
  const std::string subs = tmp.path("subs.yaml"), alerts = tmp.path("alerts.jsonl"), db = tmp.path("db");
  std::ofstream(subs) << "subscriptions:\n  - {name: ai, any: [cluster:ai]}\n";

  testing::RunChild run({"--log-format", "json", "run", "--source", "-", "--format", "cls", "--rules", rules,
                         "--seeds", SourcePath("seeds"), "--db", db, "--batch", "10", "--subscriptions", subs,
                         "--alerts", "file:" + alerts, "--json", "-q"},
                        tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  auto feed = [&](size_t from, size_t to) { Feed(run, lines, db, from, to); };
  feed(0, 20);

  // The new subscription names a tag the loaded rules lack: held (the file
  // is checked between batches, at most once a second).
  std::ofstream(subs + ".new") << "subscriptions:\n  - {name: ai, any: [cluster:ai]}\n"
                                  "  - {name: reload-test, any: [project:reload-test]}\n";
  std::filesystem::rename(subs + ".new", subs);  // as the desk API writes it
  std::this_thread::sleep_for(1100ms);
  feed(20, 30);
  ASSERT_TRUE(WaitFor([&] { return Logged(tmp.path("err"), "warn", "subscription 'reload-test'", "subscriptions"); }, 20s))
      << ReadFile(tmp.path("err"));

  // The rules reload loads the tag; the next batch already alerts on it.
  WriteReloadTestRule(rules);
  run.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Logged(tmp.path("err"), "info", "reloaded"); }, 20s)) << ReadFile(tmp.path("err"));
  feed(30, 120);
  run.Signal(SIGTERM);
  ASSERT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("err"));
  EXPECT_TRUE(Logged(tmp.path("err"), "info", "reloaded " + subs, "subscriptions")) << ReadFile(tmp.path("err"));

  // Every story with a member tagged project:reload-test has one alert of
  // the new subscription, raised by a document stored after the reload.
  const auto q = RunShell(Newsflow() + " query --limit 0 --json --db " + db);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::set<std::string> want;
  for (const JsonObject& d : JsonLines(q.out))
    if (d.Strings("tags").count("project:reload-test")) want.insert(d.String("story"));
  ASSERT_GT(want.size(), 20u);
  std::set<std::string> after;  // the keys fed after the reload
  for (size_t i = 30; i < lines.size(); ++i) after.insert("cls:" + std::to_string(JsonObject::Of(lines[i]).Uint("id")));
  std::multiset<std::string> got;
  for (const JsonObject& a : JsonLines(ReadFile(alerts))) {
    if (a.String("subscription") != "reload-test") continue;
    got.insert(a.String("story"));
    EXPECT_TRUE(after.count(a.String("key"))) << a.String("key") << " was stored before the reload";
  }
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  EXPECT_EQ(got.size(), want.size()) << "a story alerted twice";
}

TEST(RulesReload, ASubscriptionsFileRemovedUnderARunKeepsItsSubscriptionsAndSaysSo) {
  // An operator replacing the file by hand (rm, then a copy) must not lose
  // the alerts of the time between; the run says the file is gone, once,
  // and says when it is back.
  TempDir tmp;
  const auto lines = ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"));
  ASSERT_EQ(lines.size(), 120u);
  const std::string subs = tmp.path("subs.yaml"), alerts = tmp.path("alerts.jsonl"), db = tmp.path("db");
  const std::string text = "subscriptions:\n  - {name: ai, any: [cluster:ai]}\n";
  std::ofstream(subs) << text;
  testing::RunChild run({"--log-format", "json", "run", "--source", "-", "--format", "cls", "--rules",
                         SourcePath("rules/sets"), "--db", db, "--batch", "10", "--subscriptions", subs, "--alerts", "file:" + alerts, "--json", "-q"},
                        tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  auto feed = [&](size_t from, size_t to) { Feed(run, lines, db, from, to); };
  feed(0, 20);
  std::filesystem::remove(subs);
  std::this_thread::sleep_for(1100ms);  // the file is checked between batches, at most once a second
  feed(20, 60);
  ASSERT_TRUE(WaitFor([&] { return Logged(tmp.path("err"), "warn", "cannot read " + subs, "subscriptions"); }, 20s))
      << ReadFile(tmp.path("err"));
  feed(60, 80);
  std::ofstream(subs) << text;
  std::this_thread::sleep_for(1100ms);
  feed(80, 120);
  run.Signal(SIGTERM);
  ASSERT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("err"));
  EXPECT_TRUE(Logged(tmp.path("err"), "info", subs + " is back", "subscriptions")) << ReadFile(tmp.path("err"));
  size_t warnings = 0;
  for (const JsonObject& l : JsonLines(ReadFile(tmp.path("err"))))
    if (l.String("component") == "subscriptions" && l.String("level") == "warn") ++warnings;
  EXPECT_EQ(warnings, 1u) << ReadFile(tmp.path("err"));

  // Every story with a member tagged cluster:ai has its alert, those first
  // stored while the file was gone included.
  const auto q = RunShell(Newsflow() + " query --limit 0 --json --db " + db);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::set<std::string> want, while_gone;
  std::set<std::string> gone_keys;
  for (size_t i = 20; i < 80; ++i) gone_keys.insert("cls:" + std::to_string(JsonObject::Of(lines[i]).Uint("id")));
  for (const JsonObject& d : JsonLines(q.out))
    if (d.Strings("tags").count("cluster:ai")) want.insert(d.String("story"));
  std::set<std::string> got;
  for (const JsonObject& a : JsonLines(ReadFile(alerts))) {
    got.insert(a.String("story"));
    if (gone_keys.count(a.String("key"))) while_gone.insert(a.String("key"));
  }
  EXPECT_EQ(got, want);
  EXPECT_GT(while_gone.size(), 0u) << "no alert was raised while the file was gone";
}

}  // namespace
}  // namespace newsflow::pipeline
