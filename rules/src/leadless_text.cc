// leadless_text.cc — the leadless form: 64 bytes at a time with AVX-512
// VBMI2 compress, else 32 at a time with SSSE3 byte shuffles (both take the
// last partial block too: a masked load, a padded copy), else a byte at a
// time. The tables are built at compile time (constexpr): a scan run from
// another file's static initializer never sees them empty.
#include "leadless_text.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace newsflow::rules {
namespace {

#if defined(__x86_64__)
// kPack.low[m] / kPack.high[m]: the pshufb control (8 bytes) that moves the
// bytes of the low (0-7) / high (8-15) half of a 16-byte vector whose bit is
// set in m to the front.
struct PackTable {
  alignas(64) uint64_t low[256] = {};
  alignas(64) uint64_t high[256] = {};
  constexpr PackTable() {
    for (int m = 0; m < 256; ++m) {
      uint64_t lo = 0, hi = 0;
      int k = 0;
      for (int b = 0; b < 8; ++b)
        if ((m >> b) & 1) {
          lo |= uint64_t(b) << (8 * k);
          hi |= uint64_t(b + 8) << (8 * k);
          ++k;
        }
      for (; k < 8; ++k) {
        lo |= uint64_t{0x80} << (8 * k);
        hi |= uint64_t{0x80} << (8 * k);
      }
      low[m] = lo;
      high[m] = hi;
    }
  }
};
constexpr PackTable kPack;

bool CpuHasSsse3() {
  static const bool has = __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("popcnt");
  return has;
}

bool CpuHasAvx512Vbmi2() {
  static const bool has = __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("popcnt");
  return has;
}

// Keeps the bytes of p[0..15] that are not dropped leads at out (8 bytes
// of room past them); returns the 16-bit mask of the kept ones.
[[gnu::always_inline]] __attribute__((target("ssse3,popcnt"))) inline uint32_t Pack16(const unsigned char* p,
                                                                                      unsigned char* out) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i lead = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8(static_cast<char>(0xF0))),
                                      _mm_set1_epi8(static_cast<char>(0xE0)));
  const uint32_t kept = ~static_cast<uint32_t>(_mm_movemask_epi8(lead)) & 0xFFFFu;
  const uint32_t lo = kept & 0xFFu, hi = kept >> 8;
  const __m128i control = _mm_set_epi64x(static_cast<long long>(kPack.high[hi]), static_cast<long long>(kPack.low[lo]));
  const __m128i packed = _mm_shuffle_epi8(v, control);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), packed);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out + _mm_popcnt_u32(lo)), _mm_srli_si128(packed, 8));
  return kept;
}
#endif

// kSelect.at[m][r]: the position of the r-th set bit (from 0) of the byte
// m; kSelect.count[m]: its set bits (no popcnt instruction needed: this is
// the code every CPU runs).
struct SelectTable {
  uint8_t at[256][8] = {};
  uint8_t count[256] = {};
  constexpr SelectTable() {
    for (int m = 0; m < 256; ++m) {
      int r = 0;
      for (int b = 0; b < 8; ++b)
        if ((m >> b) & 1) at[m][r++] = static_cast<uint8_t>(b);
      count[m] = static_cast<uint8_t>(r);
    }
  }
};
constexpr SelectTable kSelect;

// The position of the r-th set bit (from 0) of `bits`, which has more than r.
inline uint32_t SelectBit(uint32_t bits, uint32_t r) {
  uint32_t at = 0;
  if (const uint32_t low = kSelect.count[bits & 0xFFu] + kSelect.count[(bits >> 8) & 0xFFu]; r >= low) {
    r -= low;
    bits >>= 16;
    at = 16;
  }
  if (const uint32_t low = kSelect.count[bits & 0xFFu]; r >= low) {
    r -= low;
    bits >>= 8;
    at += 8;
  }
  return at + kSelect.at[bits & 0xFFu][r];
}

}  // namespace

bool LeadlessText::Fast() {
#if defined(__x86_64__)
  return CpuHasSsse3();
#else
  return false;
#endif
}

void LeadlessText::Assign(std::string_view text, Kernel kernel) {
  const size_t n = text.size();
  if (form_.size() < n + 64) form_.resize(n + 64);  // the form is never longer; a block's stores run past it
  blocks_used_ = (n + kBlock - 1) / kBlock;
  if (blocks_.size() < blocks_used_) blocks_.resize(blocks_used_);
  cursor_ = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
#if defined(__x86_64__)
  if (kernel == Kernel::kBest && CpuHasAvx512Vbmi2()) {
    AssignAvx512(p, n);
    return;
  }
  if (kernel != Kernel::kScalar && CpuHasSsse3()) {
    AssignSsse3(p, n);
    return;
  }
#else
  (void)kernel;  // one kernel only
#endif
  AssignScalar(p, n);
}

