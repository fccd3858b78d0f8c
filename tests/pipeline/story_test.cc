// Same-story clustering on its own: sketches, the pair model and the window
// index, on texts taken from the labelled dev pairs (tests/story/).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include <simdjson.h>

#include "pipeline/normalize/normalizer.h"
#include "pipeline/normalize/normalizer_text.h"
#include "pipeline/story/story_cues.h"
#include "pipeline/story/story_index.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

StorySketch Sketch(std::string_view title, std::string_view body, std::vector<std::string> codes = {}) {
  StorySketch s;
  BuildStorySketch(title, body, &s, codes);
  return s;
}

PairFeatures Features(const StorySketch& a, const StorySketch& b, int64_t minutes_apart = 5) {
  return ComputePairFeatures(StoryDoc{&a, minutes_apart * 60000, "cls"}, StoryDoc{&b, 0, "ths"}, WindowEvidence{});
}

double Feature(const PairFeatures& f, std::string_view name) {
  const auto& names = PairFeatureNames();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return f[i];
  ADD_FAILURE() << "no feature " << name;
  return -1;
}

TEST(StorySketch, StockCodesComeFromTheFeedListAndTheText) {
  // The feed's canonical code and the same code written in the text are one.
  EXPECT_EQ(Sketch("", "中远海发(601866.SH)公告", {"SH601866", ""}).codes, Sketch("", "中远海发公告", {"SH601866"}).codes);
  EXPECT_EQ(Sketch("", "中远海发(601866.sh)").codes, Sketch("", "x", {"SH601866"}).codes) << "any case";
  EXPECT_EQ(Sketch("", "腾讯控股(0700.HK)").codes, Sketch("", "x", {"HK00700"}).codes) << "zero-padded";
  EXPECT_EQ(Sketch("", "sz002552 宝鼎科技").codes, Sketch("", "x", {"SZ002552"}).codes);
  EXPECT_EQ(Sketch("", "英伟达(NVDA.O)盘后").codes, Sketch("", "x", {"US.NVDA"}).codes);
  EXPECT_EQ(Sketch("", "腾讯(0700.HK)、sz002552、英伟达(NVDA.O)").codes.size(), 3u);
  // Not codes: seven digits, a letter after the market, a code inside a word.
  EXPECT_TRUE(Sketch("", "1234567.SH 601866.SHX abcsz002552").codes.empty());
}

TEST(StorySketch, ValuesPutAmountsOfMoneyInOneUnit) {
  const StorySketch yi = Sketch("", "营收1.2亿元");
  const StorySketch wan = Sketch("", "营收12000万");
  ASSERT_EQ(yi.values.size(), 1u);
  ASSERT_EQ(wan.values.size(), 1u);
  EXPECT_EQ(yi.values[0].unit, kStoryMoneyUnit);
  EXPECT_DOUBLE_EQ(yi.values[0].value, 1.2e8);
  EXPECT_EQ(wan.values[0].unit, kStoryMoneyUnit);
  EXPECT_DOUBLE_EQ(wan.values[0].value, 1.2e8);
  const StorySketch shares = Sketch("", "减持500万股");
  ASSERT_EQ(shares.values.size(), 1u);
  EXPECT_NE(shares.values[0].unit, kStoryMoneyUnit) << "万股 counts shares, not money";
  EXPECT_DOUBLE_EQ(shares.values[0].value, 5e6);
  EXPECT_TRUE(Sketch("", "2026年5月29日 10:38").values.empty());
  // 万亿 is 1e12; other currencies and counted things are classes of their own.
  const StorySketch turnover = Sketch("", "成交额3.5万亿元");
  ASSERT_EQ(turnover.values.size(), 1u);
  EXPECT_EQ(turnover.values[0].unit, kStoryMoneyUnit);
  EXPECT_DOUBLE_EQ(turnover.values[0].value, 3.5e12);
  const StorySketch usd = Sketch("", "1690亿美元");
  const StorySketch cny = Sketch("", "1690亿元");
  ASSERT_EQ(usd.values.size(), 1u);
  ASSERT_EQ(cny.values.size(), 1u);
  EXPECT_NE(usd.values[0].unit, cny.values[0].unit) << "美元 is not 元";
  EXPECT_DOUBLE_EQ(usd.values[0].value, 1.69e11);
  const StorySketch people = Sketch("", "3万人");
  ASSERT_EQ(people.values.size(), 1u);
  EXPECT_NE(people.values[0].unit, kStoryMoneyUnit);
}

TEST(StorySketch, HostileNumbersAreBounded) {
  // More than 15 integer digits is no amount: no value (a double would
  // overflow to inf and agree with every amount).
  EXPECT_TRUE(Sketch("", std::string(400, '9') + "元").values.empty());
  // A text of numbers keeps at most 64 values, so comparing two is bounded.
  std::string many;
  for (int i = 0; i < 500; ++i) many += std::to_string(10 + i % 80) + "%，";
  EXPECT_EQ(Sketch(many, many).values.size(), 64u);
  // A CJK character is not a market letter (当 is U+5F53, whose low byte is 'S').
  EXPECT_TRUE(Sketch("", "当先600000 0700.先克").codes.empty());
}

