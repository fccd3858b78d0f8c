// CLI: every usage problem (a bad number, a value out of range, an unknown
// format, a bad time, a malformed destination) exits 2, before anything is
// opened or created, and nothing ends in an uncaught exception (134).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "json_util.h"
#include "pipeline/decode/invalid_utf8.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::RunShell;
using testing::TempDir;

TEST(CliUsage, BadValuesExitTwo) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const std::string run = Newsflow() + " run -q --source /dev/null --db " + db + " ";
  const std::string query = Newsflow() + " query --db " + db + " ";
  const std::vector<std::string> cases = {
      query + "--since 99999999999999999999",
      query + "--until -99999999999999999999",
      query + "--since '2026-05-18 12:00:00garbage'",
      query + "--since 2026-13-01",
      query + "--since tomorrow",
      query + "--since 2026-02-30",  // a day the month does not have
      query + "--until 2026-06-31",
      // A filter given empty (a script's unset variable) would widen the
      // command to everything: a re-tag of the whole store, every alert.
      query + "--stock ''",
      query + "--text ''",
      query + "--since ''",
      query + "--until ''",
      Newsflow() + " stats --db " + db + " --since ''",
      Newsflow() + " retag --db " + db + " --since ''",
      Newsflow() + " retag --db " + db + " --until ''",
      Newsflow() + " alerts --db " + db + " --subscription ''",
      // An empty path is a usage error in every command (backup --to ''
      // exited 1 as an I/O error; query --db '' "cannot open store").
      Newsflow() + " backup --db " + db + " --to ''",
      Newsflow() + " restore --from '' --db " + tmp.path("restored"),
      Newsflow() + " query --db ''",
      Newsflow() + " prune --db '' --before 2020-01-01",
      Newsflow() + " serve --db '' --listen 127.0.0.1:0",
      // A listen host that is no address (it exited 1 from the server,
      // after the store was opened). No unknown name: that would ask DNS.
      Newsflow() + " serve --db " + db + " --listen 999.1.1.1:80",
      Newsflow() + " serve --db " + db + " --listen 1:0",            // IPv4 shorthand, not a name
      Newsflow() + " serve --db " + db + " --listen '[localhost]:0'",  // brackets hold an IPv6 address
      run + "--http 999.1.1.1:0",
      Newsflow() + " run -q --db '' --source /dev/null",
      Newsflow() + " run -q --config ''",
      // An empty zone or column list fell back to the default without a word.
      query + "--tz ''",
      query + "--csv --fields ''",
      Newsflow() + " alerts --db " + db + " --tz ''",
      Newsflow() + " stats --db " + db + " --tz ''",
      run + "--story-window nan",
      run + "--story-threshold nan",
      run + "--story-root-threshold nan",
      run + "--story-root-override -nan",
      run + "--retain-interval nan",
      Newsflow() + " run -q --db " + db + " --source follow:",
      run + "--alerts file:",
      Newsflow() + " run -q --db " + db + " --source 'kafka://127.0.0.1:notaport/t?group=g'",
      Newsflow() + " run -q --db " + db + " --source 'kafka://127.0.0.1:0/t'",
      query + "--limit -5",
      query + "--limit 99999999999999999999999",
      Newsflow() + " dead-letter --db " + db + " --limit x",
      Newsflow() + " dead-letter --db " + db + " --raw x",
      Newsflow() + " dead-letter --db " + db + " --raw 1 --json",
      run + "--threads 100000",
      run + "--threads -1",
      run + "--threads abc",
      run + "--threads 99999999999999999999",
      run + "--batch 0",
      run + "--batch -1",
      run + "--retain-interval 5",     // without --retain: nothing would be pruned
      run + "--retain-from newest",
      Newsflow() + " restore --from " + db + "-backups --list --db " + db,  // lists: restores nothing
      Newsflow() + " restore --from " + db + "-backups --list --backup-id 1",
      Newsflow() + " restore --from " + db + "-backups --list --as-copy",  // a copy of nothing
      run + "--format foo",
      run + "--max-record-bytes 0",
      run + "--max-record-bytes 1e3",
      run + "--max-inflight-bytes 1000",  // below --max-record-bytes
      run + "--alerts bogus:x",
      run + "--checkpoint-records -1",  // an unsigned option: -1 would wrap around
      Newsflow() + " serve --db " + db + " --tz Bad/Zone",  // as every other command's --tz
      run + "--dead-letter file:x",
      Newsflow() + " run -q --db " + db + " --source kafka://nohost",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/t?nokv'",
      // Kafka parameters and librdkafka settings are checked before anything opens.
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/t?group=g&bogus=1'",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/t?group=g&rdkafka.no.such.prop=1'",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/t?group=g&rdkafka.session.timeout.ms=abc'",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/t'",  // no group
      run + "--tagged 'kafka://h:1/t?rdkafka.no.such.prop=1'",
      run + "--dead-letter 'kafka://h:1/t?rdkafka.acks=maybe'",
      run + "--alerts 'kafka://h:1/t?rdkafka.acks=1'",  // refused beside idempotence, when a handle is made
      Newsflow() + " run -q --db " + db +
          " --source 'kafka://h:1/t?group=g&rdkafka.security.protocol=sasl_ssl&rdkafka.sasl.mechanisms=GSSAPI'",
      run + "--dead-letter 'kafka://h:1/t?linger=5'",  // a sink takes rdkafka.NAME only
      run + "--alerts 'kafka://h:1/t1,t2'",  // one topic
      // A sink into the topic the run reads (a desk node looped for ever), a
      // parameter twice, a topic name Kafka refuses (waited for ever).
      Newsflow() + " run -q --db " + db + " --format tagged --source 'kafka://h:1/in?group=g' --tagged kafka://h:1/in",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1,h:2/a,in?group=g' --alerts kafka://h:2/in",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/in?group=g' --dead-letter kafka://h:1/in",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/t?group=g&group=h'",
      Newsflow() + " run -q --db " + db + " --source 'kafka://h:1/my topic?group=g'",
      run + "--tagged 'kafka://h:1/t%20x'",
      run + "--tagged 'kafka://h:1/^tagged.*'",  // a sink writes one topic, not a pattern
      Newsflow() + " run -q --db " + db + " --source 'kafka://localhost:9092/^news-.*?group=g'" +
          " --tagged kafka://127.0.0.1:9092/news-tagged",  // the pattern reads its own output
      Newsflow() + " rules coverage --source /dev/null --top -1",
      Newsflow() + " rules coverage",                                   // neither --source nor --gold
      Newsflow() + " rules coverage --source /dev/null --gold /dev/null",  // both
      Newsflow() + " rules coverage --gold /dev/null --format bogus",
      Newsflow() + " rules coverage --gold /dev/null --baseline ''",
      // Nothing to explain (an empty file piped in) answered "No rule fires".
      Newsflow() + " rules explain < /dev/null",
      Newsflow() + " rules explain --json ' ' < /dev/null",
      Newsflow() + " produce --broker h:1 --topic t --rate nan /dev/null",
      Newsflow() + " produce --broker h:1 --topic t --rate inf/s /dev/null",
      Newsflow() + " produce --broker h:1 --topic t --rate fast /dev/null",
      Newsflow() + " produce --broker h:1 --topic t --repeat -1 /dev/null",
      Newsflow() + " produce --broker h:1 --topic t --format foo /dev/null",
      // A field map is part of the command line: missing or wrong, a usage error.
      run + "--format map:/nonexistent/map.yaml",
      run + "--format map:/dev/null",  // not a mapping
  };
  for (const auto& cmd : cases) {
    const auto r = RunShell(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << cmd;  // a message says what is wrong
  }
  EXPECT_FALSE(std::filesystem::exists(db)) << "a usage error created the store";
}

