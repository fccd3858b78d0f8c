// cmd_rules.cc — `newsflow rules check|explain|lint|coverage`.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>

#include "commands.h"
#include "gold_set.h"
#include "rule_change.h"
#include "pipeline/decode/field_map.h"
#include "pipeline/job/decode_stage.h"
#include "pipeline/job/prepare_stage.h"
#include "pipeline/job/simplified_spelling.h"
#include "pipeline/sink/record_json.h"
#include "pipeline/source/source.h"
#include "newsflow/rules/lint.h"
#include "headline.h"
#include "tagging.h"

namespace newsflow::cli {
namespace {

std::string Snippet(const std::string& field, const pipeline::ItemSpan& s) {
  if (s.end > field.size() || s.begin > s.end) return "?";
  // 24 bytes either side, each end backed up to a character boundary.
  const size_t a = Utf8Prefix(field, s.begin >= 24 ? s.begin - 24 : 0).size();
  const size_t b = Utf8Prefix(field, std::min(field.size(), size_t{s.end} + 24)).size();
  return field.substr(a, s.begin - a) + "[" + field.substr(s.begin, s.end - s.begin) + "]" +
         field.substr(s.end, b - s.end);
}

void Check(const std::string& dir, int* exit_code) {
  OfflineTagger t;
  if (!t.Open(dir, "newsflow rules check")) {
    *exit_code = 1;
    return;
  }
  std::map<std::string, int> families;
  for (const auto& tag : t.rules().tags()) ++families[tag.substr(0, tag.find(':'))];
  fmt::print("rules ok: {} rules, {} tags, {} patterns, version {}\n", t.rules().rule_set().rules.size(),
             t.rules().tags().size(), t.rules().patterns().size(), t.rules().version());
  for (const auto& [f, n] : families) fmt::print("  {:8} {} tags\n", f, n);
  const auto& r = t.rules();
  if (r.literal_tier_patterns() > 0)
    fmt::print("literal tier: {} literals in an Aho-Corasick automaton of {} bytes, {}{}{}\n", r.literal_tier_patterns(),
               r.literal_tier_bytes(),
               r.tier_cache_state() == rules::CacheState::kHit        ? "loaded from the cache"
               : r.tier_cache_state() == rules::CacheState::kRejected ? "built (the cached one was rejected)"
                                                                      : "built",
               r.tier_cache_detail().empty() ? "" : ": ", r.tier_cache_detail());
  if (r.literal_tier_patterns() < r.patterns().size())
    fmt::print("hyperscan: {} patterns, {} API, database {} bytes, scratch {} bytes\n",
               r.patterns().size() - r.literal_tier_patterns(), r.literal_api() ? "literal" : "regex",
               r.database_bytes(), r.scratch_bytes());
  if (r.literal_tier_patterns() == r.patterns().size()) {
    fmt::print("database cache: not used (no Hyperscan database: the literal tier holds every pattern)\n");
    return;
  }
  const bool written = t.rules().cache_written();
  const char* state = "off";
  switch (t.rules().cache_state()) {
    case rules::CacheState::kOff: break;
    case rules::CacheState::kHit: state = "hit"; break;
    case rules::CacheState::kMiss: state = written ? "miss (compiled, written)" : "miss (compiled, not written)"; break;
    case rules::CacheState::kRejected:
      state = written ? "rejected (compiled, rewritten)" : "rejected (compiled, not rewritten)";
      break;
  }
  fmt::print("database cache: {}{}{}\n", state, t.rules().cache_detail().empty() ? "" : ": ", t.rules().cache_detail());
}

// "FIELD:NAME" -> a feed label (the name may hold ':').
bool ParseLabelArg(const std::string& arg, pipeline::FeedLabel* out) {
  const size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == arg.size()) return false;
  *out = {arg.substr(0, colon), arg.substr(colon + 1)};
  return true;
}

void Explain(const std::string& dir, std::string text, const std::optional<std::string>& title_opt,
             const std::vector<std::string>& label_args, bool json, int* exit_code) {
  std::vector<pipeline::FeedLabel> labels;
  for (const auto& a : label_args) {
    if (!ParseLabelArg(a, &labels.emplace_back())) {
      std::fprintf(stderr, "newsflow rules explain: --label '%s': expected FIELD:NAME, e.g. ths.tagInfo:半导体\n",
                   a.c_str());
      *exit_code = 2;
      return;
    }
  }
  if (text.empty()) text.assign(std::istreambuf_iterator<char>(std::cin), {});
  if (text.find_first_not_of(" \t\r\n") == std::string::npos && (!title_opt || title_opt->empty()) &&
      label_args.empty()) {  // (labels alone are an item to explain)
    // "No rule fires" for nothing at all (an empty file piped in) says nothing.
    std::fprintf(stderr, "newsflow rules explain: no text to explain (give it as an argument, or on stdin)\n");
    *exit_code = 2;
    return;
  }
  OfflineTagger t;
  if (!t.Open(dir, "newsflow rules explain")) {
    *exit_code = 1;
    return;
  }
  // The first line is the title when there are several lines.
  std::string title, body = text;
  if (title_opt) {
    title = *title_opt;  // the text is the body, as it is
  } else if (const size_t nl = text.find('\n'); nl != std::string::npos && nl + 1 < text.size()) {
    title = text.substr(0, nl);
    body = text.substr(nl + 1);
  }
  pipeline::Item it = t.worker->TagText(title, body, labels);
  if (json) {
    // The same object `query --json` prints for a stored document.
    pipeline::RecordJsonOptions with_body;
    with_body.body = true;  // as `query --json`, whose spans' offsets it explains
    std::puts(pipeline::RecordToJson(pipeline::ToRecord(it, t.rules()), with_body).c_str());
    return;
  }
  if (it.tags.empty()) {
    fmt::print("no rule fires\n");
    return;
  }
  for (const auto& tag : it.tags) {
    fmt::print("{}  score {:.2f}{}\n", tag.tag, tag.score, tag.alert ? "  [alert]" : "");
    for (const auto& s : tag.spans) {
      if (s.field == storage::Field::kLabel) {
        const auto& l = it.doc.labels[s.begin];
        const rules::LabelEntry* e = t.rules().FindLabel({l.field, l.name});
        fmt::print("  label {} '{}' weight {:.2f} (table entry at {}:{}): {}\n", l.field, l.name, e ? e->weight : 0.0,
                   e ? e->file : "?", e ? e->line : 0, e ? e->reason : "");
        continue;
      }
      fmt::print("  {} '{}' at {}..{}: {}\n", s.field == storage::Field::kTitle ? "title" : "body ",
                 pipeline::SpanKeyword(s, it, t.rules()),
                 s.begin, s.end, Snippet(s.field == storage::Field::kTitle ? it.doc.title : it.doc.body, s));
    }
    for (const auto& r : t.rules().rule_set().rules)
      if (r.tag == tag.tag) {
        for (const auto& p : r.provenance) fmt::print("  from {} (rule at {}:{}): \"{}\"\n", p.seed, r.file, r.line, p.clause);
        if (r.watch_list) fmt::print("  from watch list {}:{}\n", r.file, r.line);
      }
  }
}

void RunLint(const std::string& dir, const std::string& seeds, const std::string& given_allow, int* exit_code) {
  // The allow file a reload lints with: RULES/../lint-allow.yaml, unless named.
  const std::string allow =
      given_allow.empty() ? (std::filesystem::path(dir) / ".." / "lint-allow.yaml").string() : given_allow;
  // Without its seeds every rule's provenance would be a finding; a named
  // allow file that is missing would explain nothing: both are missing
  // inputs (exit 1), said once.
  if (std::error_code ec; !std::filesystem::is_directory(seeds, ec)) {
    std::fprintf(stderr, "newsflow rules lint: seeds directory '%s' not found (--seeds)\n", seeds.c_str());
    *exit_code = 1;
    return;
  }
  if (std::error_code ec; !std::filesystem::exists(allow, ec)) {
    if (!given_allow.empty()) {
      std::fprintf(stderr, "newsflow rules lint: allow file '%s' not found (--allow)\n", allow.c_str());
      *exit_code = 1;
      return;
    }
    std::fprintf(stderr, "newsflow rules lint: no allow file at '%s': every finding counts as unexplained\n",
                 allow.c_str());
  }
  rules::RuleSet set;
  if (auto s = rules::LoadRuleDir(dir, &set); !s.ok()) {
    std::fprintf(stderr, "newsflow rules lint: %s\n", s.message().c_str());
    *exit_code = 1;
    return;
  }
  // What `rules check` (and a run, a reload) refuses is lint's first
  // finding: a regex that does not compile, or matches the empty text,
  // parses, and lint passed a set that cannot load.
  {
    OfflineTagger compiled;
    if (!compiled.Open(dir, "newsflow rules lint")) {
      *exit_code = 1;
      return;
    }
  }
  // Keywords are compared as documents spell them after the normalizer
  // (晶圓 is 晶圆), as the reload gate compares the compiled set's.
  std::unique_ptr<pipeline::Normalizer> normalizer;
  if (auto s = pipeline::Normalizer::Create({}, &normalizer); !s.ok()) {
    std::fprintf(stderr, "newsflow rules lint: %s\n", s.message().c_str());
    *exit_code = 1;
    return;
  }
  auto findings =
      rules::Lint(set, seeds, [&](const std::string& k) { return pipeline::SimplifiedSpelling(*normalizer, k); },
                  pipeline::BuiltInLabelFields());
  if (auto s = rules::ApplyLintAllowList(allow, &findings); !s.ok()) {
    std::fprintf(stderr, "newsflow rules lint: %s\n", s.message().c_str());
    *exit_code = 1;
    return;
  }
  size_t unexplained = 0;
  std::sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) { return a.check < b.check; });
  for (const auto& f : findings) {
    if (f.explained.empty()) {
      ++unexplained;
      fmt::print("{}: {}\n", f.check, f.message);
    } else {
      fmt::print("{} (explained: {}): {}\n", f.check, f.explained, f.message);
    }
  }
  fmt::print("{} findings, {} unexplained\n", findings.size(), unexplained);
  if (unexplained) *exit_code = 1;
}