TEST(StorySketch, SpeakerPrefixIsTheHeadlineBeforeItsColon) {
  EXPECT_EQ(Sketch("港股IPO：某公司递表", "").prefix, U"港股IPO");
  EXPECT_EQ(Sketch("", "【最高法：严惩财务造假】正文").prefix, U"最高法");
  EXPECT_EQ(Sketch("据悉，某公司：回购", "").prefix, U"") << "a comma before the colon";
  EXPECT_EQ(Sketch("X：一字", "").prefix, U"") << "one character is no speaker";
  EXPECT_EQ(Sketch("没有冒号的标题", "").prefix, U"");
}

TEST(StoryModel, CodesPrefixesAndApproximateNumbersAreFeatures) {
  const StorySketch a = Sketch("港股IPO：甲公司递表", "拟募资1.2亿元", {"HK01234"});
  const StorySketch b = Sketch("港股IPO：乙公司递表", "拟募资3.5亿元", {"HK05678"});
  const StorySketch c = Sketch("甲公司递表港交所", "拟募资约12000万元", {"HK01234"});
  const PairFeatures ab = Features(a, b);
  EXPECT_EQ(Feature(ab, "ent_conflict"), 1.0) << "two companies";
  EXPECT_EQ(Feature(ab, "ent_match_near"), 0.0);
  EXPECT_EQ(Feature(ab, "prefix_equal"), 1.0) << "one template's prefix";
  EXPECT_EQ(Feature(ab, "num_approx"), 0.0) << "1.2亿 vs 3.5亿";
  const PairFeatures ac = Features(a, c, 30);
  EXPECT_EQ(Feature(ac, "ent_conflict"), 0.0);
  EXPECT_EQ(Feature(ac, "ent_match_near"), 1.0) << "one company within the hour";
  EXPECT_EQ(Feature(Features(a, c, 90), "ent_match_near"), 0.0) << "not within the hour";
  EXPECT_EQ(Feature(ac, "num_approx"), 1.0) << "1.2亿元 = 12000万元";
  EXPECT_EQ(Feature(ac, "prefix_conflict"), 0.0) << "only one has a prefix";
  EXPECT_EQ(Feature(Features(Sketch("最高法：x", ""), Sketch("证监会：y", "")), "prefix_conflict"), 1.0);
  EXPECT_EQ(Feature(Features(Sketch("最高法：x", ""), Sketch("最高法刘贵祥：y", "")), "prefix_conflict"), 0.0);
  EXPECT_EQ(Feature(Features(Sketch("", "恒指涨2.1%"), Sketch("", "恒指涨超2%")), "num_approx"), 1.0);
  EXPECT_EQ(Feature(Features(Sketch("", "恒指涨2.1%"), Sketch("", "恒指涨3.9%")), "num_approx"), 0.0);
  // Each headline found in the other's text: the flash's headline is in the
  // article's text and the article's headline in the flash's: 1.
  const std::string lead = "宁德时代与奔驰签署固态电池合作协议双方将在德国共建研发中心";
  const StorySketch flash = Sketch(lead, "");
  const StorySketch article = Sketch(lead, lead + "，此前公司已与多家车企达成类似合作。");
  ASSERT_GT(flash.title_sampled, 0u);
  EXPECT_DOUBLE_EQ(Feature(Features(flash, article), "head_both_in_text"), 1.0);
  EXPECT_EQ(Feature(Features(flash, Sketch("国常会部署稳就业举措", "会议指出要加大对重点群体就业支持力度")),
                    "head_both_in_text"),
            0.0);
}

TEST(StorySketch, DatelineAndPunctuationDoNotCount) {
  const StorySketch a = Sketch("", "财联社5月21日电，英伟达美股盘后转涨，此前一度跌超3%。");
  const StorySketch b = Sketch("", "财联社 英伟达美股盘后转涨 此前一度跌超3%");
  EXPECT_FALSE(a.grams.empty());
  EXPECT_EQ(a.grams, b.grams);
  EXPECT_EQ(a.numbers, b.numbers) << "the dateline's date is not a number";
  // cls puts the headline in a 【】 prefix of the body.
  EXPECT_EQ(Sketch("", "【英伟达美股盘后转涨】财联社5月21日电，英伟达").title_grams,
            Sketch("英伟达美股盘后转涨", "正文").title_grams);
}

TEST(StorySketch, NumbersKeepUnitsAndSkipDatesAndClockTimes) {
  const StorySketch up = Sketch("", "恒指涨0.24%");
  const StorySketch down = Sketch("", "恒指跌0.82%");
  ASSERT_EQ(up.numbers.size(), 1u);
  ASSERT_EQ(down.numbers.size(), 1u);
  EXPECT_NE(up.numbers, down.numbers);
  EXPECT_EQ(Sketch("", "2026年5月29日 10:38 消息").numbers.size(), 0u);
  EXPECT_EQ(Sketch("", "营收1650亿 净利20亿").numbers.size(), 2u);
  EXPECT_NE(Sketch("", "20亿").numbers, Sketch("", "20万").numbers) << "the unit is part of the number";
}