// A store that is not there: every command that needs one says so in the
// same words and creates nothing (backup, prune and retag gave RocksDB's
// "While opening a file for sequentially reading: DIR/CURRENT").
TEST(CliUsage, AMissingStoreIsSaidAlikeByEveryCommand) {
  TempDir tmp;
  const std::string db = tmp.path("nostore");
  for (const std::string& args :
       {"query --db " + db, "stats --db " + db, "show --db " + db + " cls:1", "backup --db " + db + " --to " +
        tmp.path("bk"), "prune --db " + db + " --before 30d", "retag --db " + db + " --rules " +
        testing::SourcePath("rules/sets")}) {
    const auto r = RunShell(Newsflow() + " " + args);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("cannot open store at " + db + ": no RocksDB store there"), std::string::npos)
        << args << "\n" << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(db));
}

// An unknown command word was answered "A subcommand is required", which
// names neither the word nor the commands there are.
TEST(CliUsage, AnUnknownCommandIsNamedWithTheCommandsThereAre) {
  const struct {
    std::string args, word, command, one_of;
  } cases[] = {{"frob", "frob", "newsflow:", "query"},
               {"rules frob", "frob", "newsflow rules:", "lint"},
               {"story frob --json", "frob", "newsflow story:", "eval"},
               {"--log-level info querry --db x", "querry", "newsflow:", "query"}};
  for (const auto& c : cases) {
    const auto r = RunShell(Newsflow() + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind(c.command, 0), 0u) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find("'" + c.word + "'"), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.one_of), std::string::npos) << c.args << "\n" << r.err;
  }
  // No word at all stays CLI11's "a subcommand is required"; its errors
  // start as the commands' own do, with the command ("newsflow rules: ").
  const auto none = RunShell(Newsflow() + " rules");
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_EQ(none.err.find("unknown command"), std::string::npos) << none.err;
  EXPECT_EQ(none.err.rfind("newsflow rules: ", 0), 0u) << none.err;
  // After an option the command does not know, a word may be its value:
  // not named as a command.
  const auto value = RunShell(Newsflow() + " rules --rules dir frob");
  EXPECT_EQ(value.exit_code, 2) << value.err;
  EXPECT_EQ(value.err.find("'dir'"), std::string::npos) << value.err;
  const auto extra = RunShell(Newsflow() + " rules lint frob");
  EXPECT_EQ(extra.exit_code, 2) << extra.err;
  EXPECT_EQ(extra.err.rfind("newsflow rules lint: ", 0), 0u) << extra.err;
  const auto help = RunShell(Newsflow() + " rules --help");
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("lint"), std::string::npos) << help.out;
}