void PrintCoverageJson(const rules::CompiledRules& rules, uint64_t docs, uint64_t bad,
                       const std::map<std::string, uint64_t>& tag_docs, const std::vector<uint64_t>& pattern_docs) {
  std::string out = fmt::format("{{\"documents\":{},\"undecodable\":{},\"tags\":{{", docs, bad);
  bool first = true;
  for (const auto& tag : rules.tags()) {
    const auto it = tag_docs.find(tag);
    out += fmt::format("{}\"{}\":{}", first ? "" : ",", tag, it == tag_docs.end() ? 0 : it->second);
    first = false;
  }
  out += "},\"keywords\":{";
  for (uint32_t p = 0; p < pattern_docs.size(); ++p) {
    if (p) out += ',';
    pipeline::AppendJsonString(&out, rules.patterns()[p].text);
    out += fmt::format(":{}", pattern_docs[p]);
  }
  out += "}}\n";
  std::fputs(out.c_str(), stdout);
}

struct CoverageArgs {
  std::string source, format = "auto", baseline;
  pipeline::FormatSpec spec;  // --format, parsed by the command's callback
  std::vector<std::string> gold;
  size_t top = 20;
  bool json = false;
};

// Calls fn(item tagged by `t`, the gold labels or null) for every document of
// --source or --gold; an undecodable line comes with the item's error set.
// Returns false (and sets exit_code) when the input cannot be read.
template <typename Fn>
bool ForEachDocument(OfflineTagger& t, const CoverageArgs& a, int* exit_code, Fn&& fn) {
  if (!a.gold.empty()) {
    std::vector<GoldItem> gold;
    if (Status st = LoadGoldFiles(a.gold, &gold); !st.ok()) {
      std::fprintf(stderr, "newsflow rules coverage: %s\n", st.message().c_str());
      *exit_code = 1;
      return false;
    }
    for (const auto& g : gold) {
      pipeline::Item it = t.worker->TagText(g.title, g.body, g.feed_labels);
      it.doc.key = g.key;  // named among a keyword's examples
      fn(it, &g.labels);
    }
    return true;
  }
  std::unique_ptr<pipeline::Source> src;
  Status st =
      pipeline::OpenLineSource(a.source.rfind("file:", 0) == 0 ? a.source.substr(5) : a.source, {}, &src);
  if (!st.ok()) {  // as `run`: an input that cannot be read is exit 1
    std::fprintf(stderr, "newsflow rules coverage: %s\n", st.message().c_str());
    *exit_code = 1;
    return false;
  }
  pipeline::DecodeStage decode(a.spec, {});
  for (pipeline::Batch b; src->Next(&b);) {
    for (auto& it : b.items) {
      decode.Run(it);
      t.worker->Tag(it);
      fn(it, static_cast<const std::set<std::string>*>(nullptr));
    }
  }
  // A damaged file (a truncated gzip member, bytes after the last one) ends
  // the reading early: figures over part of it are not figures over it.
  if (Status read = src->status(); !read.ok()) {
    std::fprintf(stderr, "newsflow rules coverage: %s\n", read.message().c_str());
    *exit_code = 1;
    return false;
  }
  return true;
}