// The sample is by hash, so two texts sample alike: a flash's sampled
// trigrams are all among those of a longer report that contains its text,
// and the sample is about a quarter of the trigrams. A flash shorter than
// kStoryDenseBelow kept characters keeps every trigram as well.
TEST(StorySketch, SampledTrigramsOfAContainedTextAreASubset) {
  const std::string flash = "宁德时代与奔驰签署固态电池合作协议，双方将在德国共建研发中心并于2027年量产";
  const StorySketch a = Sketch("", flash);
  const StorySketch b = Sketch("宁德时代奔驰合作", "据报道，" + flash + "。此前公司已与多家车企达成类似合作，股价午后拉升超过3%。");
  ASSERT_TRUE(a.dense) << a.length << " kept characters";
  ASSERT_FALSE(b.dense) << b.length << " kept characters";
  EXPECT_EQ(a.grams.size(), a.length - 2) << "a dense sketch keeps every (here distinct) trigram";
  ASSERT_FALSE(a.Sampled().empty());
  EXPECT_TRUE(std::includes(a.grams.begin(), a.grams.end(), a.Sampled().begin(), a.Sampled().end()));
  EXPECT_TRUE(std::includes(b.grams.begin(), b.grams.end(), a.Sampled().begin(), a.Sampled().end()));
  for (uint32_t g : a.Sampled()) EXPECT_EQ(g & kStoryGramSampleMask, 0u);
  for (uint32_t g : b.grams) EXPECT_EQ(g & kStoryGramSampleMask, 0u);
  EXPECT_EQ(&b.Sampled(), &b.grams);
  EXPECT_LT(b.grams.size(), b.length / 2);  // ~a quarter of the length - 2 trigrams
}

// Two renderings of a one-line flash (dev pair dev2-0004, cls and eastmoney
// a minute apart) share every trigram, but the 1-in-4 sample of the
// eastmoney one held two trigrams: too few to find the cls one as a
// candidate. Dense sketches find and join it; the pair features of a dense
// and a sampled sketch are those of their samples.
TEST(StorySketch, ShortFlashesAreComparedOnAllTheirTrigrams) {
  const StorySketch cls = Sketch("", "财联社5月21日电，标普500指数期货跌0.5%，纳指期货跌0.8%。");
  const StorySketch em = Sketch("标普500指数期货跌0.5% 纳指期货跌0.8%", "标普500指数期货跌0.5%，纳指期货跌0.8%。");
  ASSERT_TRUE(cls.dense);
  ASSERT_TRUE(em.dense);
  EXPECT_LT(em.Sampled().size(), 4u) << "the sample alone is a handful";
  EXPECT_GE(em.grams.size(), 15u);
  StoryIndex index(StoryOptions{});
  const int64_t t = 1779315255000;
  EXPECT_EQ(index.Assign("cls:2377318", "cls", t, cls), "cls:2377318");
  EXPECT_EQ(index.Assign("eastmoney:202605213743971627", "eastmoney", t + 62000, em), "cls:2377318");

  const StorySketch article = Sketch("标普500指数期货跌0.5%", std::string(200, 'x') + "标普500指数期货跌0.5%，纳指期货跌0.8%。市场等待英伟达财报。");
  ASSERT_FALSE(article.dense);
  StorySketch sampled_cls = cls;
  sampled_cls.grams = cls.Sampled();
  sampled_cls.dense = false;
  EXPECT_EQ(Features(cls, article), Features(sampled_cls, article)) << "a dense and a sampled sketch: their samples";
}

TEST(StorySketch, InvalidUtf8IsSkipped) {
  const std::string bad = "\xff\xfe\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97\xc3";  // junk, 中文字, truncated
  const StorySketch s = Sketch("", bad);
  EXPECT_EQ(s.length, 3u);
  // The junk bytes leave the sketch of the clean text (its one trigram; a
  // text this short keeps all its trigrams).
  const StorySketch clean = Sketch("", "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97");
  EXPECT_EQ(s.grams, clean.grams);
  EXPECT_LE(s.grams.size(), 1u);
}

// The labelled pairs' texts, normalized as the pipeline does.
struct PairText {
  std::string id, label;
  std::string a_key, a_feed, a_title, a_body, b_key, b_feed, b_title, b_body;
  int64_t a_ms = 0, b_ms = 0;
};

std::vector<PairText> DevPairs() {
  std::vector<PairText> out;
  std::ifstream in(testing::SourcePath("tests/story/pairs_dev.jsonl"));
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element e = parser.parse(line);
    PairText p;
    p.id = std::string(e["pair_id"].get_string().value());
    p.label = std::string(e["label"].get_string().value());
    auto side = [](simdjson::dom::element s, std::string* key, std::string* feed, std::string* title,
                   std::string* body, int64_t* ms) {
      *key = std::string(s["key"].get_string().value());
      *feed = std::string(s["feed"].get_string().value());
      *title = std::string(s["title"].get_string().value());
      *body = std::string(s["body"].get_string().value());
      *ms = s["time"].get_int64().value() * 1000;
    };
    side(e["a"], &p.a_key, &p.a_feed, &p.a_title, &p.a_body, &p.a_ms);
    side(e["b"], &p.b_key, &p.b_feed, &p.b_title, &p.b_body, &p.b_ms);
    out.push_back(std::move(p));
  }
  return out;
}

class StoryIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Normalizer::Create({}, &norm_).ok()); }
  StorySketch Normalized(const std::string& title, const std::string& body) {
    NormalizedText t, b;
    norm_->Normalize(title, &t);
    norm_->Normalize(body, &b);
    return Sketch(t.text, b.text);
  }
  std::unique_ptr<Normalizer> norm_;
};

TEST_F(StoryIndexTest, IdenticalCrossFeedReportsJoinAndTemplatesOfOtherDaysDoNot) {
  const auto pairs = DevPairs();
  ASSERT_EQ(pairs.size(), 680u);
  std::map<std::string, const PairText*> by_id;
  for (const auto& p : pairs) by_id[p.id] = &p;
  // dev-0290: southbound 20亿 on Jun 8 vs Jun 9 (identical text, other day): different.
  // Every xfeed_high pair whose texts are identical after normalization and a minute apart: same.
  for (const char* id : {"dev-0290"}) {
    const PairText& p = *by_id.at(id);
    StoryIndex index(StoryOptions{});
    const std::string s1 = index.Assign(p.a_key, p.a_feed, p.a_ms, Normalized(p.a_title, p.a_body));
    const std::string s2 = index.Assign(p.b_key, p.b_feed, p.b_ms, Normalized(p.b_title, p.b_body));
    EXPECT_EQ(s1, p.a_key);
    EXPECT_EQ(s2, p.b_key) << id << ": " << p.label;
  }
  int checked = 0;
  for (const auto& p : pairs) {
    if (p.label != "same" || p.a_body != p.b_body || std::llabs(p.a_ms - p.b_ms) > 60000) continue;
    StoryIndex index(StoryOptions{});
    index.Assign(p.a_key, p.a_feed, p.a_ms, Normalized(p.a_title, p.a_body));
    EXPECT_EQ(index.Assign(p.b_key, p.b_feed, p.b_ms, Normalized(p.b_title, p.b_body)), p.a_key) << p.id;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// The first-document check is against the story's earliest document in the
// window by (time, key), not the one stored first: two reports of one
// second check a third alike whichever of them arrived first, which is what
// another interleaving of the feeds changes.
TEST_F(StoryIndexTest, RootCheckIsAgainstTheEarliestDocumentWhicheverArrivedFirst) {
  const auto pairs = DevPairs();
  const PairText* same = nullptr;  // two renderings of one text a minute apart
  const PairText* other = nullptr;  // a document of another story
  for (const auto& p : pairs) {
    if (!same && p.label == "same" && p.a_body == p.b_body && std::llabs(p.a_ms - p.b_ms) <= 60000) same = &p;
  }
  ASSERT_NE(same, nullptr);
  for (const auto& p : pairs) {
    if (!other && p.label == "different" && p.a_body != same->a_body && p.b_body != same->a_body) other = &p;
  }
  ASSERT_NE(other, nullptr);
  StoryOptions options;
  options.root_override = 50;  // the check applies to every link
  const int64_t t0 = std::min(same->a_ms, same->b_ms);
  const StorySketch linked = Normalized(same->a_title, same->a_body);
  const StorySketch unrelated = Normalized(other->a_title, other->a_body);
  const StorySketch newcomer = Normalized(same->b_title, same->b_body);
  // `linked` and `unrelated` share a second and (forced, as a restart's Add
  // would) a story; `newcomer` links to `linked` and contradicts `unrelated`.
  // Whether it joins depends on which of the two is the story's earliest by
  // key, never on which was stored first or gave the story its id.
  for (const auto& [unrelated_key, joins] : {std::pair{"a:1", false}, std::pair{"z:1", true}}) {
    for (bool unrelated_first : {false, true}) {
      StoryIndex index(options);
      const std::string story = unrelated_first ? unrelated_key : "m:1";
      if (unrelated_first) index.Add(unrelated_key, "eastmoney", t0, story, unrelated);
      index.Add("m:1", "cls", t0, story, linked);
      if (!unrelated_first) index.Add(unrelated_key, "eastmoney", t0, story, unrelated);
      EXPECT_EQ(index.Assign("n:1", "ths", t0 + 60000, newcomer), joins ? story : "n:1")
          << "unrelated " << unrelated_key << (unrelated_first ? ", stored first" : ", stored second");
    }
  }
}

// Feeding the dev pairs' documents in time order through one index, and
// again through an index rebuilt (Add) from the first run's assignments at a
// cut point, gives the same story ids: what a restart relies on.
TEST_F(StoryIndexTest, RebuiltIndexAssignsWhatTheUninterruptedOneDid) {
  struct Doc {
    int64_t ms;
    std::string key, feed;
    StorySketch sketch;
  };
  std::vector<Doc> docs;
  for (const auto& p : DevPairs()) {
    docs.push_back({p.a_ms, p.a_key, p.a_feed, Normalized(p.a_title, p.a_body)});
    docs.push_back({p.b_ms, p.b_key, p.b_feed, Normalized(p.b_title, p.b_body)});
  }
  std::sort(docs.begin(), docs.end(), [](const Doc& x, const Doc& y) { return std::tie(x.ms, x.key) < std::tie(y.ms, y.key); });
  StoryIndex whole(StoryOptions{});
  std::vector<std::string> want;
  for (const auto& d : docs) want.push_back(whole.Assign(d.key, d.feed, d.ms, d.sketch));
  EXPECT_GT(whole.stats().joined, 50u) << "the pairs hold many same-story documents";

  for (size_t cut : {size_t{1}, docs.size() / 3, docs.size() / 2, docs.size() - 5}) {
    StoryIndex rebuilt(StoryOptions{});
    for (size_t i = 0; i < cut; ++i) rebuilt.Add(docs[i].key, docs[i].feed, docs[i].ms, want[i], docs[i].sketch);
    for (size_t i = cut; i < docs.size(); ++i) {
      ASSERT_EQ(rebuilt.Assign(docs[i].key, docs[i].feed, docs[i].ms, docs[i].sketch), want[i])
          << "cut " << cut << " doc " << docs[i].key;
    }
  }
}

// LogitAbove skips the costly features only when they cannot lift the
// logit over the floor: on every dev pair, at several floors, it returns
// Logit's very value above the floor and a value at or under it otherwise,
// whether the walk's bound on shared trigrams is known (exact) or not.
TEST_F(StoryIndexTest, LogitAboveIsLogitAboveTheFloor) {
  const StoryModel model;
  size_t above = 0, under = 0;
  for (const auto& p : DevPairs()) {
    const StorySketch a = Normalized(p.a_title, p.a_body), b = Normalized(p.b_title, p.b_body);
    const StoryDoc da{&b, p.b_ms, p.b_feed}, db{&a, p.a_ms, p.a_feed};  // the newer one first, as Assign does
    for (const size_t known : {SharedComparedGrams(a, b), SIZE_MAX}) {
      WindowEvidence e;
      e.weighted_coverage = 0.3;
      e.rare_shared = 2;
      e.shared_at_most = known;
      const double z = model.Logit(ComputePairFeatures(da, db, e));
      const bool contradict = CuesContradict(a.cues, b.cues);
      for (const double floor : {-3.0, -0.5, 0.0, 1.0, 5.0}) {
        const double got = model.LogitAbove(da, db, e, floor);
        if (contradict) {
          EXPECT_LT(got, floor) << p.id << ": opposite directions are below any floor";
          ++under;
        } else if (z > floor) {
          EXPECT_EQ(got, z) << p.id << " floor " << floor;  // bit-identical
          ++above;
        } else {
          EXPECT_LE(got, floor) << p.id << " floor " << floor;
          ++under;
        }
      }
    }
  }
  EXPECT_GT(above, 1000u);
  EXPECT_GT(under, 1000u);
}

// HeadlineCues reads a headline once; it must set exactly the bits that a
// search of the headline for each pair's words sets: on the dev pairs'
// headlines and leads, and on the words themselves run together,
// overlapping, cut short or at either end (跌破 holds 跌, 收复 and 收盘
// share 收, 收复牌 holds 收复 and 复牌).
TEST(StoryCues, OnePassGivesWhatASearchPerWordGives) {
  std::vector<std::u32string> texts;
  const auto decode = [](const std::string& s, size_t max_chars) {
    std::u32string out;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end && out.size() < max_chars) {
      uint32_t cp = 0;
      const int n = normalizer_internal::DecodeUtf8(p, end, &cp);
      if (n == 0) {
        ++p;
        continue;
      }
      out.push_back(cp);
      p += n;
    }
    return out;
  };
  for (const PairText& p : DevPairs())
    for (const std::string* t : {&p.a_title, &p.b_title, &p.a_body, &p.b_body}) texts.push_back(decode(*t, 40));
  std::vector<std::u32string_view> words;
  for (const CuePair& pair : CuePairs()) {
    words.insert(words.end(), pair.a.begin(), pair.a.end());
    words.insert(words.end(), pair.b.begin(), pair.b.end());
  }
  for (auto a : words) {
    texts.emplace_back(a);
    texts.emplace_back(a.substr(0, a.size() - 1));
    texts.push_back(U"沪指" + std::u32string(a));
    for (auto b : words) {
      texts.push_back(std::u32string(a) + std::u32string(b));
      // Overlapping: b starts inside a (收复 + 复牌 = 收复牌, 站上 + 上调 = 站上调).
      for (size_t k = 1; k < std::min(a.size(), b.size()); ++k)
        if (a.substr(a.size() - k) == b.substr(0, k)) texts.push_back(std::u32string(a) + std::u32string(b.substr(k)));
    }
  }
  // Words voided by the character before them (提高开放, 降低开支), and not.
  for (const char32_t* t : {U"提高开放", U"最高开出", U"降低开户", U"抬高开支", U"压低开盘", U"沪指高开", U"提高开", U"低开"})
    texts.emplace_back(t);
  // Code points that pass the first-character filter (the same low 12 bits)
  // without starting a word.
  for (auto w : words) texts.push_back({w[0] + 4096, w[0] - 4096, w[0] + 8192});
  const size_t overlapping = std::count_if(texts.begin(), texts.end(), [](const std::u32string& t) {
    return t == U"收复牌" || t == U"站上调";
  });
  EXPECT_EQ(overlapping, 2u);
  size_t with_cues = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<uint32_t> h(texts[i].begin(), texts[i].end());
    const uint32_t want = HeadlineCuesBySearch(h);
    EXPECT_EQ(HeadlineCues(h), want) << "text " << i << " of " << texts.size();
    with_cues += want != 0;
  }
  EXPECT_GT(with_cues, 500u);
  EXPECT_GT(texts.size() - with_cues, 500u);
}

