// End-to-end: the `newsflow` binary runs real fixture items into a fresh
// RocksDB, then query/show/dead-letter read them back. Also the bad-input
// suite: garbage mixed into real items is dead-lettered, real items stored.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "pipeline/decode/decoder.h"
#include "newsflow/storage/store.h"
#include "json_util.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

using testing::Newsflow;
using testing::ReadLines;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

std::string RulesDir() { return SourcePath("rules/sets"); }

std::string RunCmd(const std::string& source, const std::string& db, const std::string& extra = "") {
  return Newsflow() + " run -q --json --source " + source + " --rules " + RulesDir() + " --db " + db + " " + extra;
}

std::unique_ptr<storage::Store> OpenRead(const std::string& db) {
  storage::StoreOptions o;
  o.path = db;
  o.read_only = true;
  o.create_if_missing = false;
  std::unique_ptr<storage::Store> s;
  EXPECT_TRUE(storage::Store::Open(o, &s).ok());
  return s;
}

// Keys of the fixture file, decoded independently of the run.
std::set<std::string> FixtureKeys(const std::string& feed) {
  FormatSpec spec;
  EXPECT_TRUE(ParseFormatSpec(feed, &spec).ok());
  Decoder dec(spec);
  std::set<std::string> keys;
  for (const auto& l : ReadLines(SourcePath("tests/fixtures/" + feed + "-sample.jsonl"))) {
    Document d;
    EXPECT_TRUE(dec.Decode(l, &d).ok());
    keys.insert(d.key);
  }
  return keys;
}

TEST(EndToEnd, RunThenQueryEveryFeed) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  std::set<std::string> all;
  for (const char* feed : {"cls", "eastmoney", "ths"}) {
    auto r = RunShell(RunCmd("file:" + SourcePath(std::string("tests/fixtures/") + feed + "-sample.jsonl"), db,
                        std::string("--format ") + feed));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(testing::JsonObject::LastLine(r.out).Uint("stored"), 120u) << r.out;
    auto keys = FixtureKeys(feed);
    all.insert(keys.begin(), keys.end());
  }
  auto count = RunShell(Newsflow() + " query --count --db " + db);
  ASSERT_EQ(count.exit_code, 0) << count.err;
  EXPECT_EQ(std::stoul(count.out), all.size());

  // --json: one object per line, newest first, with the documented fields.
  auto q = RunShell(Newsflow() + " query --json --limit 0 --db " + db);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::set<std::string> seen;
  int64_t prev = INT64_MAX;
  size_t tagged = 0;
  for (const auto& doc : testing::JsonLines(q.out)) {
    ASSERT_TRUE(doc.ok());
    for (const char* field : {"key", "source", "time", "title", "tags", "spans"})
      ASSERT_TRUE(doc.Has(field)) << field;
    seen.insert(doc.String("key"));
    const int64_t ms = doc.Int("time_ms");
    EXPECT_LE(ms, prev);
    prev = ms;
    if (!doc.Strings("tags").empty()) ++tagged;
  }
  EXPECT_EQ(seen, all);
  EXPECT_GT(tagged, all.size() / 5);  // the fixtures are half policy-related

  // --tag filters, and every listed document carries the tag.
  auto semi = RunShell(Newsflow() + " query --json --limit 0 --tag region:guangdong --db " + db);
  ASSERT_EQ(semi.exit_code, 0);
  size_t n = 0;
  for (const auto& doc : testing::JsonLines(semi.out)) {
    ++n;
    EXPECT_EQ(doc.Strings("tags").count("region:guangdong"), 1u) << doc.String("key");
  }
  EXPECT_GT(n, 0u);
  auto semi_count = RunShell(Newsflow() + " query --count --tag region:guangdong --db " + db);
  EXPECT_EQ(std::stoul(semi_count.out), n);

  // show prints the stored record with its body.
  const std::string any_key = *all.begin();
  auto show = RunShell(Newsflow() + " show --db " + db + " " + any_key);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const auto shown = testing::JsonObject::Of(show.out.substr(0, show.out.find('\n')));
  EXPECT_EQ(shown.String("key"), any_key);
  EXPECT_TRUE(shown.Has("body"));
  EXPECT_NE(RunShell(Newsflow() + " show --db " + db + " cls:0").exit_code, 0);
}

