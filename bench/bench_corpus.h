// bench_corpus.h — the real corpora, loaded once per benchmark process.
//
// Every benchmark reads the same inputs the same way: the gzip'd JSON Lines
// of the shared corpora (zlib), decoded and normalized by the pipeline's own
// stage classes (DecodeStage, NormalizeStage), as a pipeline worker does. Directory:
// $NEWSFLOW_CORPUS_DIR, default NEWSFLOW_SOURCE_DIR "/../shared/corpus". A
// missing corpus is not fatal: Corpus::error says why, and a benchmark calls
// state.SkipWithError(error) so the other benchmarks still run.
//
// Corpora (name -> file, format):
//   cls        cls-shared.jsonl.gz        30,201 wire items, ~500 B
//   eastmoney  eastmoney-shared.jsonl.gz  29,219 items
//   ths        ths-shared.jsonl.gz        18,904 items
//   fincuge    fincuge-2021-2022.jsonl.gz  6,000 short articles
//   long       the cls items whose normalized text is >= 2,000 bytes (the
//              long articles of the wire: 271 items, up to ~11 KB)
//
// For each item two texts are kept:
//   match_text  normalized title '\n' normalized body, with the title length:
//               exactly what MatchStage scans;
//   engine_text normalized title '\t' normalized body: the same bytes with a
//               tab for the newline, so that it fits on one line of a peers'
//               docs file. Every engine of the comparison (C++ and peers)
//               scans these very bytes. The C++ engines scan them from one
//               contiguous arena (engine_views), laid out like the peers' docs
//               file in memory, so that no engine pays for heap scatter. Neither byte occurs in normalized
//               text or in a keyword, so both give the same matches.
//
// Also here: the synthetic keyword sets of the sweeps (corpus n-grams), drawn
// deterministically so that the C++ engines and the peers get the same sets.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engines/engine.h"
#include "newsflow/base/status.h"
#include "newsflow/rules/compiled_rules.h"
#include "newsflow/rules/rule_set.h"
#include "pipeline/decode/decoder.h"
#include "pipeline/job/batch.h"
#include "pipeline/job/decode_stage.h"
#include "pipeline/job/normalize_stage.h"
#include "pipeline/job/tagger.h"
#include "pipeline/normalize/normalizer.h"

#ifndef NEWSFLOW_SOURCE_DIR
#error "NEWSFLOW_SOURCE_DIR must be defined (the repository root)"
#endif

namespace newsflow::bench {

// NEWSFLOW_BENCH_QUICK=1 (set by bench/run.sh --quick): smaller sweeps.
inline bool Quick() {
  const char* q = std::getenv("NEWSFLOW_BENCH_QUICK");
  return q != nullptr && *q != '\0' && *q != '0';
}

inline std::string CorpusDir() {
  if (const char* env = std::getenv("NEWSFLOW_CORPUS_DIR"); env != nullptr && *env != '\0') return env;
  return std::string(NEWSFLOW_SOURCE_DIR) + "/../shared/corpus";
}

// The project's rule set; NEWSFLOW_RULES_DIR overrides (e.g. to benchmark a candidate set).
inline std::string RulesDir() {
  if (const char* env = std::getenv("NEWSFLOW_RULES_DIR"); env != nullptr && *env != '\0') return env;
  return std::string(NEWSFLOW_SOURCE_DIR) + "/rules/sets";
}

// Reads a whole file, gzip or plain (zlib reads both). "" or the problem.
inline std::string ReadMaybeGz(const std::string& path, std::string* out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return "corpus not found: " + path + " (set NEWSFLOW_CORPUS_DIR)";
  gzbuffer(f, 1u << 18);
  out->clear();
  std::string buf(1u << 20, '\0');
  int n;
  while ((n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()))) > 0) out->append(buf.data(), static_cast<size_t>(n));
  const bool failed = n < 0;
  gzclose(f);
  return failed ? "read error: " + path : "";
}

struct Corpus {
  std::string name, path, error;
  std::vector<std::string> lines;              // raw JSON lines, non-empty
  std::vector<pipeline::Document> docs;        // decoded items (failures dropped)
  std::vector<pipeline::NormalizedText> title_norm, body_norm;
  std::vector<std::string> match_texts;        // title '\n' body
  std::vector<uint32_t> title_lens;
  std::vector<std::string> engine_texts;       // title '\t' body
  std::string engine_arena;                    // engine_texts back to back, newline-separated
  std::vector<std::string_view> engine_views;  // views into engine_arena (one per item)
  size_t raw_bytes = 0;                        // JSON bytes of `lines`, newlines excluded
  size_t text_bytes = 0;                       // bytes of engine_texts (= of match_texts)
  size_t decode_errors = 0;
};