// Figures over nothing pass any floor: an empty gold set and a pairs file
// that is not there are errors.
TEST(CliUsage, EvaluationsOverNothingAreErrors) {
  TempDir tmp;
  std::ofstream(tmp.path("empty.jsonl")).flush();
  const std::string rules = " --rules " + testing::SourcePath("rules/sets");
  const auto empty = RunShell(Newsflow() + " eval --gold " + tmp.path("empty.jsonl") + rules);
  EXPECT_EQ(empty.exit_code, 1) << empty.out;
  const auto pairs = RunShell(Newsflow() + " story eval --db " + tmp.path("db") + " --pairs " + tmp.path("none.jsonl"));
  EXPECT_EQ(pairs.exit_code, 1) << pairs.err;
  // rules lint without its seeds or a named allow file: a missing input (exit 1), named once.
  const std::string seeds = " --seeds " + testing::SourcePath("seeds");
  for (const std::string& missing : {seeds + " --allow " + tmp.path("no-such-allow.yaml"), " --seeds " + tmp.path("no-seeds")}) {
    const auto lint = RunShell(Newsflow() + " rules lint --rules " + testing::SourcePath("rules/sets") + missing);
    EXPECT_EQ(lint.exit_code, 1) << missing << "\n" << lint.out;
    EXPECT_TRUE(lint.out.empty()) << "no findings listed: " << lint.out.substr(0, 200);
  }
  // Over a store that exists: no pair is no measurement (null, not 1.0), a
  // damaged pairs file is exit 1 as any damaged input.
  ASSERT_EQ(RunShell(Newsflow() + " run -q --source /dev/null --db " + tmp.path("db") + rules).exit_code, 0);
  const auto none = RunShell(Newsflow() + " story eval --json --db " + tmp.path("db") + " --pairs " + tmp.path("empty.jsonl"));
  EXPECT_EQ(none.exit_code, 1) << none.err;
  ASSERT_EQ(testing::JsonLines(none.out).size(), 1u) << none.out;
  EXPECT_NE(none.out.find("\"precision\":null"), std::string::npos) << none.out;
  std::ofstream(tmp.path("bad-pairs.jsonl")) << "x\n";
  const auto bad = RunShell(Newsflow() + " story eval --db " + tmp.path("db") + " --pairs " + tmp.path("bad-pairs.jsonl"));
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
}