// --baseline: what the rules add and remove against another rule set.
void CoverageAgainstBaseline(const std::string& dir, const CoverageArgs& a, int* exit_code) {
  OfflineTagger t, base;
  if (!t.Open(dir, "newsflow rules coverage") || !base.Open(a.baseline, "newsflow rules coverage (baseline)")) {
    *exit_code = 1;
    return;
  }
  RuleChange change(base.rules().rule_set());
  const bool read = ForEachDocument(t, a, exit_code, [&](pipeline::Item& it, const std::set<std::string>* gold) {
    if (!it.error.empty()) {
      ++change.undecodable;
      return;
    }
    // The baseline tags the same title, body and labels the rules just tagged.
    const pipeline::Item before = base.worker->TagText(it.doc.title, it.doc.body, it.doc.labels);
    change.Add(it, t.rules(), before, gold);
  });
  if (read) change.Print(t.tagger->version(), base.tagger->version(), a.json);
}

void Coverage(const std::string& dir, const CoverageArgs& a, int* exit_code) {
  if (!a.baseline.empty()) return CoverageAgainstBaseline(dir, a, exit_code);
  OfflineTagger t;
  if (!t.Open(dir, "newsflow rules coverage")) {
    *exit_code = 1;
    return;
  }
  std::vector<uint64_t> pattern_docs(t.rules().patterns().size());
  std::map<std::string, uint64_t> tag_docs;
  uint64_t docs = 0, bad = 0;
  const bool read = ForEachDocument(t, a, exit_code, [&](pipeline::Item& it, const std::set<std::string>*) {
    if (!it.error.empty()) {
      ++bad;
      return;
    }
    ++docs;
    // The same scan gives the keywords that occur at all (including vetoed
    // and sub-threshold ones) and the tags that apply.
    for (uint32_t p : t.worker->last_matches().touched) ++pattern_docs[p];
    for (const auto& tag : it.tags) ++tag_docs[tag.tag];
  });
  if (!read) return;
  const bool json = a.json;
  const size_t top = a.top;
  if (json) return PrintCoverageJson(t.rules(), docs, bad, tag_docs, pattern_docs);
  fmt::print("{} documents ({} undecodable)\n\nper-tag hit rate:\n", docs, bad);
  for (const auto& tag : t.rules().tags()) {
    const uint64_t n = tag_docs.count(tag) ? tag_docs[tag] : 0;
    fmt::print("  {:45} {:7}  {:6.2f}%\n", tag, n, docs ? 100.0 * static_cast<double>(n) / static_cast<double>(docs) : 0);
  }
  std::vector<std::pair<uint64_t, uint32_t>> by_hits;
  std::vector<std::string> never;
  for (uint32_t p = 0; p < pattern_docs.size(); ++p) {
    by_hits.emplace_back(pattern_docs[p], p);
    if (pattern_docs[p] == 0) never.push_back(t.rules().patterns()[p].text);
  }
  std::sort(by_hits.rbegin(), by_hits.rend());
  fmt::print("\nmost frequent keywords:\n");
  for (size_t i = 0; i < std::min(top, by_hits.size()); ++i)
    fmt::print("  {:20} {}\n", t.rules().patterns()[by_hits[i].second].text, by_hits[i].first);
  fmt::print("\nkeywords that never match ({} of {}):\n", never.size(), pattern_docs.size());
  for (const auto& k : never) fmt::print("  {}\n", k);
}

}  // namespace