// The normalizer the corpora are normalized with: default options, the ones
// the runner's Tagger uses. nullptr (and *error set) if it cannot be created.
inline const pipeline::Normalizer* SharedNormalizer(std::string* error) {
  static std::string err;
  static const std::unique_ptr<pipeline::Normalizer> n = [] {
    std::unique_ptr<pipeline::Normalizer> out;
    if (Status s = pipeline::Normalizer::Create(pipeline::NormalizerOptions{}, &out); !s.ok()) {
      err = "normalizer: " + s.message();
      out.reset();
    }
    return out;
  }();
  if (!n) *error = err;
  return n.get();
}

inline pipeline::FormatSpec FormatOf(const std::string& name) {
  pipeline::FormatSpec spec;
  if (name == "cls") spec.kind = pipeline::FormatSpec::Kind::kCls;
  else if (name == "eastmoney") spec.kind = pipeline::FormatSpec::Kind::kEastmoney;
  else if (name == "ths") spec.kind = pipeline::FormatSpec::Kind::kThs;
  else if (name == "fincuge") {
    spec.kind = pipeline::FormatSpec::Kind::kMap;
    spec.map.source = "fincuge";
    spec.map.id = "/id";
    spec.map.title = "/title";
    spec.map.body = "/content";
  }
  return spec;
}

inline void MakeViews(Corpus* c) {
  c->engine_arena.clear();
  size_t total = 0;
  for (const auto& t : c->engine_texts) total += t.size() + 1;
  c->engine_arena.reserve(total);
  std::vector<size_t> starts;
  for (const auto& t : c->engine_texts) {
    starts.push_back(c->engine_arena.size());
    c->engine_arena += t;
    c->engine_arena.push_back('\n');
  }
  c->engine_views.clear();
  for (size_t i = 0; i < starts.size(); ++i)
    c->engine_views.emplace_back(c->engine_arena.data() + starts[i], c->engine_texts[i].size());
}

// Adds one decoded and normalized item (title and body normalized into t, b).
inline void AddItem(Corpus* c, pipeline::Document doc, pipeline::NormalizedText t, pipeline::NormalizedText b) {
  std::string m = t.text;
  m.push_back('\n');
  m += b.text;
  std::string e = m;
  e[t.text.size()] = '\t';
  std::replace(e.begin(), e.end(), '\n', ' ');  // never happens after normalization; keeps the docs file valid
  c->title_lens.push_back(static_cast<uint32_t>(t.text.size()));
  c->text_bytes += e.size();
  c->match_texts.push_back(std::move(m));
  c->engine_texts.push_back(std::move(e));
  c->title_norm.push_back(std::move(t));
  c->body_norm.push_back(std::move(b));
  c->docs.push_back(std::move(doc));
}

// Reads one JSON Lines file (plain or gz) and runs every line through the
// pipeline's decode and normalize stages.
inline Corpus LoadCorpusFile(const std::string& name, const std::string& path, const pipeline::FormatSpec& spec) {
  Corpus c;
  c.name = name;
  c.path = path;
  std::string data;
  if (std::string e = ReadMaybeGz(path, &data); !e.empty()) {
    c.error = e;
    return c;
  }
  const pipeline::Normalizer* nz = SharedNormalizer(&c.error);
  if (nz == nullptr) return c;
  pipeline::DecodeStage decode(spec, pipeline::DecoderOptions{});
  pipeline::NormalizeStage normalize(*nz);
  for (size_t pos = 0; pos < data.size();) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) nl = data.size();
    std::string_view line(data.data() + pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    c.lines.emplace_back(line);
    c.raw_bytes += line.size();
    pipeline::Item it;
    it.raw.assign(line);
    decode.Run(it);
    if (!it.error.empty()) {
      ++c.decode_errors;
      continue;
    }
    normalize.Run(it);
    AddItem(&c, std::move(it.doc), std::move(it.title_norm), std::move(it.body_norm));
  }
  if (c.docs.empty()) c.error = "no items decoded from " + path;
  MakeViews(&c);
  return c;
}

