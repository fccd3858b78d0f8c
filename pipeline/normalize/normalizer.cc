// normalizer.cc — see normalizer.h.
//
// Traditional -> simplified, the design:
//   * Construction finds the code points the config can change at all: a
//     code point changes in isolation only if it is a whole key of one of
//     the dictionaries of the config's conversion chain (each conversion
//     matches prefixes of its input against its dictionaries' keys, so a
//     lone code point meets only one-code-point keys). It converts those
//     candidates, each followed by '\n', in ONE OpenCC call and compares
//     line by line. A candidate whose line changed is "traditional-only":
//     its bit is set in a 64 Ki-bit table (8 KiB, stays in L1) and its
//     isolated conversion is kept in a small sorted table. Code points above
//     U+FFFF are never traditional-only. With t2s.json of OpenCC 1.1.6 the
//     dictionaries hold 3,759 one-code-point keys in the BMP and 3,751 of
//     them change, all ideographs: the same table that converting all
//     63,455 code points of U+0021..U+FFFF gives, at ~1/15 of the cost (~6
//     ms instead of ~90 ms). NormalizerTest.TraditionalTableIsEveryCodePoint-
//     OpenCCChanges checks it for every config OpenCC installs.
//   * Normalize() does the one-pass work and, per emitted code point, counts
//     table hits (one bit test). Nothing else is paid for simplified text.
//   * Gate: convert only if hits >= 1 and hits >= min_traditional_fraction *
//     ideographs (see NormalizerOptions): a single 昇/乾/錤 in a simplified
//     item is a name, not a traditional document. Ideographs are counted by a
//     second pass over the normalized text only when there is a hit.
//   * Conversion of a gated document runs OpenCC on the whole normalized text,
//     so phrase rules apply (瞭解 -> 了解, 乾隆 stays), under a mutex: OpenCC
//     does not document Converter::Convert as thread-safe. The origin map
//     is then rebuilt: if the output has as many code points as the input
//     (always so for t2s: its phrase table maps phrases to phrases of the same
//     length), output code point i inherits the origin of input code point i
//     (UTF-8 lengths may differ: 噁 is 3 bytes, 𫫇 is 4). Otherwise (another
//     config whose phrases change length), or if OpenCC throws, the text is
//     converted code point by code point from the construction-time table,
//     which keeps a 1:1 alignment and loses only phrase rules.
//   * Costs: the table check is a few ns per ideograph; OpenCC runs at ~8 MB/s
//     but only on gated documents (none of the 84k items of the shared
//     simplified corpora).
#include "pipeline/normalize/normalizer.h"

#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Exception.hpp>
#include <opencc/Lexicon.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "pipeline/normalize/normalizer_text.h"

namespace newsflow::pipeline {

using normalizer_internal::DecodeUtf8;
using normalizer_internal::EncodeUtf8;
using normalizer_internal::Markup;
using normalizer_internal::ParseEntity;
using normalizer_internal::ParseMarkup;
using normalizer_internal::SkipRawText;
using normalizer_internal::SourceUnitLength;

namespace {

// The message of the exception being handled. OpenCC throws its own
// opencc::Exception, which is not a std::exception.
std::string CurrentExceptionMessage() {
  try {
    throw;
  } catch (const opencc::Exception& e) {
    return e.what();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

inline bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');  // \t \n \v \f \r
}

// CJK ideographs (the denominator of the traditional fraction).
inline bool IsIdeograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

// Non-ASCII code points that collapse as whitespace: U+00A0, U+0085 and the
// Unicode space separators (U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000).
inline bool IsUnicodeSpace(uint32_t cp) {
  return cp == 0xA0 || cp == 0x85 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x1680;
}

// Invisible code points dropped so they cannot split a keyword: C1 controls
// (other than U+0085), soft hyphen, zero-width space/non-joiner/joiner, word
// joiner, byte order mark.
inline bool IsDropped(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) ||
         cp == 0x2060 || cp == 0xFEFF;
}

// Output cursor over buffers pre-sized to the input length (the output never
// exceeds it: every unit emits at most its own length, and a separating space
// stands for at least one consumed byte that emitted nothing).
struct Sink {
  char* t;
  uint32_t* o;
  size_t k = 0;
  bool pending = false;  // a separating space is owed before the next output
  uint32_t pending_origin = 0;
  uint32_t traditional = 0;  // traditional-only code points emitted