TEST(EndToEnd, SpansPointIntoTheOriginalText) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunCmd(SourcePath("tests/fixtures/cls-sample.jsonl"), db)).exit_code, 0);
  auto store = OpenRead(db);
  std::vector<storage::Record> recs;
  storage::QueryOptions q;
  q.limit = 0;
  ASSERT_TRUE(store->Query(q, &recs).ok());
  size_t spans = 0, label_spans = 0;
  for (const auto& r : recs)
    for (const auto& s : r.spans) {
      if (s.field == storage::Field::kLabel) {  // evidence from the feed's labels: [i, i + 1) of r.labels
        ASSERT_LT(s.begin, r.labels.size()) << r.key;
        EXPECT_EQ(s.end, s.begin + 1) << r.key;
        EXPECT_EQ(s.keyword, r.labels[s.begin].name) << r.key;
        ++label_spans;
        continue;
      }
      const std::string& f = s.field == storage::Field::kTitle ? r.title : r.body;
      ASSERT_LE(s.end, f.size());
      ASSERT_LT(s.begin, s.end);
      const std::string orig = f.substr(s.begin, s.end - s.begin);
      // The original bytes contain the keyword, up to case, width and HTML.
      if (orig.find('<') == std::string::npos && orig.find('&') == std::string::npos) {
        std::string lower = orig, kw = s.keyword;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : kw) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_EQ(lower, kw) << r.key;
      }
      ++spans;
    }
  EXPECT_GT(spans, 50u);
  EXPECT_GT(label_spans, 0u) << "cls subjects map to tags in rules/sets/labels.yaml";
}

TEST(EndToEnd, ReingestingIsIdempotent) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  const std::string src = SourcePath("tests/fixtures/ths-sample.jsonl");
  ASSERT_EQ(RunShell(RunCmd(src, db)).exit_code, 0);
  uint64_t docs1, idx1;
  {
    auto s = OpenRead(db);
    storage::Counts c;
    ASSERT_TRUE(s->GetCounts(&c).ok());
    docs1 = c.docs;
    ASSERT_TRUE(s->CountTagIndex("region:guangdong", &idx1).ok());
  }
  ASSERT_EQ(RunShell(RunCmd(src, db)).exit_code, 0);
  auto s = OpenRead(db);
  storage::Counts c;
  ASSERT_TRUE(s->GetCounts(&c).ok());
  uint64_t idx2;
  ASSERT_TRUE(s->CountTagIndex("region:guangdong", &idx2).ok());
  EXPECT_EQ(c.docs, 120u);
  EXPECT_EQ(c.docs, docs1);
  EXPECT_EQ(idx2, idx1);
  EXPECT_GT(idx1, 0u);
}

