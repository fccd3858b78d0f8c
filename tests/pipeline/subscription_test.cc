// Subscriptions: the YAML file's checks (each error names its line), the
// match semantics (all / any / not / min_score / sources), and the indexed
// matcher against a brute-force reference on random subscriptions.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <random>

#include "pipeline/subscribe/subscription.h"
#include "pipeline/subscribe/subscription_file.h"
#include "pipeline/subscribe/subscription_matcher.h"
#include "subscription_reference.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

const std::set<std::string> kKnown = {"region:shenzhen", "region:guangdong", "cluster:semiconductors",
                                      "cluster:low-altitude", "theme:esg", "cluster:ai"};

Status Parse(const std::string& yaml, std::vector<Subscription>* out) {
  return ParseSubscriptions(yaml, "subs.yaml", kKnown, out);
}

TEST(SubscriptionFile, ParsesTheDocumentedExample) {
  std::vector<Subscription> subs;
  ASSERT_TRUE(Parse("subscriptions:\n"
                    "  - name: sz-chips\n"
                    "    all: [region:shenzhen]\n"
                    "    any: [cluster:semiconductors, cluster:low-altitude]\n"
                    "    not: []\n"
                    "    min_score: 2.0\n"
                    "    sources: [cls, eastmoney, ths]\n",
                    &subs)
                  .ok());
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].name, "sz-chips");
  EXPECT_EQ(subs[0].all, std::vector<std::string>{"region:shenzhen"});
  EXPECT_EQ(subs[0].any.size(), 2u);
  EXPECT_DOUBLE_EQ(subs[0].min_score, 2.0);
  EXPECT_EQ(subs[0].sources.size(), 3u);
}

// A source no feed is called matches nothing: UnknownSources names each one
// with its subscription (the writer logs them, the API refuses them).
TEST(SubscriptionFile, ASourceNoFeedIsCalledIsNamed) {
  std::vector<Subscription> subs;
  ASSERT_TRUE(Parse("subscriptions:\n"
                    "  - {name: ok, any: [cluster:ai], sources: [cls, ths]}\n"
                    "  - {name: typo, any: [cluster:ai], sources: [cls, eastmony]}\n",
                    &subs)
                  .ok());
  const std::vector<std::string> unknown = UnknownSources(subs, {"cls", "eastmoney", "ths"});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_NE(unknown[0].find("'typo'"), std::string::npos) << unknown[0];
  EXPECT_NE(unknown[0].find("'eastmony'"), std::string::npos) << unknown[0];
  EXPECT_TRUE(UnknownSources(subs, {"cls", "eastmony", "ths"}).empty());
}

// A directory or an empty file at --subscriptions was "expected a mapping
// with a subscriptions list", which sends a user looking at YAML.
TEST(SubscriptionFile, ADirectoryOrAnEmptyFileIsSaidSo) {
  testing::TempDir tmp;
  std::vector<Subscription> subs;
  const Status dir = LoadSubscriptions(tmp.path(), {}, &subs);
  EXPECT_FALSE(dir.ok());
  EXPECT_NE(dir.message().find("is a directory"), std::string::npos) << dir.message();
  for (const char* text : {"", "\n  \n", "# no subscriptions yet\n"}) {
    std::ofstream(tmp.path("subs.yaml"), std::ios::trunc) << text;
    const Status empty = LoadSubscriptions(tmp.path("subs.yaml"), {}, &subs);
    EXPECT_FALSE(empty.ok()) << text;
    EXPECT_NE(empty.message().find("empty"), std::string::npos) << empty.message();
  }
  std::ofstream(tmp.path("subs.yaml"), std::ios::trunc) << "subscriptions: []\n";
  EXPECT_TRUE(LoadSubscriptions(tmp.path("subs.yaml"), {}, &subs).ok());
  EXPECT_TRUE(subs.empty());
}