#if defined(__x86_64__)
// Two blocks at a time: vpcompressb keeps the bytes, into a register (a
// compress straight to memory is slow on some CPUs), stored whole. The
// last 1-63 bytes take the same path through a masked load, which reads
// none past the text.
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt"))) void LeadlessText::AssignAvx512(const unsigned char* p,
                                                                                              size_t n) {
  unsigned char* out = form_.data();
  size_t k = 0;
  const __m512i high_nibble = _mm512_set1_epi8(static_cast<char>(0xF0));
  const __m512i lead = _mm512_set1_epi8(static_cast<char>(0xE0));
  for (size_t i = 0, b = 0; i < n; i += 2 * kBlock, b += 2) {
    const uint64_t in_text = n - i >= 2 * kBlock ? ~uint64_t{0} : (uint64_t{1} << (n - i)) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(in_text, p + i);
    const uint64_t kept = ~_mm512_cmpeq_epi8_mask(_mm512_and_si512(v, high_nibble), lead) & in_text;
    _mm512_storeu_si512(out + k, _mm512_maskz_compress_epi8(kept, v));
    const auto low = static_cast<uint32_t>(kept), high = static_cast<uint32_t>(kept >> 32);
    blocks_[b] = {static_cast<uint32_t>(k), low};
    k += static_cast<size_t>(_mm_popcnt_u32(low));
    if (n - i > kBlock) {
      blocks_[b + 1] = {static_cast<uint32_t>(k), high};
      k += static_cast<size_t>(_mm_popcnt_u32(high));
    }
  }
  size_ = k;
}

__attribute__((target("ssse3,popcnt"))) void LeadlessText::AssignSsse3(const unsigned char* p, size_t n) {
  unsigned char* out = form_.data();
  size_t k = 0, b = 0, i = 0;
  for (; i + kBlock <= n; i += kBlock, ++b) {
    const uint32_t low = Pack16(p + i, out + k);
    const auto low_count = static_cast<size_t>(_mm_popcnt_u32(low));
    const uint32_t high = Pack16(p + i + 16, out + k + low_count);
    blocks_[b] = {static_cast<uint32_t>(k), low | (high << 16)};
    k += low_count + static_cast<size_t>(_mm_popcnt_u32(high));
  }
  if (i < n) {  // the last 1-31 bytes, from a copy padded with zeros (kept, then cut off)
    alignas(16) unsigned char last[kBlock] = {};
    std::memcpy(last, p + i, n - i);
    const uint32_t in_text = (uint32_t{1} << (n - i)) - 1;
    const uint32_t low = Pack16(last, out + k);
    const uint32_t high = Pack16(last + 16, out + k + static_cast<size_t>(_mm_popcnt_u32(low)));
    const uint32_t kept = (low | (high << 16)) & in_text;
    blocks_[b] = {static_cast<uint32_t>(k), kept};
    k += static_cast<size_t>(_mm_popcnt_u32(kept));
  }
  size_ = k;
}
#else
void LeadlessText::AssignAvx512(const unsigned char* p, size_t n) { AssignScalar(p, n); }
void LeadlessText::AssignSsse3(const unsigned char* p, size_t n) { AssignScalar(p, n); }
#endif

void LeadlessText::AssignScalar(const unsigned char* p, size_t n) {
  unsigned char* out = form_.data();
  size_t k = 0;
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t end = std::min(n, i + kBlock);
    uint32_t kept = 0;
    const uint32_t before = static_cast<uint32_t>(k);
    for (size_t j = i; j < end; ++j) {
      out[k] = p[j];
      const bool keep = !IsDroppedLead(p[j]);
      kept |= uint32_t{keep} << (j - i);
      k += keep;
    }
    blocks_[i / kBlock] = {before, kept};
  }
  size_ = k;
}

uint32_t LeadlessText::TextEnd(size_t form_end) {
  const size_t f = form_end - 1;  // the form's byte that ends the hit
  // The last block whose form begins at or before f holds it.
  if (cursor_ >= blocks_used_ || blocks_[cursor_].form_before > f) cursor_ = 0;
  while (cursor_ + 1 < blocks_used_ && blocks_[cursor_ + 1].form_before <= f) ++cursor_;
  const Block& b = blocks_[cursor_];
  return static_cast<uint32_t>(cursor_ * kBlock + SelectBit(b.kept, static_cast<uint32_t>(f - b.form_before)) + 1);
}

std::string LeadlessForm(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    if (!IsDroppedLead(static_cast<unsigned char>(c))) out.push_back(c);
  return out;
}

}  // namespace newsflow::rules