// Two reports of opposite moves are two events, however alike the rest of
// their headlines; a headline naming both directions states none.
TEST_F(StoryIndexTest, HeadlinesOfOppositeDirectionsAreNeverOneStory) {
  const auto cues = [this](const char* title, const char* body) { return Normalized(title, body).cues; };
  EXPECT_TRUE(CuesContradict(cues("欧洲主要股指开盘集体下跌", ""), cues("欧洲主要股指开盘集体上涨", "")));
  EXPECT_TRUE(CuesContradict(cues("", "某公司股东拟增持不超过1%股份"), cues("", "某公司股东拟减持不超过1%股份")))
      << "a flash without a headline: its lead";
  EXPECT_TRUE(CuesContradict(cues("A股三大指数开盘", ""), cues("A股三大指数收盘", "")));
  EXPECT_FALSE(CuesContradict(cues("欧洲股市收盘涨跌不一", ""), cues("欧洲主要股指收盘集体上涨", "")));
  EXPECT_FALSE(CuesContradict(cues("标准普尔500指数期货收复之前跌幅", ""), cues("标普500指数期货上涨0.3%", "")))
      << "a recovery of losses is a rise";
  EXPECT_FALSE(CuesContradict(cues("沪指涨0.5%", ""), cues("沪指涨0.5% 创业板指涨1%", "")));
  EXPECT_FALSE(CuesContradict(cues("央行开展1000亿元逆回购操作", ""), cues("欧洲主要股指开盘集体上涨", "")));

  StoryIndex index{StoryOptions{}};
  const int64_t t = 1'780'000'000'000;
  const std::string up = index.Assign("cls:1", "cls", t, Normalized("欧洲主要股指开盘集体上涨", "【欧洲主要股指开盘集体上涨】德国DAX指数涨0.32%，法国CAC40指数涨0.25%，英国富时100指数涨0.18%。"));
  const std::string same = index.Assign("ths:2", "ths", t + 60'000, Normalized("欧洲主要股指开盘集体上涨", "德国DAX指数涨0.32%，法国CAC40指数涨0.25%，英国富时100指数涨0.18%。"));
  const std::string down = index.Assign("cls:3", "cls", t + 120'000, Normalized("欧洲主要股指开盘集体下跌", "【欧洲主要股指开盘集体下跌】德国DAX指数跌0.32%，法国CAC40指数跌0.25%，英国富时100指数跌0.18%。"));
  EXPECT_EQ(same, up);
  EXPECT_EQ(down, "cls:3");
}

// A flash without a headline is read by its first 40 KEPT characters: the
// empty title's line break, the wire's dateline and punctuation do not use
// them up. cls:2383320 and eastmoney:202605273751507151 (2026-05-27) carry
// the same text; counted in raw code points, the flash's lead ended after
// 下跌 and before 上涨, so it "contradicted" the eastmoney headline.
TEST_F(StoryIndexTest, AFlashWithoutAHeadlineIsReadByItsFirstFortyKeptCharacters) {
  const auto cues = [this](const char* title, const char* body) { return Normalized(title, body).cues; };
  const uint32_t flash = cues("", "财联社5月27日电，随着国际油价下跌，美国联合航空、美国航空、达美航空股价盘前上涨约2%。");
  const uint32_t headline = cues("美国联合航空、美国航空、达美航空股价盘前上涨约2%", "随着国际油价下跌，美国联合航空、美国航空、达美航空股价盘前上涨约2%。");
  EXPECT_FALSE(CuesContradict(flash, headline)) << "the flash names both 跌 and 涨 within its lead";
  // 40 kept characters, and not one more: 财联社 (3), the dateline (dropped),
  // n times 某, then 跌 and 涨 after it.
  const auto lead = [&](int n) {
    std::string body = "财联社5月27日电，";
    for (int i = 0; i < n; ++i) body += "某";
    return cues("", (body + "跌，随后上涨。").c_str());
  };
  const uint32_t rise = cues("某公司股价上涨", "");
  EXPECT_TRUE(CuesContradict(lead(36), rise)) << "跌 is the 40th kept character; 涨 is past the lead";
  EXPECT_FALSE(CuesContradict(lead(37), rise)) << "跌 is the 41st: no direction is read";
}

// 高开 and 低开 are opposite openings: the daily ths template 股指期货早盘开盘
// 主力合约集体高开 / 集体低开, posted at the same second on consecutive days
// (ths:4378531, ths:4383227, 2026-05-19/20), had been one story.
TEST_F(StoryIndexTest, OpeningHigherAndOpeningLowerAreTwoEvents) {
  const auto cues = [this](const char* title) { return Normalized(title, "").cues; };
  EXPECT_TRUE(CuesContradict(cues("股指期货早盘开盘 主力合约集体高开"), cues("股指期货早盘开盘 主力合约集体低开")));
  EXPECT_TRUE(CuesContradict(cues("沪指高开低走"), cues("沪指低开"))) << "opened high, then fell: still a high open";
  EXPECT_FALSE(CuesContradict(cues("沪指高开 深成指低开"), cues("沪指低开"))) << "names both openings: neither";
  // 提高, 最高, 降低, 抬高, 压低 before 开放, 开支, 开户 ...: no opening at all.
  EXPECT_EQ(cues("国务院：提高开放水平 降低开办企业成本"), 0u);
  EXPECT_EQ(cues("监管最高开出千万罚单"), 0u);
  EXPECT_FALSE(CuesContradict(cues("提高开放水平"), cues("降低开办企业成本")));
  EXPECT_NE(cues("A50期货高开"), 0u);
  StoryIndex index{StoryOptions{}};
  const int64_t t = 1'779'152'940'000;  // 2026-05-19 01:29 UTC
  const std::string first = index.Assign("ths:4378531", "ths", t, Normalized("股指期货早盘开盘 主力合约集体高开", "IF2606涨0.28%，IH2606涨0.21%，IC2606涨0.35%。"));
  const std::string next = index.Assign("ths:4383227", "ths", t + 24 * 3600 * 1000LL - 1000, Normalized("股指期货早盘开盘 主力合约集体低开", "IF2606跌0.23%，IH2606跌0.18%，IC2606跌0.31%。"));
  EXPECT_EQ(first, "ths:4378531");
  EXPECT_EQ(next, "ths:4383227");
}

// A late document (a feed's file loaded after another's) finds stored
// documents on both sides of its time. It links as the time-ordered stream
// would have: to one before it when one links, even if one after it links
// more surely (the stream had not seen that one yet); to one after it only
// when none before links.
TEST_F(StoryIndexTest, ALateDocumentLinksBackwardFirstAsTheStreamWould) {
  const int64_t t = 1'779'152'940'000;
  const int64_t minute = 60 * 1000;
  const StorySketch late = Normalized("央行开展1000亿元逆回购操作", "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%。");
  const StorySketch before = Normalized("央行今日开展1000亿元7天期逆回购", "中国人民银行今日以利率招标方式开展了1000亿元7天期逆回购操作，中标利率1.4%。");
  const StorySketch after = late;  // the same text a minute later: the surer link
  // In a window (the stream, or items that arrived out of order) the surest
  // link wins, wherever its time falls: `after` outscores `before`.
  StoryIndex window{StoryOptions{}};
  window.Add("cls:1", "cls", t - 20 * minute, "cls:1", before);
  window.Add("cls:3", "cls", t + minute, "cls:3", after);
  ASSERT_EQ(window.Assign("ths:2", "ths", t, late), "cls:3");
  // A late index holds the stored documents around a past time.
  StoryOptions o;
  o.span_ms = 3 * o.window_ms;
  for (bool with_before : {true, false}) {
    StoryIndex index(o);
    index.RaiseWatermark(t + 2 * o.window_ms);
    if (with_before) index.Add("cls:1", "cls", t - 20 * minute, "cls:1", before);
    index.Add("cls:3", "cls", t + minute, "cls:3", after);
    EXPECT_EQ(index.Assign("ths:2", "ths", t, late), with_before ? "cls:1" : "cls:3");
  }
}

// A daily item (the opening flash, a daily price, a fund's suspension
// notice, a column) is posted at the same hour every day, and its next issue
// is another event however alike the texts: in the three corpora 45 links
// spanned 23-24 hours, against 6-12 in each hour from 18 to 23, and about 40
// of them joined two days' issues (tests/story/README.md, "The same hour of
// another day").
TEST_F(StoryIndexTest, TheSameHourOfAnotherDayIsADailyItemsNextIssue) {
  const int64_t minute = 60 * 1000, hour = 60 * minute;
  EXPECT_TRUE(SameHourOnAnotherDay(0, 24 * hour - minute));
  EXPECT_TRUE(SameHourOnAnotherDay(24 * hour - minute, 0)) << "either order";
  EXPECT_TRUE(SameHourOnAnotherDay(0, 23 * hour));
  EXPECT_TRUE(SameHourOnAnotherDay(0, 24 * hour + 30 * minute)) << "a window longer than a day";
  EXPECT_TRUE(SameHourOnAnotherDay(0, 48 * hour - 10 * minute));
  EXPECT_FALSE(SameHourOnAnotherDay(0, 23 * hour - minute));
  EXPECT_FALSE(SameHourOnAnotherDay(0, 36 * hour));
  EXPECT_FALSE(SameHourOnAnotherDay(0, 30 * minute)) << "the same day";
  // ths and cls post 三大指数集体高开 at 09:25 every trading day
  // (2026-05-21 and 05-22: one story before this rule).
  const StorySketch open = Normalized("A股开盘：三大指数集体高开", "沪指涨0.21%，深成指涨0.35%，创业板指涨0.42%。");
  const int64_t t = 1'779'326'700'000;  // 2026-05-21 01:25 UTC
  StoryIndex index{StoryOptions{}};
  EXPECT_EQ(index.Assign("ths:1", "ths", t, open), "ths:1");
  EXPECT_EQ(index.Assign("cls:1", "cls", t + minute, open), "ths:1") << "the same day's two feeds";
  EXPECT_EQ(index.Assign("ths:2", "ths", t + 24 * hour - 30 * 1000, open), "ths:2") << "the next day's opening";
  EXPECT_EQ(index.Assign("cls:2", "cls", t + 24 * hour + 30 * 1000, open), "ths:2");
  // The rule is the link's, not the root check's: a story whose earliest
  // document is a day back still takes a new report that links to its
  // newest (the review's find: the story stopped growing after 23 hours).
  const StorySketch first = Normalized("台风“海燕”登陆广东湛江 最大风力14级",
                                       "台风海燕今日凌晨在广东湛江沿海登陆，登陆时中心附近最大风力14级，当地已转移群众5万人。");
  const StorySketch second = Normalized("台风海燕登陆广东 湛江转移群众5万人",
                                        "受台风海燕影响，广东湛江已转移群众5万人，登陆时中心附近最大风力14级，多地停课停工。");
  const StorySketch third = Normalized("台风海燕继续影响广东 湛江多地停电",
                                       "台风海燕登陆后继续影响广东湛江，多地停电停水，此前已转移群众5万人，最大风力14级。");
  StoryIndex storm{StoryOptions{}};
  ASSERT_EQ(storm.Assign("a:1", "cls", t, first), "a:1");
  ASSERT_EQ(storm.Assign("b:1", "ths", t + 22 * hour + 50 * minute, second), "a:1");
  EXPECT_EQ(storm.Assign("c:1", "eastmoney", t + 23 * hour + 10 * minute, third), "a:1")
      << "links to b:1, 20 minutes back, though the story's earliest is 23 h 10 back";
}

// A late index ranks and cuts the candidates before the document and those
// after it apart: more candidates after it than max_candidates, each
// sharing more trigrams, must not crowd out the one before it (the
// review's find: 16 copies after it did).
TEST_F(StoryIndexTest, CandidatesAfterALateDocumentDoNotCrowdOutTheOneBeforeIt) {
  const int64_t t = 1'779'152'940'000;
  const int64_t minute = 60 * 1000;
  const StorySketch late = Normalized("央行开展1000亿元逆回购操作", "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%。");
  const StorySketch before = Normalized("央行今日开展1000亿元7天期逆回购", "中国人民银行今日以利率招标方式开展了1000亿元7天期逆回购操作，中标利率1.4%。");
  StoryOptions o;
  o.span_ms = 3 * o.window_ms;
  for (const size_t copies : {size_t{1}, o.max_candidates, o.max_candidates + 4}) {
    StoryIndex index(o);
    index.RaiseWatermark(t + 2 * o.window_ms);
    index.Add("cls:1", "cls", t - 20 * minute, "cls:1", before);
    for (size_t i = 0; i < copies; ++i) {
      const std::string k = "cls:a" + std::to_string(i);
      index.Add(k, "cls", t + minute + static_cast<int64_t>(i) * minute, k, late);
    }
    EXPECT_EQ(index.Assign("ths:2", "ths", t, late), "cls:1") << copies << " copies after it";
  }
}

TEST_F(StoryIndexTest, WindowEvictsOldDocumentsAndMemoryIsBounded) {
  StoryOptions o;
  o.window_ms = 3600 * 1000;
  StoryIndex index(o);
  const StorySketch s = Normalized("央行开展1000亿元逆回购操作", "央行今日开展1000亿元7天期逆回购操作，中标利率1.4%。");
  for (int i = 0; i < 500; ++i) index.Assign("k:" + std::to_string(i), "cls", int64_t{i} * 60 * 1000, s);
  EXPECT_LE(index.size(), 61u) << "only the last hour is kept";
  EXPECT_FALSE(index.InWindow(0));
  EXPECT_EQ(index.Find("k:0"), nullptr);
  ASSERT_NE(index.Find("k:499"), nullptr);
  EXPECT_LT(index.MemoryBytes(), 61u * 4096) << "a few KiB per document in the window";
}

}  // namespace
}  // namespace newsflow::pipeline