void RegisterRules(CLI::App& app, int* exit_code) {
  auto* rules = app.add_subcommand("rules", "Check, explain, lint and measure the rule set");
  rules->require_subcommand(1);
  auto dir = std::make_shared<std::string>("rules/sets");
  {
    auto* cmd = rules->add_subcommand("check", "Load and compile the rules, print statistics");
    cmd->add_option("--rules", *dir, "rules directory")->default_str("rules/sets");
    cmd->callback([dir, exit_code] { Check(*dir, exit_code); });
  }
  {
    auto* cmd = rules->add_subcommand("explain", "Show which rules fire on a text, with spans and provenance");
    auto text = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto title = std::make_shared<std::optional<std::string>>();
    cmd->add_option("--rules", *dir, "rules directory")->default_str("rules/sets");
    cmd->add_option("text", *text, "text to tag (default: stdin; its first line is the title when more lines follow)");
    cmd->add_option("--title", *title, "the title; the text (or stdin) is then the body, newlines and all");
    auto labels = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--label", *labels,
                    "a feed label of the item, FIELD:NAME (e.g. ths.tagInfo:半导体); repeatable; evidence through the "
                    "rule set's label table")
        ->allow_extra_args(false);  // one value each: the text after it is the text, not a second label
    cmd->add_flag("--json", *json, "print the tags, scores and spans as the object `query --json` prints");
    cmd->callback([dir, text, title, labels, json, exit_code] {
      Explain(*dir, *text, *title, *labels, *json, exit_code);
    });
  }
  {
    auto* cmd = rules->add_subcommand("lint", "Report duplicate, shadowed and unbounded keywords, missing provenance");
    auto seeds = std::make_shared<std::string>("seeds");
    auto allow = std::make_shared<std::string>();
    cmd->add_option("--rules", *dir, "rules directory")->default_str("rules/sets");
    cmd->add_option("--seeds", *seeds, "seed documents directory")->default_str("seeds");
    cmd->add_option("--allow", *allow, "explained findings (default: RULES/../lint-allow.yaml, as a reload reads)");
    cmd->callback([dir, seeds, allow, exit_code] { RunLint(*dir, *seeds, *allow, exit_code); });
  }
  {
    auto* cmd = rules->add_subcommand("coverage", "Per-tag hit rates and never-matching keywords on a corpus");
    auto a = std::make_shared<CoverageArgs>();
    cmd->add_option("--rules", *dir, "rules directory")->default_str("rules/sets");
    auto* source = cmd->add_option("--source", a->source, "file:PATH or PATH (JSON Lines, plain or .gz), - for stdin");
    auto* gold = cmd->add_option("--gold", a->gold,
                                 "hand-labelled items (tests/eval/gold_*.jsonl), instead of --source; with "
                                 "--baseline, added and removed tags are also counted right or wrong");
    source->excludes(gold);
    cmd->add_option("--format", a->format, "cls | eastmoney | ths | auto | map:FILE")->default_str("auto");
    cmd->add_option("--top", a->top, "how many frequent keywords to list")->default_str("20")
      ->check(UnsignedNumber());
    auto* baseline = cmd->add_option("--baseline", a->baseline,
                    "another rules directory: report the tags the rules add and remove against it, and the "
                    "keywords that add each tag (what a rule change, e.g. the mined vocabulary, brings)");
    cmd->add_flag("--json", a->json,
                  "one JSON object: documents, undecodable, tags {tag: docs}, keywords {kw: docs} (with "
                  "--baseline: tags {tag: {added, removed}}, keywords [{tag, keyword, documents}])");
    cmd->callback([dir, a, baseline, exit_code] {
      if (a->source.empty() == a->gold.empty()) {
        std::fprintf(stderr, "newsflow rules coverage: give --source or --gold\n");
        *exit_code = 2;
        return;
      }
      if (baseline->count() && a->baseline.empty()) {
        std::fprintf(stderr, "newsflow rules coverage: --baseline needs a rules directory\n");
        *exit_code = 2;
        return;
      }
      // A usage error, before any rules load (and for --gold too).
      if (Status st = pipeline::ParseFormatSpec(a->format, &a->spec); !st.ok()) {
        std::fprintf(stderr, "newsflow rules coverage: %s\n", st.message().c_str());
        *exit_code = 2;
        return;
      }
      Coverage(*dir, *a, exit_code);
    });
  }
}

}  // namespace newsflow::cli