// A file replaced by another of the same size and modification time
// (`cp -p`, `rsync -t`, `touch -r`, then `mv` over it) whose first 64 KiB
// agree is read again, not taken as stored already: a corrected line past
// the first 64 KiB was never stored.
TEST(EndToEnd, AFileReplacedWithTheSameSizeAndTimeIsReadAgain) {
  TempDir tmp;
  const std::string db = tmp.path("db"), feed = tmp.path("feed.jsonl"), edit = tmp.path("edit.jsonl");
  std::vector<std::string> lines;
  for (const char* f : {"cls", "eastmoney", "ths"})
    for (const auto& l : ReadLines(SourcePath(std::string("tests/fixtures/") + f + "-sample.jsonl"))) lines.push_back(l);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  ASSERT_GT(text.size(), size_t{70} << 10);
  std::ofstream(feed, std::ios::binary) << text;
  const auto first = RunShell(RunCmd("file:" + feed, db));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // The last line, corrected in place: "20" -> "21" in its time keeps every length.
  const size_t at = text.rfind("\"ctime\":");
  ASSERT_NE(at, std::string::npos);
  const size_t digit = text.find_first_of("0123456789", at) + 8;  // a digit of the seconds, not the century
  ASSERT_GT(digit, size_t{64} << 10);
  text[digit] = text[digit] == '9' ? '8' : static_cast<char>(text[digit] + 1);
  std::ofstream(edit, std::ios::binary) << text;
  std::filesystem::last_write_time(edit, std::filesystem::last_write_time(feed));
  std::filesystem::rename(edit, feed);
  const auto second = RunShell(RunCmd("file:" + feed, db));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto summary = testing::JsonObject::LastLine(second.out);
  EXPECT_FALSE(summary.Bool("already_complete")) << second.out;
  EXPECT_EQ(summary.Uint("read"), lines.size()) << second.out;
}

// A file read with a wrong --format stored what that format made of it and
// marked the file done; the run with the right format then read nothing
// ("already stored"). How a file was read is now part of its mark: read
// another way (another format, an edited map, another record cap), it is
// read again from the start; read the same way, it is not.
TEST(EndToEnd, AFileReadAnotherWayIsReadAgainFromTheStart) {
  TempDir tmp;
  const std::string db = tmp.path("db"), feed = SourcePath("tests/fixtures/cls-sample.jsonl");
  const size_t lines = testing::ReadLines(feed).size();
  auto run = [&](const std::string& extra) {
    const auto r = RunShell(RunCmd("file:" + feed, db, extra));
    EXPECT_EQ(r.exit_code, 0) << extra << "\n" << r.err;
    return testing::JsonObject::LastLine(r.out);
  };
  const auto wrong = run("--format ths");
  EXPECT_EQ(wrong.Uint("read"), lines);
  const auto right = run("--format cls");
  EXPECT_EQ(right.Uint("read"), lines);
  EXPECT_EQ(right.Uint("stored"), lines);
  EXPECT_TRUE(right.Bool("reread"));
  EXPECT_FALSE(right.Bool("already_complete"));
  const auto again = run("--format cls");
  EXPECT_TRUE(again.Bool("already_complete"));
  EXPECT_EQ(again.Uint("read"), 0u);
  EXPECT_FALSE(again.Has("reread"));
  const auto cap = run("--format cls --max-record-bytes 2000000");
  EXPECT_TRUE(cap.Bool("reread"));
  EXPECT_EQ(cap.Uint("read"), lines);
  // The documents of the right reading are there, under cls keys.
  const auto q = RunShell(Newsflow() + " query --count --limit 0 --source cls --db " + db);
  EXPECT_EQ(q.out, std::to_string(lines) + "\n") << q.err;

  // A map: by its content, not its name.
  const std::string map = tmp.path("m.yaml"), other_db = tmp.path("db2");
  std::ofstream(map) << "source: wire\nid: /id\ntitle: /title\nbody: /content\n";
  auto map_run = [&]() {
    const auto r = RunShell(RunCmd("file:" + feed, other_db, "--format map:" + map));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return testing::JsonObject::LastLine(r.out);
  };
  EXPECT_EQ(map_run().Uint("read"), lines);
  EXPECT_TRUE(map_run().Bool("already_complete"));
  std::ofstream(map, std::ios::trunc) << "source: wire\nid: /id\ntitle: /title\nbody: /brief\n";
  const auto edited = map_run();
  EXPECT_TRUE(edited.Bool("reread"));
  EXPECT_EQ(edited.Uint("read"), lines);
}