TEST(SubscriptionFile, EachMistakeIsAnErrorNamingItsLine) {
  struct Case {
    std::string yaml;
    int line;
  };
  const std::vector<Case> cases = {
      {"subscriptions:\n  - name: a\n    any: [cluster:semiconductor]\n", 2},   // misspelt tag
      {"subscriptions:\n  - name: a\n    any: [cluster:ai]\n    alll: [x]\n", 4},  // unknown key
      {"subscriptions:\n  - name: a\n    not: [cluster:ai]\n", 2},              // neither all nor any
      {"subscriptions:\n  - name: a\n    any: [cluster:ai]\n  - name: a\n    any: [cluster:ai]\n", 4},  // duplicate
      {"subscriptions:\n  - name: A b\n    any: [cluster:ai]\n", 2},              // bad name
      {"subscriptions:\n  - name: a\n    any: [cluster:ai]\n    min_score: -1\n", 4},
      {"subscriptions:\n  - name: a\n    any: [cluster:ai]\n    min_score: .nan\n", 4},
      {"subscriptions:\n  - name: a\n    any: cluster:ai\n", 3},                // not a list
      {"subscriptions:\n  - name: a\n    any: [cluster:ai]\n    any: [region:shenzhen]\n", 4},  // duplicate key
      {"subscriptions:\n  - name: a\n    any: [cluster:ai\n", 4},               // YAML syntax
      {"subs:\n  - name: a\n", 1},                                              // no subscriptions list
      // A second list under the same key (yaml-cpp would keep one and drop the other).
      {"subscriptions:\n  - {name: a, any: [cluster:ai]}\nsubscriptions:\n  - {name: b, any: [cluster:ai]}\n", 3},
      {"subscriptions:\n  - name: a\n    all: [cluster:ai]\n    not: [cluster:ai]\n", 2},  // could never match
      {"subscriptions:\n  - name: a\n    any: [cluster:ai]\n    not: [cluster:ai]\n", 2},  // the only `any` excluded
      // A second document (yaml-cpp's Load kept the first and dropped it, its tags unchecked).
      {"subscriptions:\n  - {name: a, any: [cluster:ai]}\n---\nsubscriptions:\n  - {name: b, any: [region:gd]}\n", 3},
  };
  for (const Case& c : cases) {
    std::vector<Subscription> subs;
    const Status s = Parse(c.yaml, &subs);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.yaml;
    if (c.line > 1) {
      std::string where = "subs.yaml:";  // built in steps: GCC 12's -Wrestrict misfires on a + chain here
      where += std::to_string(c.line);
      where += ':';
      EXPECT_NE(s.message().find(where), std::string::npos) << c.yaml << " -> " << s.message();
    }
    EXPECT_TRUE(subs.empty());
  }
  std::vector<Subscription> subs;
  // One `any` tag excluded of two still matches documents of the other.
  EXPECT_TRUE(Parse("subscriptions:\n  - name: a\n    any: [cluster:ai, region:shenzhen]\n    not: [cluster:ai]\n", &subs).ok());
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(WhyNeverMatches(subs[0]), "");
  subs.clear();
  EXPECT_TRUE(LoadSubscriptions("/nonexistent/subs.yaml", kKnown, &subs).IsNotFound());
}

std::vector<uint32_t> MatchOf(SubscriptionMatcher& m, const std::vector<DocTag>& tags, std::string_view source) {
  std::vector<uint32_t> out;
  m.Match(tags, source, &out);
  return out;
}