  void Space(uint32_t origin) {
    if (!pending) {
      pending = true;
      pending_origin = origin;
    }
  }
  void Flush() {
    if (pending) {
      if (k != 0) {  // leading whitespace is trimmed
        t[k] = ' ';
        o[k] = pending_origin;
        ++k;
      }
      pending = false;
    }
  }
  void Byte(char c, uint32_t origin) {
    Flush();
    t[k] = c;
    o[k] = origin;
    ++k;
  }
  void Bytes(const char* s, int len, uint32_t origin) {
    Flush();
    for (int j = 0; j < len; ++j) {
      t[k + j] = s[j];
      o[k + j] = origin;
    }
    k += static_cast<size_t>(len);
  }
};

}  // namespace

struct Normalizer::Impl {
  NormalizerOptions options;
  std::array<uint64_t, 65536 / 64> traditional_bits{};
  // Isolated conversion of each traditional-only code point (sorted by cp).
  std::vector<uint32_t> table_cp;
  std::vector<std::string> table_out;
  opencc::ConverterPtr converter;
  mutable std::mutex converter_mu;

  bool IsTraditional(uint32_t cp) const {
    return cp < 0x10000 && ((traditional_bits[cp >> 6] >> (cp & 63)) & 1) != 0;
  }

  // Counts traditional-only code points and ideographs (traditional-only
  // ones included) in UTF-8 text; invalid bytes are skipped. Only called when
  // a cheaper count already found a traditional-only code point.
  void CountIdeographs(std::string_view text, uint32_t* traditional, uint32_t* ideographs) const {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    *traditional = 0;
    *ideographs = 0;
    while (p < end) {
      if (*p < 0x80) {
        ++p;
        continue;
      }
      uint32_t cp;
      const int len = DecodeUtf8(p, end, &cp);
      if (len == 0) {
        ++p;
        continue;
      }
      const bool trad = IsTraditional(cp);
      *traditional += trad;
      *ideographs += trad || IsIdeograph(cp);
      p += len;
    }
  }

  // The gate applied to `text`, given the count of traditional-only code
  // points already known from a cheaper pass.
  bool GateText(std::string_view text, uint32_t traditional) const {
    if (traditional == 0) return false;
    if (options.min_traditional_fraction <= 0) return true;
    uint32_t ideographs = 0;
    CountIdeographs(text, &traditional, &ideographs);
    return Gate(traditional, ideographs);
  }

  bool Gate(uint32_t traditional, uint32_t ideographs) const {
    return traditional > 0 &&
           static_cast<double>(traditional) >=
               options.min_traditional_fraction * static_cast<double>(ideographs);
  }

  // Emits one decoded code point (from an entity or a non-ASCII sequence).
  // src/src_len: the original UTF-8 bytes when they can be copied verbatim.
  void EmitCp(Sink& s, uint32_t cp, const char* src, int src_len, uint32_t origin) const {
    if (cp < 0x80) {
      const auto c = static_cast<unsigned char>(cp);
      if (IsAsciiSpace(c)) {
        s.Space(origin);
      } else if (c >= 0x20 && c != 0x7F) {
        s.Byte(static_cast<char>(c), origin);
      }
      return;  // other C0 controls and DEL are dropped
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      s.Byte(static_cast<char>(cp - 0xFEE0), origin);
      return;
    }
    if (IsUnicodeSpace(cp)) {
      s.Space(origin);
      return;
    }
    if (IsDropped(cp)) return;
    s.traditional += IsTraditional(cp);
    if (src != nullptr) {
      s.Bytes(src, src_len, origin);
    } else {
      char buf[4];
      s.Bytes(buf, EncodeUtf8(cp, buf), origin);
    }
  }