TEST(EndToEnd, GzipAndStdinSources) {
  TempDir tmp;
  const std::string gz = tmp.path("eastmoney.jsonl.gz");
  {
    gzFile f = gzopen(gz.c_str(), "wb");
    const std::string data = testing::ReadFile(SourcePath("tests/fixtures/eastmoney-sample.jsonl"));
    ASSERT_EQ(gzwrite(f, data.data(), static_cast<unsigned>(data.size())), static_cast<int>(data.size()));
    gzclose(f);
  }
  auto r = RunShell(RunCmd("file:" + gz, tmp.path("db1")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::JsonObject::LastLine(r.out).Uint("stored"), 120u) << r.out;
  auto r2 = RunShell("cat " + SourcePath("tests/fixtures/ths-sample.jsonl") + " | " + RunCmd("-", tmp.path("db2")));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_EQ(testing::JsonObject::LastLine(r2.out).Uint("stored"), 120u) << r2.out;
}

TEST(EndToEnd, GarbageIsDeadLetteredAndEveryRealItemStored) {
  TempDir tmp;
  const auto real = ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"));
  // Each bad line, with the reason its dead letter must give.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {real[0].substr(0, real[0].size() / 2), "json"},                            // truncated JSON
      {"{\"id\":7,\"ctime\":1,\"content\":\"\xc3\x28 bad\"}", "json"},            // invalid UTF-8
      {"[\"not\",\"an\",\"object\"]", "not a JSON object"},
      {"42", "not a JSON object"},
      {"{\"id\":\"x\",\"ctime\":[1],\"content\":\"c\"}", "field `time`"},          // wrong type
      {"{\"id\":8,\"ctime\":1,\"content\":" + std::string("\"") + std::string(2 << 20, 'x') + "\"}", "oversized"},
      {"", "empty line"},
      {std::string("{\"id\":9,\0\"ctime\":1}", 19), "NUL byte"},
      {std::string("\0\0\0", 3), "NUL byte"},
  };
  std::string input;
  size_t bi = 0;
  for (size_t i = 0; i < real.size(); ++i) {
    input += real[i] + "\n";
    if (i % 13 == 0 && bi < bad.size()) input += bad[bi++].first + "\n";
  }
  while (bi < bad.size()) input += bad[bi++].first + "\n";
  {
    std::ofstream(tmp.path("mixed.jsonl"), std::ios::binary) << input;
  }
  auto r = RunShell(RunCmd(tmp.path("mixed.jsonl"), tmp.path("db"), "--format cls"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::JsonObject::LastLine(r.out).Uint("stored"), 120u) << r.out;
  EXPECT_EQ(testing::JsonObject::LastLine(r.out).Uint("dead_lettered"), bad.size()) << r.out;

  auto store = OpenRead(tmp.path("db"));
  std::vector<storage::DeadLetter> dls;
  ASSERT_TRUE(store->DeadLetters(0, &dls).ok());
  ASSERT_EQ(dls.size(), bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(dls[i].raw, bad[i].first.substr(0, dls[i].raw.size())) << i;
    // Raw bytes as read; of a line over --max-record-bytes (1 MiB) the first 1 MiB.
    EXPECT_EQ(dls[i].raw.size(), std::min(bad[i].first.size(), size_t{1} << 20)) << i;
    EXPECT_NE(dls[i].reason.find(bad[i].second), std::string::npos) << i << ": " << dls[i].reason;
    EXPECT_EQ(dls[i].position.rfind("file:" + tmp.path("mixed.jsonl") + ":", 0), 0u) << dls[i].position;
  }
  storage::Counts c;
  ASSERT_TRUE(store->GetCounts(&c).ok());
  EXPECT_EQ(c.docs, 120u);
  auto dl = RunShell(Newsflow() + " dead-letter --count --db " + tmp.path("db"));
  EXPECT_EQ(std::stoul(dl.out), bad.size());
  auto list = RunShell(Newsflow() + " dead-letter --db " + tmp.path("db"));
  EXPECT_NE(list.out.find("reason: NUL byte"), std::string::npos) << list.out.substr(0, 500);
}

// Standard base64 (RFC 4648, with padding), decoded; "<bad base64>" if it
// is not.
std::string Base64Decode(std::string_view in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (in.size() % 4 != 0) return "<bad base64>";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = in[i + k];
      const size_t d = kAlphabet.find(c);
      if (c == '=' && i + 4 == in.size() && k >= 2) ++pad;
      else if (d == std::string::npos || pad) return "<bad base64>";
      v = (v << 6) | (c == '=' ? 0 : static_cast<uint32_t>(d));
    }
    out.push_back(static_cast<char>(v >> 16));
    if (pad < 2) out.push_back(static_cast<char>(v >> 8));
    if (pad < 1) out.push_back(static_cast<char>(v));
  }
  return out;
}