inline const std::vector<std::string>& CorpusNames() {
  static const std::vector<std::string> names = {"cls", "eastmoney", "ths", "fincuge", "long"};
  return names;
}

inline std::string CorpusFile(const std::string& name) {
  if (name == "fincuge") return "fincuge-2021-2022.jsonl.gz";
  return name + "-shared.jsonl.gz";
}

inline constexpr size_t kLongArticleBytes = 2000;

// Loaded once per process, on first use; thread-safe.
inline const Corpus& GetCorpus(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Corpus>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[name];
  if (slot) return *slot;
  slot = std::make_unique<Corpus>();
  if (name == "long") {
    Corpus src = LoadCorpusFile("cls", CorpusDir() + "/" + CorpusFile("cls"), FormatOf("cls"));
    Corpus& c = *slot;
    c.name = "long";
    c.path = src.path + " (items >= 2000 B normalized)";
    c.error = src.error;
    for (size_t i = 0; i < src.docs.size(); ++i) {
      if (src.engine_texts[i].size() < kLongArticleBytes) continue;
      c.lines.push_back(src.lines.size() == src.docs.size() ? src.lines[i] : std::string());
      c.raw_bytes += c.lines.back().size();
      AddItem(&c, std::move(src.docs[i]), std::move(src.title_norm[i]), std::move(src.body_norm[i]));
    }
    if (c.error.empty() && c.docs.empty()) c.error = "no long items";
    MakeViews(&c);
  } else {
    *slot = LoadCorpusFile(name, CorpusDir() + "/" + CorpusFile(name), FormatOf(name));
  }
  return *slot;
}

// ---- rules -------------------------------------------------------------------

// The project's rule set, loaded once, and the runner's tagging set-up over
// it (pipeline::Tagger: the compiled rules and the normalizer, default
// options). `compiled` is the Tagger's database, not a second compile.
struct ProjectRules {
  rules::RuleSet set;
  std::shared_ptr<const pipeline::Tagger> tagger;
  std::shared_ptr<const rules::CompiledRules> compiled;  // tagger->compiled()
  std::string error;
};

inline const ProjectRules& GetProjectRules() {
  static const ProjectRules r = [] {
    ProjectRules p;
    if (Status s = rules::LoadRuleDir(RulesDir(), &p.set); !s.ok()) {
      p.error = "rules: " + s.message();
      return p;
    }
    pipeline::TaggerOptions o;
    o.rules_dir = RulesDir();
    if (Status s = pipeline::Tagger::FromRuleSet(p.set, o, &p.tagger); !s.ok()) {
      p.error = s.message();  // "rules: ..." (compile) or the normalizer's error
      p.tagger.reset();
      return p;
    }
    p.compiled = p.tagger->compiled();
    return p;
  }();
  return r;
}

// ---- synthetic keyword sets ----------------------------------------------------

// SplitMix64: a fixed, portable generator (std:: distributions are not).
struct SplitMix {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  template <typename T>
  void Shuffle(std::vector<T>* v) {
    for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[Next() % i]);
  }
};

// Distinct n-grams of the first `docs` cls items with their counts:
// CJK runs of 2..4 ideographs (U+4E00..U+9FFF) and ASCII words of 2..12
// [A-Za-z0-9] (lower-cased; whole words only).
struct NgramTable {
  std::vector<std::pair<std::string, uint32_t>> cjk, ascii;  // sorted by text
  std::string error;
};

