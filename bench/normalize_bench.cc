// normalize_bench.cc — throughput of the normalizer on real wire items.
//
// Input: title + "\n" + content of every item of cls-shared.jsonl.gz (30,201
// items, HTML and entities as published) from $NEWSFLOW_CORPUS_DIR, default
// NEWSFLOW_SOURCE_DIR "/../shared/corpus". One Normalize() call per item into
// one reused NormalizedText, as a pipeline worker does.
//
//   BM_Normalize               default: table-gated OpenCC (what ships)
//   BM_Normalize_AlwaysOpenCC  OpenCC t2s + origin rebuild on every item: the
//                              cost the gate avoids
//   BM_Normalize_NoConversion  convert_traditional = false: the one-pass work
//   BM_HasTraditional          the table check alone on the raw item
//   BM_Normalize_Traditional   the items converted to traditional (OpenCC s2t
//                              at set-up): the rare path, every item gated
#include <benchmark/benchmark.h>
#include <opencc/opencc.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/normalize/normalizer.h"

#ifndef NEWSFLOW_SOURCE_DIR
#error "NEWSFLOW_SOURCE_DIR must be defined (the repository root)"
#endif

namespace {

using newsflow::Status;
using newsflow::pipeline::NormalizedText;
using newsflow::pipeline::Normalizer;
using newsflow::pipeline::NormalizerOptions;

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Minimal JSON reader: enough to pull top-level string fields out of one
// JSON Lines record without a dependency. Skips nested values.
class JsonLine {
 public:
  explicit JsonLine(std::string_view s) : s_(s) {}

  // Decodes the top-level string field `key` into *out; false if absent or
  // not a string (or the line is malformed).
  bool GetString(std::string_view key, std::string* out) {
    i_ = 0;
    SkipWs();
    if (!Eat('{')) return false;
    while (true) {
      SkipWs();
      if (Eat('}')) return false;
      std::string k;
      if (!ReadString(&k)) return false;
      SkipWs();
      if (!Eat(':')) return false;
      SkipWs();
      if (k == key) {
        if (i_ < s_.size() && s_[i_] == '"') return ReadString(out);
        return false;
      }
      if (!SkipValue()) return false;
      SkipWs();
      if (Eat(',')) continue;
      return false;
    }
  }

 private:
  void SkipWs() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Hex4(uint32_t* v) {
    if (i_ + 4 > s_.size()) return false;
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      *v <<= 4;
      if (c >= '0' && c <= '9') *v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') *v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') *v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }
  bool ReadString(std::string* out) {
    out->clear();
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            uint32_t lo;
            if (!Hex4(&lo)) return false;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              AppendUtf8(0xFFFD, out);
              cp = lo;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          AppendUtf8(cp, out);
          break;
        }
        default: out->push_back(e); break;  // \" \\ \/
      }
    }
    return false;
  }
  bool SkipValue() {
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '"') {
      std::string tmp;
      return ReadString(&tmp);
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (i_ < s_.size()) {
        const char d = s_[i_];
        if (d == '"') {
          std::string tmp;
          if (!ReadString(&tmp)) return false;
          continue;
        }
        ++i_;
        if (d == '{' || d == '[') ++depth;
        if (d == '}' || d == ']') {
          if (--depth == 0) return true;
        }
      }
      return false;
    }
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}') ++i_;  // number, true, null
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

struct Corpus {
  std::vector<std::string> items;
  size_t bytes = 0;
  std::string error;
};

std::string CorpusDir() {
  if (const char* env = std::getenv("NEWSFLOW_CORPUS_DIR"); env != nullptr && *env != '\0') return env;
  return std::string(NEWSFLOW_SOURCE_DIR) + "/../shared/corpus";
}