  template <bool kHtml>
  void Scan(std::string_view in, Sink& s) const;

  // The hot loop: copies a run of 3-byte code points (lead E2..EF) that need
  // no more than a copy, or a fold to ASCII for U+FF01..U+FF5E, counting
  // traditional-only ones. Stops (returns the offset reached) at anything
  // else: invalid UTF-8, surrogates, whitespace and dropped code points
  // (U+2000..U+200D, U+2028, U+2029, U+202F, U+205F, U+2060, U+3000, U+FEFF),
  // which EmitCp handles. Must agree with EmitCp on what it copies.
  size_t Run3(const unsigned char* base, size_t i, size_t n, Sink& s) const;
  // Whether Normalize, and ToSimplified, give `in` back as it is (unless
  // options.always_convert, which converts whatever the text holds):
  // printable ASCII without spaces or markup, and 3-byte code points Run3
  // copies that are not traditional-only. (False for anything else, even
  // if unchanged.)
  bool Unchanged(std::string_view in) const;

  void Convert(NormalizedText* out) const;
  void ConvertByTable(const std::string& src, const UninitializedVector<uint32_t>& src_origin,
                      NormalizedText* out) const;
};

// The one pass over the input bytes. It stays one function (~90 lines) on
// purpose: it is the normalizer's hot loop, a byte-class dispatch whose
// branches share the cursor and the pending-space state; split into helpers
// it would pass that state around on every byte.
template <bool kHtml>
void Normalizer::Impl::Scan(std::string_view in, Sink& s) const {
  const auto* base = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = base + in.size();
  const size_t last_gt = kHtml ? in.rfind('>') : std::string_view::npos;
  const size_t n = in.size();
  // Printable ASCII that is copied as is ('<' and '&' start markup in HTML mode).
  const auto plain_ascii = [](unsigned char c) {
    return c > 0x20 && c < 0x7F && (!kHtml || (c != '<' && c != '&'));
  };
  size_t i = 0;
  while (i < n) {
    const unsigned char c = base[i];
    if (c < 0x80) {
      if (plain_ascii(c)) {  // a run of plain ASCII
        s.Flush();
        // Locals: stores through char* t could alias the Sink's fields.
        char* const t = s.t;
        uint32_t* const o = s.o;
        size_t k = s.k;
        do {
          t[k] = static_cast<char>(base[i]);
          o[k] = static_cast<uint32_t>(i);
          ++k;
          ++i;
        } while (i < n && plain_ascii(base[i]));
        s.k = k;
        continue;
      }
      if (IsAsciiSpace(c)) {
        s.Space(static_cast<uint32_t>(i));
        ++i;
        continue;
      }
      if (kHtml && c == '&') {
        uint32_t cp;
        if (const size_t len = ParseEntity(in.substr(i), &cp)) {
          EmitCp(s, cp, nullptr, 0, static_cast<uint32_t>(i));
          i += len;
        } else {
          s.Byte('&', static_cast<uint32_t>(i));
          ++i;
        }
        continue;
      }
      if (kHtml && c == '<') {
        const Markup m = ParseMarkup(in, i, last_gt);
        switch (m.kind) {
          case Markup::kText:
            s.Byte('<', static_cast<uint32_t>(i));
            ++i;
            break;
          case Markup::kComment:
          case Markup::kOther:
            i += m.length;
            break;
          case Markup::kTag:
            if (m.block) s.Space(static_cast<uint32_t>(i));
            if (m.raw_text) {
              // <script>/<style>: drop the contents and the end tag.
              i = SkipRawText(in, i + m.length, m.raw_text_name);
            } else {
              i += m.length;
            }
            break;
        }
        continue;
      }
      ++i;  // C0 control or DEL: dropped
      continue;
    }
    // A run of plain 3-byte code points (CJK and most punctuation).
    if (c >= 0xE2 && c <= 0xEF) {
      const size_t j = Run3(base, i, n, s);
      if (j != i) {
        i = j;
        continue;
      }
      // The run stopped at once on a code point Run3 does not take: below.
    }
    uint32_t cp;
    const int len = DecodeUtf8(base + i, end, &cp);
    if (len == 0) {
      ++i;  // invalid byte: dropped
      continue;
    }
    EmitCp(s, cp, in.data() + i, len, static_cast<uint32_t>(i));
    i += static_cast<size_t>(len);
  }
}

// Whether Run3 stops at this code point of a valid 3-byte sequence (lead
// E2..EF): whitespace, dropped code points and surrogates, which EmitCp
// handles.
inline bool EndsRun3(uint32_t cp) {
  if (cp - 0x2000u < 0x61u)  // General Punctuation: spaces, zero-widths
    return cp <= 0x200D || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x2060;
  return cp == 0x3000 || cp - 0xD800u < 0x800u || cp == 0xFEFF;
}

bool Normalizer::Impl::Unchanged(std::string_view in) const {
  const auto* b = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  for (size_t i = 0; i < n;) {
    const uint32_t c0 = b[i];
    if (c0 < 0x80) {  // printable, and no space (spaces collapse), markup or entity
      if (c0 <= 0x20 || c0 >= 0x7F || c0 == '<' || c0 == '&') return false;
      ++i;
      continue;
    }
    if (c0 < 0xE2 || c0 > 0xEF || i + 3 > n) return false;
    const uint32_t c1 = b[i + 1], c2 = b[i + 2];
    if (((c1 & 0xC0) ^ 0x80) | ((c2 & 0xC0) ^ 0x80)) return false;
    const uint32_t cp = ((c0 & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F);
    // Run3 would stop, fold a full-width form to ASCII, or count a
    // traditional-only character (which opens ToSimplified's conversion).
    if (EndsRun3(cp) || cp - 0xFF01u <= 0xFF5Eu - 0xFF01u || IsTraditional(cp)) return false;
    i += 3;
  }
  return true;
}

size_t Normalizer::Impl::Run3(const unsigned char* base, size_t i, size_t n, Sink& s) const {
  // Locals: stores through char* could alias the Sink's fields.
  char* const t = s.t;
  uint32_t* const o = s.o;
  size_t k = s.k;
  bool pending = s.pending;
  uint32_t traditional = 0;
  const uint64_t* const bits = traditional_bits.data();
  for (; i + 3 <= n; i += 3) {
    const uint32_t c0 = base[i];
    if (c0 < 0xE2 || c0 > 0xEF) break;
    const uint32_t c1 = base[i + 1], c2 = base[i + 2];
    if (((c1 & 0xC0) ^ 0x80) | ((c2 & 0xC0) ^ 0x80)) break;  // invalid
    const uint32_t cp = ((c0 & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F);
    if (EndsRun3(cp)) break;
    if (pending) {  // the separating space owed before this code point
      if (k != 0) {
        t[k] = ' ';
        o[k] = s.pending_origin;
        ++k;
      }
      pending = false;
    }
    const auto origin = static_cast<uint32_t>(i);
    if (cp - 0xFF01u <= 0xFF5Eu - 0xFF01u) {  // full-width ASCII
      t[k] = static_cast<char>(cp - 0xFEE0);
      o[k] = origin;
      ++k;
      continue;
    }
    traditional += static_cast<uint32_t>(bits[cp >> 6] >> (cp & 63)) & 1u;
    // 4-byte stores into the slack past the end (see Normalize).
    const char bytes[4] = {static_cast<char>(c0), static_cast<char>(c1), static_cast<char>(c2), 0};
    std::memcpy(t + k, bytes, 4);
    const uint32_t origins[4] = {origin, origin, origin, origin};
    std::memcpy(o + k, origins, sizeof(origins));
    k += 3;
  }
  s.k = k;
  s.pending = pending;
  s.traditional += traditional;
  return i;
}

void Normalizer::Impl::ConvertByTable(const std::string& src,
                                      const UninitializedVector<uint32_t>& src_origin,
                                      NormalizedText* out) const {
  out->text.clear();
  out->origin.clear();
  const auto* base = reinterpret_cast<const unsigned char*>(src.data());
  const auto* end = base + src.size();
  size_t i = 0;
  while (i < src.size()) {
    uint32_t cp;
    int len = DecodeUtf8(base + i, end, &cp);
    if (len == 0) len = 1;  // cannot happen: src is our own valid output
    std::string_view piece(src.data() + i, static_cast<size_t>(len));
    if (len > 1 && IsTraditional(cp)) {
      const auto it = std::lower_bound(table_cp.begin(), table_cp.end(), cp);
      if (it != table_cp.end() && *it == cp) piece = table_out[static_cast<size_t>(it - table_cp.begin())];
    }
    out->text.append(piece);
    out->origin.insert(out->origin.end(), piece.size(), src_origin[i]);
    i += static_cast<size_t>(len);
  }
}

void Normalizer::Impl::Convert(NormalizedText* out) const {
  // Rare path: scratch per thread, reused.
  thread_local std::string src;
  thread_local UninitializedVector<uint32_t> src_origin;
  src.assign(out->text);
  src_origin.assign(out->origin.begin(), out->origin.end());
  out->converted_traditional = true;

  std::string converted;
  bool ok = false;
  try {
    std::lock_guard<std::mutex> lock(converter_mu);
    converted = converter->Convert(src);
    ok = true;
  } catch (...) {
    ok = false;  // fall back to the table below; Normalize never throws
  }

  if (ok) {
    // Align code point by code point if the counts match.
    const auto* a = reinterpret_cast<const unsigned char*>(src.data());
    const auto* a_end = a + src.size();
    const auto* b = reinterpret_cast<const unsigned char*>(converted.data());
    const auto* b_end = b + converted.size();
    size_t na = 0, nb = 0;
    for (size_t j = 0; j < src.size(); ++j) na += (a[j] & 0xC0) != 0x80;
    bool valid = true;
    for (size_t j = 0; j < converted.size();) {
      uint32_t cp;
      const int len = DecodeUtf8(b + j, b_end, &cp);
      if (len == 0) {
        valid = false;
        break;
      }
      ++nb;
      j += static_cast<size_t>(len);
    }
    if (valid && na == nb) {
      out->text.clear();
      out->origin.clear();
      size_t ia = 0;
      for (size_t j = 0; j < converted.size();) {
        uint32_t cp;
        const int lb = DecodeUtf8(b + j, b_end, &cp);
        int la = DecodeUtf8(a + ia, a_end, &cp);
        if (la == 0) la = 1;
        out->text.append(converted, j, static_cast<size_t>(lb));
        out->origin.insert(out->origin.end(), static_cast<size_t>(lb), src_origin[ia]);
        j += static_cast<size_t>(lb);
        ia += static_cast<size_t>(la);
      }
      return;
    }
  }
  ConvertByTable(src, src_origin, out);
}

Status Normalizer::Create(const NormalizerOptions& options, std::unique_ptr<Normalizer>* out) {
  std::unique_ptr<Normalizer> n(new Normalizer());
  n->impl_ = std::make_unique<Impl>();
  n->impl_->options = options;
  // OpenCC reports errors by throwing; they stop here.
  try {
    n->impl_->converter = opencc::Config().NewFromFile(options.opencc_config);
  } catch (...) {
    return Status::InvalidArgument("normalizer: cannot load OpenCC config \"" + options.opencc_config +
                                   "\": " + CurrentExceptionMessage());
  }
  NEWSFLOW_RETURN_IF_ERROR(n->BuildTraditionalTable());
  *out = std::move(n);
  return Status::OK();
}

namespace {

// The dictionaries a conversion reads: a group's members, recursively.
void LeafDicts(const opencc::DictPtr& dict, std::vector<opencc::DictPtr>* out) {
  if (dict == nullptr) return;
  if (const auto group = std::dynamic_pointer_cast<opencc::DictGroup>(dict)) {
    for (const opencc::DictPtr& member : group->GetDicts()) LeafDicts(member, out);
    return;
  }
  out->push_back(dict);
}

// The BMP code points (from U+0021) that are a whole key of one of the
// conversion chain's dictionaries, sorted: the only ones a conversion can
// change when they stand alone. Throws what OpenCC throws.
std::vector<uint32_t> OneCodePointKeys(const opencc::Converter& converter) {
  std::vector<opencc::DictPtr> dicts;
  for (const opencc::ConversionPtr& conversion : converter.GetConversionChain()->GetConversions())
    LeafDicts(conversion->GetDict(), &dicts);
  std::vector<uint32_t> cps;
  for (const opencc::DictPtr& dict : dicts) {
    const opencc::LexiconPtr lexicon = dict->GetLexicon();
    if (lexicon == nullptr) continue;
    for (const auto& entry : *lexicon) {
      const std::string key = entry->Key();
      const auto* p = reinterpret_cast<const unsigned char*>(key.data());
      uint32_t cp = 0;
      const int len = DecodeUtf8(p, p + key.size(), &cp);
      if (len > 0 && static_cast<size_t>(len) == key.size() && cp >= 0x21 && cp <= 0xFFFF) cps.push_back(cp);
    }
  }
  std::sort(cps.begin(), cps.end());
  cps.erase(std::unique(cps.begin(), cps.end()), cps.end());
  return cps;
}

}  // namespace

// Converts every code point a dictionary key names (one OpenCC call) and
// records the ones that change: the traditional-only table the gate and the
// fallback use.
Status Normalizer::BuildTraditionalTable() {
  std::vector<uint32_t> cps;
  try {
    cps = OneCodePointKeys(*impl_->converter);
  } catch (...) {
    return Status::Internal("normalizer: cannot read the dictionaries of OpenCC \"" + impl_->options.opencc_config +
                            "\": " + CurrentExceptionMessage());
  }
  // One conversion of every candidate, one per line.
  std::string all;
  all.reserve(cps.size() * 4);
  for (uint32_t cp : cps) {
    char buf[4];
    all.append(buf, static_cast<size_t>(EncodeUtf8(cp, buf)));
    all.push_back('\n');
  }
  std::string converted;
  try {
    converted = impl_->converter->Convert(all);
  } catch (...) {
    return Status::Internal("normalizer: OpenCC \"" + impl_->options.opencc_config +
                            "\" failed to convert the code point table: " + CurrentExceptionMessage());
  }
  std::vector<std::string_view> lines;
  lines.reserve(cps.size() + 1);
  for (size_t pos = 0; pos < converted.size();) {
    const size_t nl = converted.find('\n', pos);
    if (nl == std::string::npos) {
      lines.emplace_back(converted.data() + pos, converted.size() - pos);
      break;
    }
    lines.emplace_back(converted.data() + pos, nl - pos);
    pos = nl + 1;
  }
  const bool aligned = lines.size() == cps.size();
  for (size_t j = 0; j < cps.size(); ++j) {
    char buf[4];
    const std::string_view orig(buf, static_cast<size_t>(EncodeUtf8(cps[j], buf)));
    std::string isolated;
    if (aligned) {
      isolated.assign(lines[j]);
    } else {
      // A config whose rules join lines: convert this code point alone.
      try {
        isolated = impl_->converter->Convert(std::string(orig));
      } catch (...) {
        return Status::Internal(std::string("normalizer: OpenCC failed on one code point: ") + CurrentExceptionMessage());
      }
    }
    if (isolated != orig && !isolated.empty()) {
      impl_->traditional_bits[cps[j] >> 6] |= uint64_t{1} << (cps[j] & 63);
      impl_->table_cp.push_back(cps[j]);
      impl_->table_out.push_back(std::move(isolated));
    }
  }
  return Status::OK();
}

Normalizer::~Normalizer() = default;

void Normalizer::Normalize(std::string_view in, NormalizedText* out) const { Run(in, out, false); }

std::string Normalizer::ToSimplified(std::string_view in) const {
  // Most keywords, a watch list's names among them, come back as they are:
  // that is told by one pass over the bytes, without building the
  // normalized text and its origins (22,600 keywords of a watch list and the
  // real set: 17M -> 7M instructions).
  // (Not with always_convert: OpenCC then rewrites phrases such as 回覆
  // whose characters are none of them traditional-only.)
  if (!impl_->options.always_convert && impl_->Unchanged(in)) return std::string(in);
  NormalizedText t;
  Run(in, &t, true);
  return std::move(t.text);
}

void Normalizer::Run(std::string_view in, NormalizedText* out, bool convert_any) const {
  out->converted_traditional = false;
  // Origins are 32-bit: inputs over 4 GiB are cut there (a feed item never is).
  if (in.size() > 0xFFFFFFFFu) in = in.substr(0, 0xFFFFFFFFu);
  // Sized to the input (the output never exceeds it) plus 4 bytes of slack
  // for the 4-byte stores of the 3-byte fast path; cut to size below.
  out->text.resize(in.size() + 4);
  out->origin.resize(in.size() + 4);
  Sink s{out->text.data(), out->origin.data()};
  const bool html = std::memchr(in.data(), '<', in.size()) != nullptr ||
                    std::memchr(in.data(), '&', in.size()) != nullptr;
  if (html) {
    impl_->Scan<true>(in, s);
  } else {
    impl_->Scan<false>(in, s);
  }
  out->text.resize(s.k);
  out->origin.resize(s.k);

  const NormalizerOptions& opt = impl_->options;
  if (opt.convert_traditional && !out->text.empty() &&
      (opt.always_convert || (convert_any ? s.traditional > 0 : impl_->GateText(out->text, s.traditional)))) {
    impl_->Convert(out);
  }
}

bool Normalizer::HasTraditional(std::string_view in) const {
  // Fast pass: any traditional-only code point at all? Ideographs are counted
  // only if so.
  const auto* base = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = base + in.size();
  const size_t n = in.size();
  uint32_t traditional = 0;
  size_t i = 0;
  while (i < n) {
    const uint32_t c0 = base[i];
    if (c0 < 0x80) {
      ++i;
      continue;
    }
    if (c0 >= 0xE3 && c0 <= 0xEE && i + 3 <= n) {
      const uint32_t c1 = base[i + 1], c2 = base[i + 2];
      if ((((c1 & 0xC0) ^ 0x80) | ((c2 & 0xC0) ^ 0x80)) == 0) {
        const uint32_t cp = ((c0 & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F);
        traditional += impl_->IsTraditional(cp);  // surrogates are never marked
        i += 3;
        continue;
      }
    }
    uint32_t cp;
    const int len = DecodeUtf8(base + i, end, &cp);
    if (len == 0) {
      ++i;
      continue;
    }
    traditional += impl_->IsTraditional(cp);
    i += static_cast<size_t>(len);
  }
  return impl_->GateText(in, traditional);
}

void NormalizedText::MapBack(uint32_t b, uint32_t e, std::string_view original, uint32_t* ob,
                             uint32_t* oe) const {
  const auto n = static_cast<uint32_t>(origin.size());
  const auto osize = static_cast<uint32_t>(std::min<size_t>(original.size(), 0xFFFFFFFFu));
  if (e > n) e = n;
  if (b >= e) {
    const uint32_t at = b < n ? std::min(origin[b], osize) : osize;
    *ob = at;
    *oe = at;
    return;
  }
  const uint32_t start = std::min(origin[b], osize);
  const uint32_t last = std::min(origin[e - 1], osize);
  const auto len = static_cast<uint32_t>(SourceUnitLength(original, last));
  *ob = start;
  *oe = std::max(start, std::min(osize, last + len));
}

}  // namespace newsflow::pipeline