inline const NgramTable& CorpusNgrams() {
  static const NgramTable t = [] {
    NgramTable out;
    const Corpus& c = GetCorpus("cls");
    if (!c.error.empty()) {
      out.error = c.error;
      return out;
    }
    std::unordered_map<std::string_view, uint32_t> cjk;
    std::unordered_map<std::string, uint32_t> ascii;
    const size_t n_docs = std::min<size_t>(c.engine_texts.size(), 8000);
    auto is_cjk = [](std::string_view s, size_t i) {
      if (i + 3 > s.size()) return false;
      const auto b0 = static_cast<unsigned char>(s[i]);
      return b0 >= 0xE4 && b0 <= 0xE9;  // U+4000..U+9FFF lead bytes (ideographs and a little more)
    };
    for (size_t d = 0; d < n_docs; ++d) {
      std::string_view s = c.engine_texts[d];
      for (size_t i = 0; i < s.size();) {
        if (is_cjk(s, i)) {
          size_t j = i;
          for (int k = 1; k <= 4 && is_cjk(s, j); ++k) {
            j += 3;
            if (k >= 2) ++cjk[s.substr(i, j - i)];
          }
          i += 3;
        } else if (IsWordByte(static_cast<unsigned char>(s[i]))) {
          size_t j = i;
          while (j < s.size() && IsWordByte(static_cast<unsigned char>(s[j]))) ++j;
          if (j - i >= 2 && j - i <= 12) {
            std::string w(s.substr(i, j - i));
            for (char& ch : w) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
            ++ascii[w];
          }
          i = j;
        } else {
          ++i;
        }
      }
    }
    for (auto& [k, v] : cjk) out.cjk.emplace_back(std::string(k), v);
    for (auto& [k, v] : ascii) out.ascii.emplace_back(k, v);
    std::sort(out.cjk.begin(), out.cjk.end());
    std::sort(out.ascii.begin(), out.ascii.end());
    return out;
  }();
  return t;
}

// `n` literals from corpus n-grams seen at least twice, 90% CJK (no flags)
// and 10% ASCII words (caseless, bounded, as the project's ASCII keywords).
// Nested: NgramPatterns(1000) is a prefix-set of NgramPatterns(10000).
inline std::vector<PatternSpec> NgramPatterns(size_t n, std::string* error) {
  const NgramTable& t = CorpusNgrams();
  if (!t.error.empty()) {
    *error = t.error;
    return {};
  }
  std::vector<std::string> cjk, ascii;
  for (const auto& [k, v] : t.cjk)
    if (v >= 2) cjk.push_back(k);
  for (const auto& [k, v] : t.ascii)
    if (v >= 2) ascii.push_back(k);
  SplitMix rng{42};
  rng.Shuffle(&cjk);
  rng.Shuffle(&ascii);
  const size_t n_ascii = std::min(ascii.size(), n / 10);
  const size_t n_cjk = std::min(cjk.size(), n - n_ascii);
  if (n_ascii + n_cjk < n) {
    *error = "only " + std::to_string(n_ascii + n_cjk) + " distinct n-grams in the corpus sample";
    return {};
  }
  // Interleave so that every prefix keeps the 9:1 mix.
  std::vector<PatternSpec> out;
  out.reserve(n);
  size_t a = 0, k = 0;
  while (out.size() < n) {
    if (a < n_ascii && (k >= n_cjk || out.size() % 10 == 9)) out.push_back({ascii[a++], true, true});
    else out.push_back({cjk[k++], false, false});
  }
  return out;
}

// 200 CJK n-grams (2..4 ideographs) of one frequency band in the cls sample:
// "rare" seen 2..3 times, "medium" 30..300 times, "dense" the 200 most
// frequent. The hit density of the sweep comes from the band.
inline std::vector<PatternSpec> DensityPatterns(const std::string& band, std::string* error) {
  const NgramTable& t = CorpusNgrams();
  if (!t.error.empty()) {
    *error = t.error;
    return {};
  }
  std::vector<std::pair<uint32_t, std::string>> pool;
  for (const auto& [k, v] : t.cjk) {
    if (band == "rare" && v >= 2 && v <= 3) pool.emplace_back(v, k);
    if (band == "medium" && v >= 30 && v <= 300) pool.emplace_back(v, k);
    if (band == "dense") pool.emplace_back(v, k);
  }
  if (band == "dense") {
    std::sort(pool.begin(), pool.end(), [](const auto& x, const auto& y) { return x.first != y.first ? x.first > y.first : x.second < y.second; });
    if (pool.size() > 200) pool.resize(200);
  } else {
    SplitMix rng{7};
    rng.Shuffle(&pool);
    if (pool.size() > 200) pool.resize(200);
  }
  if (pool.size() < 200) {
    *error = "not enough n-grams for band " + band;
    return {};
  }
  std::vector<PatternSpec> out;
  for (auto& [v, k] : pool) out.push_back({std::move(k), false, false});
  return out;
}

inline const std::vector<std::string>& DensityBands() {
  static const std::vector<std::string> b = {"rare", "medium", "dense"};
  return b;
}

// ---- watch lists -------------------------------------------------------------------