TEST(SubscriptionMatcher, AllAnyNotMinScoreAndSources) {
  std::vector<Subscription> subs;
  ASSERT_TRUE(Parse("subscriptions:\n"
                    "  - {name: sz-chips, all: [region:shenzhen], any: [cluster:semiconductors, cluster:low-altitude], "
                    "min_score: 2.0}\n"
                    "  - {name: chips-no-esg, any: [cluster:semiconductors], not: [theme:esg]}\n"
                    "  - {name: gd-cls, all: [region:guangdong], sources: [cls]}\n",
                    &subs)
                  .ok());
  SubscriptionMatcher m(subs);
  // sz-chips: shenzhen (1.0) + semiconductors (1.5) = 2.5 >= 2.
  EXPECT_EQ(MatchOf(m, {{"region:shenzhen", 1.0}, {"cluster:semiconductors", 1.5}}, "ths"),
            (std::vector<uint32_t>{0, 1}));
  // The score counts only the tags named in all/any: 1.0 + 0.5 < 2.
  EXPECT_EQ(MatchOf(m, {{"region:shenzhen", 1.0}, {"cluster:low-altitude", 0.5}, {"cluster:ai", 9}}, "ths"),
            (std::vector<uint32_t>{}));
  // `all` missing, or no `any` tag: no match.
  EXPECT_EQ(MatchOf(m, {{"cluster:low-altitude", 5}}, "ths"), (std::vector<uint32_t>{}));
  EXPECT_EQ(MatchOf(m, {{"region:shenzhen", 5}}, "ths"), (std::vector<uint32_t>{}));
  // `not` vetoes.
  EXPECT_EQ(MatchOf(m, {{"cluster:semiconductors", 1}, {"theme:esg", 1}}, "cls"), (std::vector<uint32_t>{}));
  // Sources.
  EXPECT_EQ(MatchOf(m, {{"region:guangdong", 1}}, "cls"), (std::vector<uint32_t>{2}));
  EXPECT_EQ(MatchOf(m, {{"region:guangdong", 1}}, "ths"), (std::vector<uint32_t>{}));
  EXPECT_EQ(MatchOf(m, {}, "cls"), (std::vector<uint32_t>{}));
}

TEST(SubscriptionMatcher, EqualsTheReferenceOnRandomSubscriptionsAndDocuments) {
  std::mt19937 rng(3);
  const std::vector<std::string> tags = {"region:shenzhen", "region:guangdong", "cluster:semiconductors",
                                         "cluster:low-altitude", "theme:esg", "cluster:ai"};
  const std::vector<std::string> feeds = {"cls", "eastmoney", "ths"};
  std::vector<Subscription> subs;
  for (int i = 0; i < 300; ++i) {
    Subscription s;
    s.name = std::to_string(i);
    s.name.insert(0, 1, 's');  // not "s" + ...: GCC 12's -Wrestrict misfires on it
    for (const auto& t : tags) {
      const unsigned r = rng() % 8;
      if (r == 0) s.all.push_back(t);
      else if (r == 1) s.any.push_back(t);
      else if (r == 2) s.none.push_back(t);
    }
    if (s.all.empty() && s.any.empty()) s.any.push_back(tags[rng() % tags.size()]);
    s.min_score = (rng() % 4) * 0.75;
    if (rng() % 3 == 0) s.sources = {feeds[rng() % 3]};
    subs.push_back(s);
  }
  SubscriptionMatcher m(subs);
  size_t matched = 0;
  for (int d = 0; d < 3000; ++d) {
    std::vector<DocTag> doc;
    for (const auto& t : tags)
      if (rng() % 3 == 0) doc.push_back({t, 0.5 + (rng() % 5) * 0.5});
    const std::string& feed = feeds[rng() % 3];
    std::vector<uint32_t> want;
    for (uint32_t i = 0; i < subs.size(); ++i)
      if (testing::SubscriptionMatches(subs[i], doc, feed)) want.push_back(i);
    ASSERT_EQ(MatchOf(m, doc, feed), want) << "document " << d;
    matched += want.size();
  }
  EXPECT_GT(matched, 1000u);  // the random cases do match
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// Two processes (two servers on one file), two threads each, add
// subscriptions through the API's file editor at the same time: every
// addition is in the file.
TEST(SubscriptionFile, EditsFromTwoProcessesAreAllKept) {
  testing::TempDir tmp;
  const std::string path = tmp.path("subs.yaml");
  // An operator's mode stays; a temporary a killed editor left goes.
  std::ofstream(path) << "subscriptions: []\n";
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  std::ofstream(tmp.path(".subs.yaml.newsflow-Ab12Cd")) << "half";
  constexpr int kEach = 40;
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Two threads of each process share one editor, as an HTTP server's workers do.
      SubscriptionFile file(path, [] { return std::set<std::string>{}; });
      std::atomic<int> failed{0};
      auto edit = [&](int first) {
        for (int i = first; i < kEach; i += 2) {
          bool created = false;
          const std::string name = "p" + std::to_string(p) + "-" + std::to_string(i);
          if (!file.Put(name, "{\"any\": [\"cluster:ai\"]}", &created).ok() || !created) ++failed;
        }
      };
      std::thread other(edit, 1);
      edit(0);
      other.join();
      _exit(failed == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "a Put failed in process " << pid;
  }
  std::vector<Subscription> subs;
  ASSERT_TRUE(LoadSubscriptions(path, {}, &subs).ok());
  EXPECT_EQ(subs.size(), 2u * kEach);
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path("")))
    EXPECT_EQ(entry.path().filename(), "subs.yaml") << "a temporary file was left behind";
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace newsflow::pipeline

