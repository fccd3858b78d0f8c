// decode_bench.cc — the first stages: reading the gzip'd file and decoding
// JSON lines into Documents.
//
//   read/gunzip/<corpus>    pipeline::OpenLineSource over the .gz file, batches
//                           of 1024 lines (bytes = uncompressed line bytes)
//   decode/<corpus>         pipeline::Decoder::Decode (simdjson DOM; the
//                           call DecodeStage::Run wraps), one reused decoder
//                           and Document, per line; the whole line is
//                           validated (RFC 8259, unread values too)
//   decode-unvalidated/<corpus>  the same fields read with On-Demand and
//                           nothing else checked (ondemand_reference.h, how
//                           the decoder read lines before it validated them):
//                           the difference is what strict validation costs
//   ceiling/memcpy-raw/<corpus>  memcpy of the same JSON lines
#include <benchmark/benchmark.h>

#include <cstring>

#include "bench_corpus.h"
#include "ondemand_reference.h"
#include "pipeline/source/source.h"

namespace newsflow::bench {
namespace {

const std::vector<std::string> kCorpora = {"cls", "eastmoney", "ths", "fincuge"};

void BM_Read(benchmark::State& state, std::string corpus) {
  const std::string path = CorpusDir() + "/" + CorpusFile(corpus);
  size_t lines = 0, bytes = 0;
  for (auto _ : state) {
    std::unique_ptr<pipeline::Source> src;
    if (Status s = pipeline::OpenLineSource(path, pipeline::SourceLimits{}, &src); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    pipeline::Batch b;
    lines = bytes = 0;
    while (src->Next(&b)) {
      lines += b.items.size();
      bytes += b.bytes;
    }
    if (Status s = src->status(); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines));
}

// The field map a corpus's format names (the built-in one).
pipeline::FieldMap MapOf(const std::string& corpus) {
  const pipeline::FormatSpec spec = FormatOf(corpus);
  switch (spec.kind) {
    case pipeline::FormatSpec::Kind::kCls: return pipeline::ClsFieldMap();
    case pipeline::FormatSpec::Kind::kEastmoney: return pipeline::EastmoneyFieldMap();
    case pipeline::FormatSpec::Kind::kThs: return pipeline::ThsFieldMap();
    default: return spec.map;
  }
}

void BM_Decode(benchmark::State& state, std::string corpus, bool validated) {
  const Corpus& c = GetCorpus(corpus);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  pipeline::Decoder dec(FormatOf(corpus));
  OnDemandReference reference(MapOf(corpus));
  pipeline::Document doc;
  size_t errors = 0;
  for (auto _ : state) {
    errors = 0;
    if (validated) {
      for (const std::string& line : c.lines) errors += !dec.Decode(line, &doc).ok();
    } else {
      for (const std::string& line : c.lines) errors += !reference.Decode(line, &doc);
    }
    benchmark::DoNotOptimize(doc.body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.raw_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.lines.size()));
  state.counters["errors"] = static_cast<double>(errors);
}

void BM_MemcpyRaw(benchmark::State& state, std::string corpus) {
  const Corpus& c = GetCorpus(corpus);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  size_t longest = 0;
  for (const auto& l : c.lines) longest = std::max(longest, l.size());
  std::string buf(longest, '\0');
  for (auto _ : state) {
    for (const auto& l : c.lines) {
      std::memcpy(buf.data(), l.data(), l.size());
      benchmark::DoNotOptimize(buf.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.raw_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.lines.size()));
}

void RegisterAll() {
  for (const std::string& c : kCorpora) {
    benchmark::RegisterBenchmark(("read/gunzip/" + c).c_str(), BM_Read, c)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("decode/" + c).c_str(), BM_Decode, c, true)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("decode-unvalidated/" + c).c_str(), BM_Decode, c, false)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("ceiling/memcpy-raw/" + c).c_str(), BM_MemcpyRaw, c)->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace newsflow::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  newsflow::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