// A watch list: company-name-like CJK literals of 2..8 ideographs (U+4E00..
// U+9FFF) taken from the corpora, drawn with a fixed seed, in three tiers:
//   A  the stock names of cls `stock_list` (all-ideograph ones);
//   B  X+S for a company suffix S (公司 股份 集团 控股 银行 证券 科技 实业 药业
//      电子 能源 汽车) in a run of ideographs of the normalized cls, eastmoney
//      and ths texts, X the 2..6 ideographs right before S (宁德时代+股份);
//   C  the bare X of B (宁德时代).
// Each tier is shuffled (SplitMix64, seed 20260101) and the tiers are taken
// in order A, B, C; keywords of the real rule set and repeats are left out.
// WatchlistNames(n) is the first n: 20k = all of A and part of B, 100k = A, B
// and part of C; 20k ⊂ 100k. Many B/C entries are phrase fragments that end
// in a suffix (子公司, 该公司): a stand-in for a big customer list, not a
// curated one.
struct WatchlistPool {
  std::vector<std::string> names;  // A, B, C in order
  size_t tier_a = 0, tier_b = 0, tier_c = 0;
  std::string error;
};

// Code point of the 3-byte UTF-8 sequence at s[i], or 0 if there is none.
inline uint32_t Utf8Cp3(std::string_view s, size_t i) {
  if (i + 3 > s.size()) return 0;
  const auto b0 = static_cast<unsigned char>(s[i]), b1 = static_cast<unsigned char>(s[i + 1]),
             b2 = static_cast<unsigned char>(s[i + 2]);
  if ((b0 & 0xF0) != 0xE0 || (b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) return 0;
  return ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
}
inline bool IsIdeograph(uint32_t cp) { return cp >= 0x4E00 && cp <= 0x9FFF; }

// Stock names of the `stock_list` arrays in raw cls JSON lines ("name":"...").
inline void ClsStockNames(const std::vector<std::string>& lines, std::vector<std::string>* out) {
  for (const std::string& line : lines) {
    size_t p = line.find("\"stock_list\":");
    if (p == std::string::npos) continue;
    const size_t end = line.find(']', p);
    if (end == std::string::npos) continue;
    for (p = line.find("\"name\":\"", p); p != std::string::npos && p < end; p = line.find("\"name\":\"", p)) {
      p += 8;
      const size_t q = line.find('"', p);
      if (q == std::string::npos || q > end) break;
      out->push_back(line.substr(p, q - p));
      p = q;
    }
  }
}

inline const WatchlistPool& GetWatchlistPool() {
  static const WatchlistPool pool = [] {
    WatchlistPool w;
    std::string err;
    const ProjectRules& pr = GetProjectRules();
    if (!pr.error.empty()) {
      w.error = pr.error;
      return w;
    }
    std::unordered_map<std::string, bool> taken;  // project keywords and names already drawn
    for (const rules::Pattern& p : pr.compiled->patterns()) taken[p.text] = true;
    auto all_ideographs = [](std::string_view s) {
      if (s.empty() || s.size() % 3 != 0) return false;
      for (size_t i = 0; i < s.size(); i += 3)
        if (!IsIdeograph(Utf8Cp3(s, i))) return false;
      return true;
    };
    std::vector<std::string> a;
    const Corpus& cls = GetCorpus("cls");
    if (!cls.error.empty()) {
      w.error = cls.error;
      return w;
    }
    ClsStockNames(cls.lines, &a);
    static const char* const kSuffixes[] = {"公司", "股份", "集团", "控股", "银行", "证券",
                                            "科技", "实业", "药业", "电子", "能源", "汽车"};
    std::unordered_map<std::string, bool> b_set, c_set;
    for (const char* name : {"cls", "eastmoney", "ths"}) {
      const Corpus& c = GetCorpus(name);
      if (!c.error.empty()) {
        w.error = c.error;
        return w;
      }
      std::vector<size_t> run;  // byte offsets of the ideographs of the current run
      for (const std::string& t : c.engine_texts) {
        std::string_view s = t;
        run.clear();
        for (size_t i = 0; i <= s.size();) {
          const uint32_t cp = i < s.size() ? Utf8Cp3(s, i) : 0;
          if (IsIdeograph(cp)) {
            run.push_back(i);
            i += 3;
            continue;
          }
          // End of a run: look for suffixes inside it.
          for (size_t r = 2; r + 2 <= run.size(); ++r) {  // suffix at run[r], run[r + 1]
            std::string_view suf = s.substr(run[r], 6);
            bool is_suffix = false;
            for (const char* x : kSuffixes) is_suffix |= suf == x;
            if (!is_suffix) continue;
            for (size_t k = 2; k <= 6 && k <= r; ++k) {
              std::string_view x = s.substr(run[r - k], 3 * k);
              b_set.emplace(std::string(x) + std::string(suf), true);
              c_set.emplace(std::string(x), true);
            }
          }
          run.clear();
          i += (cp != 0) ? 3 : 1;
        }
      }
    }
    std::vector<std::string> b, c;
    for (auto& [k, v] : b_set) b.push_back(k);
    for (auto& [k, v] : c_set) c.push_back(k);
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    std::sort(b.begin(), b.end());
    std::sort(c.begin(), c.end());
    SplitMix rng{20260101};
    size_t* counts[] = {&w.tier_a, &w.tier_b, &w.tier_c};
    int tier = 0;
    for (std::vector<std::string>* v : {&a, &b, &c}) {
      rng.Shuffle(v);
      for (std::string& k : *v) {
        const size_t chars = k.size() / 3;
        if (chars < 2 || chars > 8 || !all_ideographs(k) || !taken.emplace(k, true).second) continue;
        w.names.push_back(std::move(k));
        ++*counts[tier];
      }
      ++tier;
    }
    return w;
  }();
  return pool;
}

// The first n names of the pool (see WatchlistPool).
inline std::vector<std::string> WatchlistNames(size_t n, std::string* error) {
  const WatchlistPool& w = GetWatchlistPool();
  if (!w.error.empty()) {
    *error = w.error;
    return {};
  }
  if (w.names.size() < n) {
    *error = "watch list: only " + std::to_string(w.names.size()) + " candidate names in the corpora";
    return {};
  }
  return {w.names.begin(), w.names.begin() + static_cast<std::ptrdiff_t>(n)};
}

// The real rule set plus one rule per watched name (tag "watch:<name>",
// `any: [name]`, the schema's defaults): how a watch list would be deployed
// as rules.
inline std::string WatchlistRuleSet(size_t n, rules::RuleSet* out) {
  const ProjectRules& pr = GetProjectRules();
  if (!pr.error.empty()) return pr.error;
  std::string err;
  std::vector<std::string> names = WatchlistNames(n, &err);
  if (!err.empty()) return err;
  *out = pr.set;
  out->rules.reserve(out->rules.size() + names.size());
  for (std::string& name : names) {
    rules::Rule r;
    r.tag = "watch:" + name;
    r.file = "<watchlist>";
    rules::Keyword k;
    k.text = std::move(name);
    r.any.push_back(std::move(k));
    out->rules.push_back(std::move(r));
  }
  return "";
}

// The documents of the rule-count and density sweeps: the first 4,000 cls
// items (~2 MB).
inline std::vector<std::string_view> SweepDocs() {
  const Corpus& c = GetCorpus("cls");
  const size_t n = std::min<size_t>(c.engine_views.size(), 4000);
  return {c.engine_views.begin(), c.engine_views.begin() + static_cast<std::ptrdiff_t>(n)};
}

// Documents of exactly ~`len` bytes cut from the cls engine texts joined by
// ' ' (cuts fall on UTF-8 character starts), about `total` bytes in all.
inline std::vector<std::string> FixedLengthDocs(size_t len, size_t total) {
  const Corpus& c = GetCorpus("cls");
  std::vector<std::string> out;
  std::string cur;
  for (const std::string& t : c.engine_texts) {
    for (size_t i = 0; i < t.size();) {
      size_t take = std::min(len - cur.size(), t.size() - i);
      while (i + take < t.size() && (static_cast<unsigned char>(t[i + take]) & 0xC0) == 0x80) --take;
      if (take == 0 && cur.empty()) take = 1;  // never stall
      cur.append(t, i, take);
      i += take;
      if (cur.size() + 3 >= len) {  // full (a CJK character would not fit)
        out.push_back(std::move(cur));
        cur.clear();
        if (out.size() * len >= total) return out;
      }
    }
    if (!cur.empty()) cur.push_back(' ');
  }
  return out;
}

}  // namespace newsflow::bench
