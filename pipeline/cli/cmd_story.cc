// cmd_story.cc — `newsflow story features|eval`: the tools behind the
// same-story model and its measurement on labelled pairs.
//
//   story features --pairs FILE --stream FILE
//                                 one JSON line per labelled pair: pair_id,
//                                 label, the model's features and logit (what
//                                 tests/story/tools/train_model.py fits on).
//                                 The stream (feed lines in time order, e.g.
//                                 tests/story/tools/merge_feeds.py) is run
//                                 through a story window so that each pair is
//                                 featured as the pipeline sees it when its
//                                 newer document arrives.
//   story eval --db DIR --pairs FILE [--pairs FILE ...] [--json]
//                                 precision/recall of the stored story ids on
//                                 the pairs: a pair is predicted "same" iff
//                                 both documents carry the same story id.
//                                 Several files are pooled (pair ids must be
//                                 unique across them).
//
// Pair lines: {"pair_id", "label": "same"|"different", "a": {"key", "feed",
// "time" (unix s), "title", "body"}, "b": {...}} (tests/story/README.md).
#include <fmt/format.h>
#include <simdjson.h>

#include <fstream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "commands.h"
#include "json_lines.h"
#include "newsflow/storage/store.h"
#include "pipeline/normalize/normalizer.h"
#include "pipeline/sink/record_json.h"
#include "pipeline/job/decode_stage.h"
#include "pipeline/story/story_cues.h"
#include "pipeline/story/story_index.h"
#include "pipeline/story/story_model.h"

