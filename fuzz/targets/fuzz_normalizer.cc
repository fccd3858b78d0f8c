// fuzz_normalizer.cc — arbitrary bytes through Normalizer::Normalize and
// NormalizedText::MapBack, with the invariants normalizer.h documents:
//   * origin.size() == text.size(); origins never decrease; each origin is an
//     offset inside the input;
//   * the output is valid UTF-8 and all bytes of one code point share an origin;
//   * whitespace is collapsed to single ' ' and trimmed at both ends;
//   * MapBack(b, e) stays within the original and starts at origin[b];
//   * a reused NormalizedText gives the same result as a fresh one.
// Two normalizers: the default gate (min_traditional_fraction 0.10) and one
// that converts on any traditional-only character, so the OpenCC path and the
// origin rebuild run on most inputs that contain one.
#include <memory>

#include "fuzz_util.h"
#include "pipeline/normalize/normalizer.h"

namespace {

using newsflow::pipeline::NormalizedText;
using newsflow::pipeline::Normalizer;
using newsflow::pipeline::NormalizerOptions;

Normalizer* Make(double min_fraction) {
  NormalizerOptions o;
  o.min_traditional_fraction = min_fraction;
  std::unique_ptr<Normalizer> n;
  const newsflow::Status s = Normalizer::Create(o, &n);
  FUZZ_CHECK(s.ok(), "Normalizer::Create: %s", s.ToString().c_str());
  return n.release();
}

// Length of the UTF-8 sequence starting with `c`, or 0 if `c` cannot start one.
int SeqLen(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// Strict UTF-8 check of text[i, i+len) (no overlongs, surrogates, > U+10FFFF).
bool ValidSeq(const std::string& t, size_t i, int len) {
  if (i + static_cast<size_t>(len) > t.size()) return false;
  const auto b = [&](size_t k) { return static_cast<unsigned char>(t[i + k]); };
  for (int k = 1; k < len; ++k)
    if ((b(k) & 0xC0) != 0x80) return false;
  if (len == 3) {
    if (b(0) == 0xE0 && b(1) < 0xA0) return false;  // overlong
    if (b(0) == 0xED && b(1) >= 0xA0) return false;  // surrogate
  }
  if (len == 4) {
    if (b(0) == 0xF0 && b(1) < 0x90) return false;  // overlong
    if (b(0) == 0xF4 && b(1) >= 0x90) return false;  // > U+10FFFF
  }
  return true;
}

void Check(const Normalizer& nz, std::string_view in, NormalizedText* reused) {
  NormalizedText out;
  nz.Normalize(in, &out);
  const std::string& t = out.text;
  const auto& o = out.origin;
  FUZZ_CHECK(o.size() == t.size(), "origin.size() %zu != text.size() %zu", o.size(), t.size());
  for (size_t i = 0; i < o.size(); ++i) {
    FUZZ_CHECK(o[i] < in.size(), "origin[%zu] = %u outside the input (%zu bytes)", i, o[i], in.size());
    if (i > 0) FUZZ_CHECK(o[i - 1] <= o[i], "origin decreases at %zu: %u > %u", i, o[i - 1], o[i]);
  }
  for (size_t i = 0; i < t.size();) {
    const int len = SeqLen(static_cast<unsigned char>(t[i]));
    FUZZ_CHECK(len > 0 && ValidSeq(t, i, len), "invalid UTF-8 in the output at byte %zu", i);
    for (int k = 1; k < len; ++k)
      FUZZ_CHECK(o[i + k] == o[i], "code point at %zu: byte %d has origin %u, first byte %u", i, k, o[i + k], o[i]);
    i += static_cast<size_t>(len);
  }
  if (!t.empty()) {
    FUZZ_CHECK(t.front() != ' ' && t.back() != ' ', "output not trimmed");
    FUZZ_CHECK(t.find("  ") == std::string::npos, "whitespace run not collapsed at %zu", t.find("  "));
  }
  // MapBack on a few ranges derived from the sizes, including out-of-range ones.
  const auto n = static_cast<uint32_t>(t.size());
  const uint32_t cuts[] = {0, 1, n / 3, n / 2, n > 0 ? n - 1 : 0, n, n + 1, n + 100};
  for (uint32_t b : cuts) {
    for (uint32_t e : cuts) {
      uint32_t ob = 0xdeadbeef, oe = 0xdeadbeef;
      out.MapBack(b, e, in, &ob, &oe);
      FUZZ_CHECK(ob <= oe && oe <= in.size(), "MapBack(%u, %u) = [%u, %u) for %zu input bytes", b, e, ob, oe,
                 in.size());
      if (b < e && b < n) FUZZ_CHECK(ob == o[b], "MapBack(%u, %u) starts at %u, origin[b] = %u", b, e, ob, o[b]);
      if (b < e && e <= n && b < n)
        FUZZ_CHECK(oe > o[e - 1], "MapBack(%u, %u) ends at %u, before origin[e-1] = %u", b, e, oe, o[e - 1]);
    }
  }
  nz.Normalize(in, reused);
  FUZZ_CHECK(reused->text == t && reused->origin == o && reused->converted_traditional == out.converted_traditional,
             "a reused NormalizedText gives a different result");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Normalizer* gated = Make(0.10);
  static const Normalizer* eager = Make(0.0);
  static NormalizedText reused;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Check(*gated, in, &reused);
  Check(*eager, in, &reused);
  return 0;
}
