// `newsflow stats`: per-day (or per-hour) document counts per tag equal a
// count over `query --json`, in the zone asked for; bad values exit 2.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <tuple>

#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::JsonLines;
using testing::JsonObject;
using testing::Newsflow;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

// "YYYY-MM-DD" or "YYYY-MM-DD HH:00" of a time, `offset_s` east of UTC.
std::string BucketOf(int64_t time_ms, int offset_s, bool hourly) {
  const std::time_t t = static_cast<std::time_t>(time_ms / 1000 + offset_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, hourly ? "%Y-%m-%d %H:00" : "%Y-%m-%d", &tm);
  return buf;
}

TEST(StatsCli, CountsPerBucketAndTagEqualACountOfTheDocuments) {
  TempDir tmp;
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    const auto r = RunShell(Newsflow() + " run -q --rules " + SourcePath("rules/sets") + " --source " +
                            SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl") + " --db " +
                            tmp.path("db"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto q = RunShell(Newsflow() + " query --limit 0 --json --db " + tmp.path("db"));
  ASSERT_EQ(q.exit_code, 0) << q.err;
  // Shanghai has had no daylight saving since 1991: a fixed +08:00.
  for (const auto& [by, tz, offset] : {std::tuple{"day", "UTC", 0}, std::tuple{"hour", "Asia/Shanghai", 8 * 3600}}) {
    std::map<std::pair<std::string, std::string>, uint64_t> want;
    for (const JsonObject& d : JsonLines(q.out)) {
      const std::string b = BucketOf(d.Int("time_ms"), offset, std::string(by) == "hour");
      ++want[{b, "*"}];
      for (const auto& t : d.Strings("tags")) ++want[{b, t}];
    }
    const auto s = RunShell(Newsflow() + " stats --json --by " + by + " --tz " + tz + " --db " + tmp.path("db"));
    ASSERT_EQ(s.exit_code, 0) << s.err;
    std::map<std::pair<std::string, std::string>, uint64_t> got;
    for (const JsonObject& row : JsonLines(s.out)) got[{row.String("bucket"), row.String("tag")}] = row.Uint("count");
    EXPECT_EQ(got, want) << by;
    EXPECT_GT(got.size(), 100u);
  }
  // Sources, a time range and named tags (counted from the indexes alone)
  // agree with the documents too.
  {
    const std::string range = " --since 2026-05-20T00:00:00Z --until 2026-06-20T00:00:00Z";
    const auto docs = RunShell(Newsflow() + " query --limit 0 --json --source ths --source cls" + range + " --db " +
                               tmp.path("db"));
    ASSERT_EQ(docs.exit_code, 0) << docs.err;
    std::map<std::pair<std::string, std::string>, uint64_t> want_all, want_two;
    for (const JsonObject& d : JsonLines(docs.out)) {
      const std::string b = BucketOf(d.Int("time_ms"), 8 * 3600, false);
      ++want_all[{b, "*"}];
      for (const auto& t : d.Strings("tags")) {
        ++want_all[{b, t}];
        if (t == "cluster:ai" || t == "region:guangdong") ++want_two[{b, t}];
      }
    }
    ASSERT_FALSE(want_two.empty());
    for (const auto& [args, want] : {std::pair{std::string(), &want_all},
                                     std::pair{std::string(" --tag cluster:ai --tag region:guangdong"), &want_two}}) {
      const auto s = RunShell(Newsflow() + " stats --json --tz Asia/Shanghai --source ths --source cls" + range +
                              args + " --db " + tmp.path("db"));
      ASSERT_EQ(s.exit_code, 0) << s.err;
      std::map<std::pair<std::string, std::string>, uint64_t> got;
      for (const JsonObject& row : JsonLines(s.out)) {
        got[{row.String("bucket"), row.String("tag")}] = row.Uint("count");
        EXPECT_EQ(row.String("tz"), "Asia/Shanghai");  // the zone of the bucket's day
      }
      EXPECT_EQ(got, *want) << args;
    }
  }
  // --tag keeps that tag's rows only.
  const auto one = RunShell(Newsflow() + " stats --json --tag region:shenzhen --db " + tmp.path("db"));
  ASSERT_EQ(one.exit_code, 0);
  for (const JsonObject& row : JsonLines(one.out)) EXPECT_EQ(row.String("tag"), "region:shenzhen");
  for (const std::string bad : {"--by week", "--tz Mars/Olympus", "--since tomorrow", "--tag cluster:semiconductor",
                                 "--source reuters", "--tag cluster:ai,region:shenzhen"})
    EXPECT_EQ(RunShell(Newsflow() + " stats " + bad + " --db " + tmp.path("db")).exit_code, 2) << bad;
  // A tag of the rules that no document carries yet: known with --rules
  // (an empty table, as query's count 0), a usage error without.
  std::string unseen;
  for (const char* t : {"cluster:deep-earth-sea", "cluster:optical-comm-computing", "cluster:quantum"})
    if (RunShell(Newsflow() + " query --count --tag " + t + " --db " + tmp.path("db")).exit_code == 2) unseen = t;
  ASSERT_FALSE(unseen.empty()) << "every candidate tag is stored";
  EXPECT_EQ(RunShell(Newsflow() + " stats --tag " + unseen + " --db " + tmp.path("db")).exit_code, 2);
  const auto known = RunShell(Newsflow() + " stats --json --tag " + unseen + " --rules " +
                              testing::SourcePath("rules/sets") + " --db " + tmp.path("db"));
  EXPECT_EQ(known.exit_code, 0) << known.err;
  EXPECT_TRUE(JsonLines(known.out).empty()) << known.out;
}

}  // namespace
}  // namespace newsflow::pipeline
