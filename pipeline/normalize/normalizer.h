// normalizer.h — turns feed text into the canonical form the matcher scans.
//
// What it does, in one pass over the input bytes:
//   * strips HTML tags (<...>, comments, <script>/<style> contents) and decodes
//     entities (&amp; &lt; &gt; &quot; &#39; &nbsp; &#NNN; &#xHH; and the common
//     named ones); block tags (<p>, <br>, <div>, <li>, ...) become a space;
//   * folds full-width ASCII (U+FF01..U+FF5E) to half-width and the ideographic
//     space U+3000 to ' ';
//   * collapses runs of whitespace (ASCII, U+00A0, U+0085 and the Unicode
//     space separators) to one ' ', trims ends;
//   * drops invisible code points that could split a keyword (C1 controls,
//     soft hyphen, zero-width space/joiners, word joiner, BOM) and invalid
//     UTF-8 bytes;
//   * converts traditional Chinese to simplified (OpenCC t2s) — but only when
//     the text contains a character that is traditional-only: a 64 Ki-bit
//     table built once from OpenCC marks those code points, so the common,
//     already-simplified text never pays for OpenCC. Simplified wire text
//     legitimately carries a few such characters in names (华为昇腾, 乾崑,
//     郭明錤, 高浩灃), which t2s would corrupt (升腾, 干昆, 郭明𫓹), so a document
//     is converted only when traditional-only characters make up at least
//     NormalizerOptions::min_traditional_fraction of its ideographs.
// And it keeps, for every output byte, the offset of the input byte it came
// from, so a match in normalized text maps back to a span of the original.
// All bytes of one output code point carry the same origin: the offset of the
// first byte of the input unit that produced it (a UTF-8 character, an entity
// "&...;", or, for a separating space, the first whitespace byte or the '<' of
// a block tag). Origins never decrease.
//
// Thread safety: a Normalizer is immutable after construction and may be
// shared by all threads (the OpenCC converter is used under a mutex only on
// the rare traditional path). NormalizedText is per-call output owned by the
// caller; reuse one per worker to avoid allocations.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/base/status.h"
#include "newsflow/base/uninitialized_allocator.h"

namespace newsflow::pipeline {

// Output of one Normalize() call. Reused across calls (cleared, capacity kept).
struct NormalizedText {
  std::string text;                // normalized UTF-8
  // origin[i] = input offset of text[i]; origin.size() == text.size(). A
  // vector that grows without zeroing: Normalize sizes it to the input and
  // writes or cuts every element.
  UninitializedVector<uint32_t> origin;
  bool converted_traditional = false;  // the traditional->simplified path ran

  // Maps a normalized byte range [b, e) back to the original input range.
  // The end maps to just past the last original byte that produced text[e-1].
  void MapBack(uint32_t b, uint32_t e, std::string_view original,
               uint32_t* ob, uint32_t* oe) const;
};

struct NormalizerOptions {
  // OpenCC config used for traditional->simplified; "t2s.json" resolves in
  // OpenCC's data directory.
  std::string opencc_config = "t2s.json";
  // When false, never convert (for benchmarks of the other steps).
  bool convert_traditional = true;
  // A document is converted only if it has at least one traditional-only
  // character and these make up at least this fraction of its CJK ideographs.
  // Measured on the four shared corpora (84,324 simplified items): the highest
  // fraction in a simplified item is 8.1% (华为乾崑 repeated in a short item);
  // at 0.10 none is converted (at 0.05, 5 are; with any single character as
  // the trigger, 212 are, their names corrupted). The same items converted to
  // traditional with OpenCC s2tw reach at least 9.1%; at 0.10, 54 of them
  // (0.06%) stay unconverted, 145 characters in all.
  // 0 converts on any single traditional-only character.
  double min_traditional_fraction = 0.10;
  // Benchmarks only: run the conversion (OpenCC + origin rebuild) on every
  // document, whatever the table says, to measure what the gate saves.
  bool always_convert = false;
};

class Normalizer {
 public:
  // Loads OpenCC and builds the traditional-character table (~10 ms, start-up
  // only). Fails with InvalidArgument if the OpenCC config cannot be loaded,
  // Internal if its dictionaries cannot be read or it fails on them.
  static Status Create(const NormalizerOptions& options, std::unique_ptr<Normalizer>* out);
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;

  // Normalizes `in` into *out (cleared first). Never throws on bad input.
  void Normalize(std::string_view in, NormalizedText* out) const;

  // True if `in` contains at least one traditional-only character and these
  // reach min_traditional_fraction of its ideographs: the same gate Normalize
  // applies (Normalize applies it to the normalized text, so entities such as
  // &#24291; count there and not here). Table lookups only; no OpenCC.
  bool HasTraditional(std::string_view in) const;

  // What Normalize gives for `in` when any traditional-only character, not
  // a share of min_traditional_fraction, opens the conversion: for short
  // texts written in traditional Chinese on purpose, such as a watch list's
  // names (騰訊控股 -> 腾讯控股), where one character is the whole evidence.
  std::string ToSimplified(std::string_view in) const;

 private:
  Normalizer() = default;
  // Normalize, with the conversion gate opened by any traditional-only
  // character when `convert_any`.
  void Run(std::string_view in, NormalizedText* out, bool convert_any) const;
  Status BuildTraditionalTable();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace newsflow::pipeline