namespace newsflow::pipeline {
namespace {

// A body of two YAML documents is refused, not cut to its first (PUT
// /api/subscriptions/NAME): the second was dropped without a word.
TEST(SubscriptionFile, ABodyOfTwoDocumentsIsRefused) {
  testing::TempDir tmp;
  SubscriptionFile file(tmp.path("subs.yaml"), [] { return std::set<std::string>{"cluster:ai", "region:shenzhen"}; });
  bool created = false;
  const Status s = file.Put("a", "any: [cluster:ai]\n---\nnot: [region:shenzhen]\n", &created);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.message();
  EXPECT_NE(s.message().find("the body:2:"), std::string::npos) << s.message();
  std::vector<Subscription> subs;
  ASSERT_TRUE(file.List(&subs).ok());
  EXPECT_TRUE(subs.empty());
  ASSERT_TRUE(file.Put("a", "any: [cluster:ai]\nnot: [region:shenzhen]\n", &created).ok());
  ASSERT_TRUE(file.List(&subs).ok());
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].none, std::vector<std::string>{"region:shenzhen"});
}

// Every `any` tag excluded, with `all` beside it or with two of them, can
// never match: the edit API refuses it (PUT answered 201 and it never
// alerted); a file holding one still loads (refusing it would stop the
// file's other subscriptions), and WhyNeverMatches names it for the log.
TEST(SubscriptionFile, ASubscriptionThatCanNeverMatchIsRefusedByAnEditAndNamedInAFile) {
  testing::TempDir tmp;
  const std::vector<std::string> bodies = {"all: [region:shenzhen]\nany: [cluster:ai]\nnot: [cluster:ai]\n",
                                           "any: [cluster:ai, region:shenzhen]\nnot: [region:shenzhen, cluster:ai]\n"};
  SubscriptionFile file(tmp.path("subs.yaml"), [] { return std::set<std::string>{"cluster:ai", "region:shenzhen"}; });
  for (const std::string& body : bodies) {
    bool created = false;
    const Status s = file.Put("never", body, &created);
    EXPECT_TRUE(s.IsInvalidArgument()) << body;
    EXPECT_NE(s.message().find("could never match"), std::string::npos) << s.message();
    std::string yaml = "subscriptions:\n  - name: ok\n    any: [cluster:ai]\n  - name: never\n";
    for (size_t at = 0, next; at < body.size(); at = next + 1) {
      next = body.find('\n', at);
      yaml += "    " + body.substr(at, next - at) + "\n";
    }
    std::vector<Subscription> subs;
    ASSERT_TRUE(Parse(yaml, &subs).ok()) << yaml;
    ASSERT_EQ(subs.size(), 2u);
    EXPECT_EQ(WhyNeverMatches(subs[0]), "");
    EXPECT_NE(WhyNeverMatches(subs[1]).find("could never match"), std::string::npos);
  }
  std::vector<Subscription> listed;
  ASSERT_TRUE(file.List(&listed).ok());
  EXPECT_TRUE(listed.empty()) << "a refused edit wrote nothing";
}