// An operator gets a dead letter's bytes back exactly: `dead-letter --json`
// carries them in base64 (and as text only when they are valid UTF-8) with
// the offset of the first invalid byte; `dead-letter --raw ID` writes them
// to stdout as they were read, to be fixed and fed again.
TEST(EndToEnd, DeadLettersGiveTheirBytesBackExactly) {
  TempDir tmp;
  const auto real = ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"));
  // A three-byte character of a real line cut to its first two bytes.
  std::string bad_utf8 = real[0];
  const size_t at = std::find_if(bad_utf8.begin(), bad_utf8.end(), [](char c) { return c & 0x80; }) - bad_utf8.begin();
  ASSERT_LT(at, bad_utf8.size());
  ASSERT_EQ(static_cast<unsigned char>(bad_utf8[at]) & 0xF0, 0xE0) << "a three-byte character";
  bad_utf8.erase(at + 2, 1);
  const std::string truncated = real[1].substr(0, 40);  // valid UTF-8, not valid JSON
  std::ofstream(tmp.path("in.jsonl"), std::ios::binary) << real[2] << "\n" << bad_utf8 << "\n" << truncated << "\n";
  const auto run = RunShell(RunCmd(tmp.path("in.jsonl"), tmp.path("db"), "--format cls"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(testing::JsonObject::LastLine(run.out).Uint("dead_lettered"), 2u) << run.out;

  const auto listed = RunShell(Newsflow() + " dead-letter --json --db " + tmp.path("db"));
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto dls = testing::JsonLines(listed.out);
  ASSERT_EQ(dls.size(), 2u) << listed.out;
  const struct {
    std::string raw;
    uint64_t line;
  } want[] = {{bad_utf8, 2}, {truncated, 3}};
  for (size_t i = 0; i < 2; ++i) {
    const auto& d = dls[i];
    ASSERT_TRUE(d.ok()) << listed.out;
    EXPECT_EQ(Base64Decode(d.String("raw_base64")), want[i].raw) << i;
    EXPECT_EQ(d.Uint("size"), want[i].raw.size()) << i;
    EXPECT_EQ(d.String("position"), "file:" + tmp.path("in.jsonl") + ":" + std::to_string(want[i].line));
    EXPECT_NE(d.String("reason").rfind("json: ", 0), std::string::npos) << d.String("reason");
    EXPECT_NE(d.Uint("id"), UINT64_MAX) << i;
    EXPECT_GT(d.Int("time_ms"), 1'700'000'000'000) << i;  // when it was stored
    EXPECT_TRUE(d.Has("time")) << i;
  }
  // Not valid UTF-8: no text, and where the first invalid byte is.
  EXPECT_TRUE(dls[0].IsNull("raw")) << listed.out;
  EXPECT_EQ(dls[0].Uint("invalid_utf8_offset"), at) << listed.out;
  // Valid UTF-8: the text itself.
  EXPECT_EQ(dls[1].String("raw"), truncated);
  EXPECT_TRUE(dls[1].IsNull("invalid_utf8_offset")) << listed.out;
  EXPECT_NE(dls[0].Uint("id"), dls[1].Uint("id"));

  for (size_t i = 0; i < 2; ++i) {
    const auto raw = RunShell(Newsflow() + " dead-letter --db " + tmp.path("db") + " --raw " +
                              std::to_string(dls[i].Uint("id")));
    EXPECT_EQ(raw.exit_code, 0) << raw.err;
    EXPECT_EQ(raw.out, want[i].raw) << i;
  }
  const auto none = RunShell(Newsflow() + " dead-letter --db " + tmp.path("db") + " --raw 999");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.out, "");
}

TEST(EndToEnd, ExitCodesForThingsTheUserMustFix) {
  TempDir tmp;
  auto missing = RunShell(RunCmd("file:/nonexistent/x.jsonl", tmp.path("db")));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/x.jsonl"), std::string::npos) << missing.err;

  std::filesystem::create_directories(tmp.path("badrules"));
  std::ofstream(tmp.path("badrules/x.yaml")) << "version: 1\nrules:\n  - tag: cluster:ai\n    anyy: [AI]\n";
  auto rules = RunShell(Newsflow() + " run -q --source " + SourcePath("tests/fixtures/cls-sample.jsonl") + " --rules " +
                   tmp.path("badrules") + " --db " + tmp.path("db"));
  EXPECT_EQ(rules.exit_code, 1);
  EXPECT_NE(rules.err.find("x.yaml:4: rule 'cluster:ai': unknown key `anyy`"), std::string::npos) << rules.err;

  std::ofstream(tmp.path("notadir")) << "x";
  auto db = RunShell(RunCmd(SourcePath("tests/fixtures/cls-sample.jsonl"), tmp.path("notadir")));
  EXPECT_EQ(db.exit_code, 1);
  EXPECT_NE(db.err.find(tmp.path("notadir")), std::string::npos) << db.err;

  auto q = RunShell(Newsflow() + " query --db " + tmp.path("nodb"));
  EXPECT_EQ(q.exit_code, 1);
  EXPECT_NE(q.err.find(tmp.path("nodb")), std::string::npos) << q.err;
  EXPECT_EQ(RunShell(Newsflow() + " run --bogus").exit_code, 2);
}

TEST(EndToEnd, AlertsFileGetsAlertDocumentsOnly) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path("rules"));
  std::ofstream(tmp.path("rules/a.yaml")) << "version: 1\nrules:\n"
                                             "  - tag: region:shenzhen\n    any: [深圳]\n    alert: true\n    provenance: [{seed: s.txt, clause: c}]\n"
                                             "  - tag: cluster:ai\n    any: [人工智能]\n    provenance: [{seed: s.txt, clause: c}]\n";
  auto r = RunShell(Newsflow() + " run -q --format cls --source " + SourcePath("tests/fixtures/cls-sample.jsonl") +
               " --rules " + tmp.path("rules") + " --db " + tmp.path("db") + " --alerts file:" + tmp.path("alerts.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto alerts = ReadLines(tmp.path("alerts.jsonl"));
  // Expected: exactly the fixture items whose normalized text names 深圳.
  size_t expected = 0;
  Decoder dec(FormatSpec{FormatSpec::Kind::kCls, {}});
  for (const auto& l : ReadLines(SourcePath("tests/fixtures/cls-sample.jsonl"))) {
    Document d;
    ASSERT_TRUE(dec.Decode(l, &d).ok());
    expected += (d.title + d.body).find("深圳") != std::string::npos;
  }
  EXPECT_GT(expected, 0u);
  EXPECT_EQ(alerts.size(), expected);
  for (const auto& a : alerts) EXPECT_EQ(testing::JsonObject::Of(a).Strings("tags").count("region:shenzhen"), 1u) << a;
}

}  // namespace
}  // namespace newsflow::pipeline