namespace newsflow::cli {
namespace {

struct PairSide {
  std::string key, feed, title, body;
  int64_t time_ms = 0;
};
struct LabelledPair {
  std::string id;
  bool same = false;
  PairSide a, b;
};

Status ReadSide(simdjson::dom::element e, PairSide* out) {
  std::string_view sv;
  int64_t t = 0;
  if (e["key"].get(sv)) return Status::InvalidArgument("side without key");
  out->key = sv;
  if (e["feed"].get(sv)) return Status::InvalidArgument("side without feed");
  out->feed = sv;
  if (e["time"].get(t)) return Status::InvalidArgument("side without integer time");
  out->time_ms = t * 1000;
  if (!e["title"].get(sv)) out->title = sv;
  if (!e["body"].get(sv)) out->body = sv;
  return Status::OK();
}

Status LoadPairs(const std::string& path, std::vector<LabelledPair>* out) {
  return ForEachJsonLine(path, [out](simdjson::dom::element e) {
    std::string_view sv;
    LabelledPair p;
    if (e["pair_id"].get(sv)) return Status::InvalidArgument("missing pair_id");
    p.id = sv;
    if (e["label"].get(sv) || (sv != "same" && sv != "different")) {
      return Status::InvalidArgument("label must be \"same\" or \"different\"");
    }
    p.same = sv == "same";
    simdjson::dom::element a, b;
    if (e["a"].get(a) || e["b"].get(b)) return Status::InvalidArgument("missing a or b");
    NEWSFLOW_RETURN_IF_ERROR(ReadSide(a, &p.a));
    NEWSFLOW_RETURN_IF_ERROR(ReadSide(b, &p.b));
    out->push_back(std::move(p));
    return Status::OK();
  });
}

// "logit" is the learned model's; "directions_contradict" says the rule
// beside it (story_cues.h) keeps the pair apart whatever the logit.
std::string FeatureLine(const LabelledPair& p, const pipeline::PairFeatures& f, const pipeline::StoryModel& model,
                        bool directions_contradict) {
  std::string out = "{\"pair_id\":";
  pipeline::AppendJsonString(&out, p.id);
  out += fmt::format(",\"label\":\"{}\",\"features\":[", p.same ? "same" : "different");
  for (size_t i = 0; i < f.size(); ++i) out += fmt::format("{}{:.6f}", i ? "," : "", f[i]);
  out += fmt::format("],\"logit\":{:.4f},\"directions_contradict\":{}}}", model.Logit(f), directions_contradict);
  return out;
}

// Runs the stream through a story window; when the newer document of a pair
// arrives and the older one is in the window, prints the pair's features.
Status StreamFeatures(const std::vector<LabelledPair>& pairs, const std::string& stream) {
  std::unordered_map<std::string, std::vector<const LabelledPair*>> by_newer;
  for (const auto& p : pairs) {
    const bool a_newer = std::tie(p.a.time_ms, p.a.key) > std::tie(p.b.time_ms, p.b.key);
    by_newer[a_newer ? p.a.key : p.b.key].push_back(&p);
  }
  std::unique_ptr<pipeline::Normalizer> norm;
  NEWSFLOW_RETURN_IF_ERROR(pipeline::Normalizer::Create({}, &norm));
  pipeline::FormatSpec spec;
  NEWSFLOW_RETURN_IF_ERROR(pipeline::ParseFormatSpec("auto", &spec));
  pipeline::DecodeStage decode(spec, pipeline::DecoderOptions{});
  pipeline::StoryIndex index(pipeline::StoryOptions{});
  const pipeline::StoryModel model;
  std::ifstream in(stream);
  if (!in) return Status::NotFound("cannot read " + stream);
  pipeline::Item it;
  std::unordered_map<std::string, bool> printed;
  while (std::getline(in, it.raw)) {
    it.error.clear();
    decode.Run(it);
    if (!it.error.empty()) continue;
    norm->Normalize(it.doc.title, &it.title_norm);
    norm->Normalize(it.doc.body, &it.body_norm);
    pipeline::BuildStorySketch(it.title_norm.text, it.body_norm.text, &it.sketch, it.doc.stock_codes);
    const pipeline::Document& d = it.doc;
    if (index.Find(d.key)) continue;  // a re-publication of a key: its first occurrence counts
    if (auto found = by_newer.find(d.key); found != by_newer.end()) {
      for (const LabelledPair* p : found->second) {
        const std::string& older = p->a.key == d.key ? p->b.key : p->a.key;
        pipeline::PairFeatures f;
        if (!printed[p->id] && index.FeaturesAgainst(older, d.source, d.time_ms, it.sketch, &f)) {
          const pipeline::StorySketch* other = index.SketchOf(older);
          std::puts(FeatureLine(*p, f, model, other && pipeline::CuesContradict(it.sketch.cues, other->cues)).c_str());
          printed[p->id] = true;
        }
      }
    }
    if (index.InWindow(d.time_ms)) index.Add(d.key, d.source, d.time_ms, d.key, it.sketch);
  }
  for (const auto& p : pairs) {
    if (!printed[p.id]) std::fprintf(stderr, "newsflow story features: pair %s not seen in the stream\n", p.id.c_str());
  }
  return Status::OK();
}

void RegisterFeatures(CLI::App& story, int* exit_code) {
  auto* cmd = story.add_subcommand("features", "Print the same-story model's features for labelled pairs");
  auto pairs = std::make_shared<std::string>();
  auto stream = std::make_shared<std::string>();
  cmd->add_option("--pairs", *pairs, "labelled pairs (JSON Lines)")->required();
  cmd->add_option("--stream", *stream, "feed lines in time order holding the pairs' documents")->required();
  cmd->callback([pairs, stream, exit_code] {
    std::vector<LabelledPair> ps;
    Status s = LoadPairs(*pairs, &ps);
    if (s.ok()) s = StreamFeatures(ps, *stream);
    if (!s.ok()) {
      std::fprintf(stderr, "newsflow story features: %s\n", s.message().c_str());
      *exit_code = 1;  // a missing or damaged input file
    }
  });
}

void RegisterStoryEval(CLI::App& story, int* exit_code) {
  auto* cmd = story.add_subcommand("eval", "Precision/recall of stored story ids on labelled pairs");
  struct Args {
    std::string db;
    std::vector<std::string> pairs;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "RocksDB directory holding the pairs' documents")->required();
  cmd->add_option("--pairs", a->pairs, "labelled pairs (JSON Lines); repeat to pool several files")->required();
  cmd->add_flag("--json", a->json, "one JSON object");
  cmd->callback([a, exit_code] {
    std::vector<LabelledPair> ps;
    std::unique_ptr<storage::Store> store;
    Status s;
    for (const auto& f : a->pairs)
      if (s.ok()) s = LoadPairs(f, &ps);
    if (s.ok()) {
      std::unordered_set<std::string_view> ids;
      for (const auto& p : ps)
        if (!ids.insert(p.id).second) {
          s = Status::InvalidArgument("pair id " + p.id + " appears twice in the pairs files");
          break;
        }
    }
    if (!s.ok()) {  // a pairs file missing or damaged (a bad line, a pair twice): exit 1, as any input
      std::fprintf(stderr, "newsflow story eval: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    storage::StoreOptions so;
    so.path = a->db;
    so.read_only = true;
    so.create_if_missing = false;
    if (s = storage::Store::Open(so, &store); !s.ok()) {
      std::fprintf(stderr, "newsflow story eval: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    uint64_t tp = 0, fp = 0, fn = 0, tn = 0, missing = 0;
    std::string errors;
    for (const auto& p : ps) {
      storage::Record ra, rb;
      bool fa = false, fb = false;
      if (s = store->Get(p.a.key, &ra, &fa); s.ok()) s = store->Get(p.b.key, &rb, &fb);
      if (!s.ok()) {
        std::fprintf(stderr, "newsflow story eval: %s\n", s.message().c_str());
        *exit_code = 1;
        return;
      }
      if (!fa || !fb) {
        ++missing;
        continue;
      }
      const bool same = (ra.story.empty() ? ra.key : ra.story) == (rb.story.empty() ? rb.key : rb.story);
      (same ? (p.same ? tp : fp) : (p.same ? fn : tn))++;
      if (same != p.same) {
        errors += fmt::format("{}{{\"pair_id\":\"{}\",\"label\":\"{}\"}}", errors.empty() ? "" : ",", p.id,
                              p.same ? "same" : "different");
      }
    }
    // A ratio over no pair is undefined, not perfect: null in JSON, n/a in text.
    auto ratio = [](uint64_t num, uint64_t den, int digits, const char* undefined) {
      return den ? fmt::format("{:.{}f}", static_cast<double>(num) / static_cast<double>(den), digits)
                 : std::string(undefined);
    };
    if (a->json) {
      std::printf("{\"pairs\":%zu,\"missing\":%llu,\"tp\":%llu,\"fp\":%llu,\"fn\":%llu,\"tn\":%llu,"
                  "\"precision\":%s,\"recall\":%s,\"errors\":[%s]}\n",
                  ps.size(), static_cast<unsigned long long>(missing), static_cast<unsigned long long>(tp),
                  static_cast<unsigned long long>(fp), static_cast<unsigned long long>(fn),
                  static_cast<unsigned long long>(tn), ratio(tp, tp + fp, 4, "null").c_str(),
                  ratio(tp, tp + fn, 4, "null").c_str(), errors.c_str());
    } else {
      std::printf("pairs %zu (missing %llu)  precision %s  recall %s  (tp %llu fp %llu fn %llu tn %llu)\n",
                  ps.size(), static_cast<unsigned long long>(missing), ratio(tp, tp + fp, 3, "n/a").c_str(),
                  ratio(tp, tp + fn, 3, "n/a").c_str(), static_cast<unsigned long long>(tp),
                  static_cast<unsigned long long>(fp), static_cast<unsigned long long>(fn),
                  static_cast<unsigned long long>(tn));
    }
    if (missing > 0) *exit_code = 1;  // the store does not hold the pairs' documents
    if (ps.empty()) {
      std::fprintf(stderr, "newsflow story eval: the pairs files hold no pair\n");
      *exit_code = 1;
    }
  });
}

}  // namespace

void RegisterStory(CLI::App& app, int* exit_code) {
  auto* story = app.add_subcommand("story", "Same-story clustering tools: model features, evaluation on pairs");
  story->require_subcommand(1);
  RegisterFeatures(*story, exit_code);
  RegisterStoryEval(*story, exit_code);
}

}  // namespace newsflow::cli