// A subscriptions path that is a link (config management keeps /etc/... a
// link to the real file) stays a link: an edit goes to the file it names,
// where a run reading the real path sees it.
TEST(SubscriptionFile, AnEditThroughALinkChangesTheFileItNames) {
  testing::TempDir tmp;
  std::filesystem::create_directories(tmp.path("real"));
  std::filesystem::create_directories(tmp.path("etc"));
  std::ofstream(tmp.path("real/subs.yaml")) << "subscriptions:\n  - {name: sz, any: [region:shenzhen]}\n";
  std::filesystem::create_symlink("../real/subs.yaml", tmp.path("etc/subs.yaml"));
  SubscriptionFile file(tmp.path("etc/subs.yaml"), [] { return std::set<std::string>{"cluster:ai", "region:shenzhen"}; });
  bool created = false;
  ASSERT_TRUE(file.Put("ai", "any: [cluster:ai]\n", &created).ok());
  EXPECT_TRUE(created);
  EXPECT_TRUE(std::filesystem::is_symlink(tmp.path("etc/subs.yaml"))) << "the link was replaced by a file";
  std::vector<Subscription> real;
  ASSERT_TRUE(LoadSubscriptions(tmp.path("real/subs.yaml"), {}, &real).ok());
  ASSERT_EQ(real.size(), 2u);
  EXPECT_EQ(real[1].name, "ai");
  ASSERT_TRUE(file.Delete("sz").ok());
  ASSERT_TRUE(LoadSubscriptions(tmp.path("real/subs.yaml"), {}, &real).ok());
  ASSERT_EQ(real.size(), 1u);
  EXPECT_TRUE(std::filesystem::is_symlink(tmp.path("etc/subs.yaml")));

  // A relative link inside a directory reached through a link (a release
  // layout): its `..` is the real directory's parent, not the link path's
  // (the review's find: the edit went to <base>/shared, and was lost).
  std::filesystem::create_directories(tmp.path("releases/42"));
  std::filesystem::create_directories(tmp.path("releases/shared"));
  std::ofstream(tmp.path("releases/shared/subs.yaml")) << "subscriptions:\n  - {name: sz, any: [region:shenzhen]}\n";
  std::filesystem::create_symlink("../shared/subs.yaml", tmp.path("releases/42/subs.yaml"));
  std::filesystem::create_symlink("releases/42", tmp.path("current"));
  SubscriptionFile deployed(tmp.path("current/subs.yaml"), [] { return std::set<std::string>{"cluster:ai", "region:shenzhen"}; });
  ASSERT_TRUE(deployed.Put("ai", "any: [cluster:ai]\n", &created).ok());
  ASSERT_TRUE(LoadSubscriptions(tmp.path("releases/shared/subs.yaml"), {}, &real).ok());
  EXPECT_EQ(real.size(), 2u) << "the edit went elsewhere";
  EXPECT_FALSE(std::filesystem::exists(tmp.path("shared")));
  std::vector<Subscription> listed;
  ASSERT_TRUE(deployed.List(&listed).ok());
  EXPECT_EQ(listed.size(), 2u);
}

// While another process holds the edit lock, an edit waits for it, but a
// reader of the list (the stream's subscription check, GET) does not wait
// behind that edit.
TEST(SubscriptionFile, AListDoesNotWaitBehindAnEditWaitingForTheLock) {
  testing::TempDir tmp;
  const std::string path = tmp.path("subs.yaml");
  SubscriptionFile file(path, [] { return std::set<std::string>{}; });
  bool created = false;
  ASSERT_TRUE(file.Put("first", "{\"any\": [\"cluster:ai\"]}", &created).ok());
  const int dir = open(tmp.path("").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  ASSERT_EQ(flock(dir, LOCK_EX), 0);  // as another process editing the file
  auto edit = std::async(std::launch::async, [&] {
    bool c = false;
    return file.Put("second", "{\"any\": [\"cluster:ai\"]}", &c).ok();
  });
  EXPECT_EQ(edit.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout) << "the edit took no lock";
  std::vector<Subscription> subs;
  ASSERT_TRUE(file.List(&subs).ok());
  EXPECT_EQ(subs.size(), 1u);
  EXPECT_EQ(edit.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout) << "listed after the edit";
  close(dir);  // releases the lock: the edit goes through
  EXPECT_TRUE(edit.get());
  ASSERT_TRUE(file.List(&subs).ok());
  EXPECT_EQ(subs.size(), 2u);
}

}  // namespace
}  // namespace newsflow::pipeline