// A floor file is the CI gate: `.nan` passed every score (nothing is
// below NaN), a value outside [0, 1] is no F1, a family given twice kept
// the last, a second YAML document was never read, and a family no tag is
// in (a typo) or that eval does not score (project) passes any score. Each
// is a usage error (exit 2) naming the file and line.
TEST(CliUsage, FloorsThatCannotGateAreUsageErrorsAtTheirLine) {
  TempDir tmp;
  const struct {
    std::string yaml;
    int line;
  } cases[] = {{"cluster: .nan\n", 1},         {"theme: 0.5\ncluster: -1\n", 2}, {"cluster: 1.5\n", 1},
               {"cluster: .inf\n", 1},         {"cluster: 0.5\ncluster: 0.9\n", 2},
               {"cluster: 0.5\n---\ncluster: 0.9\n", 2}, {"cluster: high\n", 1},
               {"cluster: 0.5\nclusterr: 0.99\n", 2},  // a family no tag is in: a typo
               {"cluster: 0.5\nproject: 0.99\n", 2}};  // a family eval does not score: no figures to gate
  const std::string eval = Newsflow() + " eval --rules " + testing::SourcePath("rules/sets") + " --gold " +
                           testing::SourcePath("tests/eval/gold_part_a.jsonl") + " --floor ";
  for (const auto& c : cases) {
    std::ofstream(tmp.path("floor.yaml"), std::ios::trunc) << c.yaml;
    const auto r = RunShell(eval + tmp.path("floor.yaml"));
    EXPECT_EQ(r.exit_code, 2) << c.yaml << "\n" << r.err;
    EXPECT_NE(r.err.find(tmp.path("floor.yaml") + ":" + std::to_string(c.line) + ":"), std::string::npos)
        << c.yaml << "\n" << r.err;
  }
  std::ofstream(tmp.path("floor.yaml"), std::ios::trunc) << "cluster: 0\nregion: 1.0e-1\n";
  const auto ok = RunShell(eval + tmp.path("floor.yaml"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// A family with no gold and no predicted tag in the items scored P, R and
// F1 1.000 (macro 0.000) and passed any floor. It is measured as nothing:
// n/a, null in --json, and a floor on it fails.
TEST(EvalCli, AFamilyWithNothingToMeasureIsNotPerfect) {
  TempDir tmp;
  std::ofstream(tmp.path("gold.jsonl"))
      << R"({"key":"cls:1","title":"","body":"深圳发布人工智能政策","labels":[{"tag":"cluster:ai"},{"tag":"region:shenzhen"},{"tag":"region:guangdong"}]})"
      << "\n";
  std::ofstream(tmp.path("floor.yaml")) << "theme: 0.5\n";
  const std::string eval = Newsflow() + " eval --rules " + testing::SourcePath("rules/sets") + " --gold " +
                           tmp.path("gold.jsonl") + " --floor " + tmp.path("floor.yaml");
  const auto r = RunShell(eval + " --json");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto j = testing::JsonObject::LastLine(r.out);
  EXPECT_TRUE(j.Bool("below_floor")) << r.out;
  EXPECT_NE(r.out.find(R"("theme":{"tp":0,"fp":0,"fn":0,"p":null,"r":null,"f1":null,"macro_f1":null})"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(RunShell(eval).exit_code, 1);
}

// A gold label outside the taxonomy would score a right tag as a miss and a
// false positive; an item read twice would count twice. Both are errors
// naming the file and line, as a malformed line is.
TEST(CliUsage, GoldLabelsOutsideTheTaxonomyAndItemsLabelledTwiceAreErrors) {
  TempDir tmp;
  auto item = [](const std::string& key, const std::string& tag) {
    return R"({"key":")" + key + R"(","title":"","body":"深圳发布人工智能政策","labels":[{"tag":")" + tag + "\"}]}\n";
  };
  std::ofstream(tmp.path("typo.jsonl")) << item("cls:1", "region:shenzhen") << item("cls:2", "region:shenzen");
  std::ofstream(tmp.path("family.jsonl")) << item("cls:1", "sector:ai");
  std::ofstream(tmp.path("good.jsonl")) << item("cls:1", "region:shenzhen");
  const std::string eval = Newsflow() + " eval --rules " + testing::SourcePath("rules/sets") + " --json --gold ";
  const struct {
    std::string gold, where;
  } cases[] = {{tmp.path("typo.jsonl"), "typo.jsonl:2:"},
               {tmp.path("family.jsonl"), "family.jsonl:1:"},
               {tmp.path("good.jsonl") + " " + tmp.path("good.jsonl"), "good.jsonl:1:"}};
  for (const auto& c : cases) {
    const auto r = RunShell(eval + c.gold);
    EXPECT_EQ(r.exit_code, 1) << c.gold << "\n" << r.out;
    EXPECT_NE(r.err.find(c.where), std::string::npos) << r.err;
  }
  const auto good = RunShell(eval + tmp.path("good.jsonl"));
  EXPECT_EQ(good.exit_code, 0) << good.err;
}

// The run summary groups dead letters by their reason's class: the text
// before ": " (a colon quoted in the reason is part of it), and a feed's
// first byte named in hex; a NUL byte whatever its offset.
TEST(RunSummaryReasons, DeadLettersAreGroupedByWholeReasons) {
  TempDir tmp;
  std::ofstream(tmp.path("in.jsonl"), std::ios::binary) << ":x\n[1]\n\xEF\xBB\xBF\xEF\xBB\xBF{}\n"
                                                          << R"({"id":1,"ctime":"soon","content":"x"})" << "\n"
                                                          << std::string("{\"id\":2,\0}\n{\"id\":3,\"a\":\0}\n", 26)
                                                          << R"({"id":4,"ctime":1,"content":)" << std::string(2000, '[')
                                                          << std::string(2000, ']') << "}\n";  // too deep
  const auto r = RunShell(Newsflow() + " run -q --json --format cls --rules " + testing::SourcePath("rules/sets") +
                          " --db " + tmp.path("db") + " --source " + tmp.path("in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = r.out;
  for (const char* reason : {"\"not a JSON object (line starts with ':')\":1",
                             "\"not a JSON object (line starts with '[')\":1",
                             "\"not a JSON object (line starts with byte 0xEF)\":1", "\"field `time`\":1",
                             "\"NUL byte\":2",  // NULs at offsets 8 and 13: one class (it was one per offset)
                             "\"json: The JSON document was too deep\":1"})  // simdjson's "... deep (too many ...)"
    EXPECT_NE(summary.find(reason), std::string::npos) << reason << " in " << summary;
}

// `--format ths` on a cls file stored 97 of its 120 items as ths documents
// without a word; the run now says once that the items look like cls's.
TEST(CliUsage, AnotherFeedsFormatIsSaidOnce) {
  TempDir tmp;
  const std::string run = Newsflow() + " run -q --rules " + testing::SourcePath("rules/sets") + " --source " +
                          testing::SourcePath("tests/fixtures/cls-sample.jsonl");
  const auto wrong = RunShell(run + " --format ths --db " + tmp.path("wrong"));
  ASSERT_EQ(wrong.exit_code, 0) << wrong.err;
  size_t said = 0;
  for (size_t at = wrong.err.find("look like cls items"); at != std::string::npos;
       at = wrong.err.find("look like cls items", at + 1))
    ++said;
  EXPECT_EQ(said, 1u) << wrong.err;
  for (const char* format : {"cls", "auto"}) {
    const auto right = RunShell(run + " --format " + format + " --db " + tmp.path(format));
    ASSERT_EQ(right.exit_code, 0) << right.err;
    EXPECT_EQ(right.err.find("look like"), std::string::npos) << format << "\n" << right.err;
  }
}

TEST(CliUsage, GoodValuesAreAccepted) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const auto made = RunShell(Newsflow() + " run -q --source " + testing::SourcePath("tests/fixtures/cls-sample.jsonl") +
                             " --rules " + testing::SourcePath("rules/sets") + " --db " + db +
                             " --threads 2 --batch 7 --max-record-bytes 65536 --max-inflight-bytes 1048576");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  for (const char* since : {"2026-05-18", "2026-05-18 12:00", "2026-05-18 12:00:00", "2026-05-18T12:00:00Z",
                                   "1778688503000", "2024-02-29"}) {
    const auto r = RunShell(Newsflow() + " query --count --db " + db + " --since '" + since + "'");
    EXPECT_EQ(r.exit_code, 0) << since << "\n" << r.err;
  }
  // A label option takes one value: the text after it is the text.
  const auto explained = RunShell(Newsflow() + " rules explain --json --rules " + testing::SourcePath("rules/sets") +
                                  " --label ths.tagInfo:半导体 '深圳推进12英寸芯片生产线建设'");
  EXPECT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_NE(explained.out.find("cluster:semiconductors"), std::string::npos) << explained.out;
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// A file-size limit (`ulimit -f`) the store's files outgrow: the run ends
// with an error exit and a summary that says its documents are not durable,
// not killed by SIGXFSZ without a word (exit 128 + 25 from the shell).
TEST(CliUsage, AFileSizeLimitIsAnErrorNotADeathBySignal) {
  TempDir tmp;
  const auto r = RunShell("ulimit -f 100; cat " + testing::SourcePath("tests/fixtures/cls-sample.jsonl") + " " +
                          testing::SourcePath("tests/fixtures/eastmoney-sample.jsonl") + " " +
                          testing::SourcePath("tests/fixtures/ths-sample.jsonl") + " | " + Newsflow() +
                          " run -q --json --source - --rules " + testing::SourcePath("rules/sets") + " --db " +
                          tmp.path("db"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto summary = testing::JsonObject::LastLine(r.out);
  EXPECT_FALSE(summary.Bool("durable")) << r.out;
  EXPECT_FALSE(summary.String("ruleset_version").empty()) << r.out;  // it failed storing, not starting
}

// eval --errors cut a miss's title at 90 bytes, in the middle of a
// character: its output was not UTF-8 (iconv, jq and editors refused it).
TEST(EvalCli, TheMissListIsUtf8) {
  const auto r = RunShell(Newsflow() + " eval --errors --rules " + testing::SourcePath("rules/sets") + " --gold " +
                          testing::SourcePath("tests/eval/gold_part_b.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(r.out.find("  FP "), std::string::npos) << "no miss listed: " << r.out.substr(0, 500);
  const auto bad = pipeline::FirstInvalidUtf8(r.out);
  EXPECT_FALSE(bad.has_value()) << "invalid UTF-8 at byte " << *bad << ": "
                                << r.out.substr(*bad >= 60 ? *bad - 60 : 0, 80);
}

// A run with exit=eof (a job meant to end) whose brokers never answer (a
// misspelt or unreachable bootstrap) retried for ever, logging an error
// every 30 s. It now ends with an error (exit 1) after the wait (60 s; 2 s
// here), naming the brokers.
TEST(KafkaUnreachable, ARunThatMustEndDoesNotWaitForEverForABroker) {
  TempDir tmp;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = RunShell("NEWSFLOW_TEST_EOF_CONNECT_WAIT_MS=2000 " + Newsflow() + " run -q --db " + tmp.path("db") +
                          " --rules " + testing::SourcePath("rules/sets") +
                          " --source 'kafka://127.0.0.1:1/t?group=g&exit=eof'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no broker of 127.0.0.1:1 answered"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
}

}  // namespace
}  // namespace newsflow::pipeline