Corpus LoadCls() {
  Corpus c;
  const std::string path = CorpusDir() + "/cls-shared.jsonl.gz";
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    c.error = "corpus not found: " + path + " (set NEWSFLOW_CORPUS_DIR)";
    return c;
  }
  std::string data;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) data.append(buf, static_cast<size_t>(n));
  gzclose(f);
  std::string title, content;
  for (size_t pos = 0; pos < data.size();) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) nl = data.size();
    JsonLine line(std::string_view(data).substr(pos, nl - pos));
    pos = nl + 1;
    const bool has_title = line.GetString("title", &title) && !title.empty();
    const bool has_content = line.GetString("content", &content) && !content.empty();
    if (!has_title && !has_content) continue;
    std::string item;
    if (has_title) item = title;
    if (has_title && has_content) item += '\n';
    if (has_content) item += content;
    c.bytes += item.size();
    c.items.push_back(std::move(item));
  }
  if (c.items.empty()) c.error = "no items read from " + path;
  return c;
}

const Corpus& Cls() {
  static const Corpus corpus = LoadCls();
  return corpus;
}

// The same items in traditional script (OpenCC s2t), built once on demand.
const Corpus& ClsTraditional() {
  static const Corpus corpus = [] {
    Corpus t;
    const Corpus& s = Cls();
    if (!s.error.empty()) {
      t.error = s.error;
      return t;
    }
    opencc::SimpleConverter s2t("s2t.json");
    t.items.reserve(s.items.size());
    for (const std::string& item : s.items) {
      t.items.push_back(s2t.Convert(item));
      t.bytes += t.items.back().size();
    }
    return t;
  }();
  return corpus;
}

void RunNormalize(benchmark::State& state, const Corpus& corpus, const NormalizerOptions& opt) {
  if (!corpus.error.empty()) {
    state.SkipWithError(corpus.error.c_str());
    return;
  }
  std::unique_ptr<Normalizer> nz;
  if (Status s = Normalizer::Create(opt, &nz); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  NormalizedText out;
  size_t converted = 0;
  for (auto _ : state) {
    converted = 0;
    for (const std::string& item : corpus.items) {
      nz->Normalize(item, &out);
      converted += out.converted_traditional;
      benchmark::DoNotOptimize(out.text.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.items.size()));
  state.counters["items"] = static_cast<double>(corpus.items.size());
  state.counters["converted"] = static_cast<double>(converted);
}

void BM_Normalize(benchmark::State& state) { RunNormalize(state, Cls(), NormalizerOptions{}); }

void BM_Normalize_AlwaysOpenCC(benchmark::State& state) {
  NormalizerOptions opt;
  opt.always_convert = true;
  RunNormalize(state, Cls(), opt);
}

void BM_Normalize_NoConversion(benchmark::State& state) {
  NormalizerOptions opt;
  opt.convert_traditional = false;
  RunNormalize(state, Cls(), opt);
}

void BM_Normalize_Traditional(benchmark::State& state) {
  RunNormalize(state, ClsTraditional(), NormalizerOptions{});
}

void BM_HasTraditional(benchmark::State& state) {
  const Corpus& corpus = Cls();
  if (!corpus.error.empty()) {
    state.SkipWithError(corpus.error.c_str());
    return;
  }
  std::unique_ptr<Normalizer> nz;
  if (Status s = Normalizer::Create(NormalizerOptions{}, &nz); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    for (const std::string& item : corpus.items) hits += nz->HasTraditional(item);
    benchmark::DoNotOptimize(hits);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.items.size()));
  state.counters["traditional"] = static_cast<double>(hits);
}

void BM_NormalizerConstruction(benchmark::State& state) {
  for (auto _ : state) {
    std::unique_ptr<Normalizer> nz;
    if (Status s = Normalizer::Create(NormalizerOptions{}, &nz); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    benchmark::DoNotOptimize(nz.get());
  }
}

BENCHMARK(BM_Normalize)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Normalize_AlwaysOpenCC)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Normalize_NoConversion)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HasTraditional)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Normalize_Traditional)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NormalizerConstruction)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
