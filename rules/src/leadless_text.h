// leadless_text.h — the form of a text that a literal-only Hyperscan database
// scans (CompiledRules' leadless scan): the text without the lead bytes of
// its three-byte UTF-8 sequences, and the way back from the form's offsets to
// the text's.
//
// Why: an ideograph is three bytes of UTF-8, a lead of 0xE4-0xE9 and two
// continuation bytes. Hyperscan's literal matcher hashes the bytes before
// each position to find candidates; the leads carry almost nothing (six
// values) and make every keyword a third longer in bytes that all look
// alike. Without them the real keyword set scans cls ~1.3x faster, and a
// 20k-name watch list too (bench/RESULTS.md, "The leadless scan").
//
// Why it is exact: the form deletes every byte 0xE0-0xEF, wherever it is,
// so the form of a concatenation is the concatenation of the forms. Where a
// keyword occurs in the text, its form occurs in the text's form, ending at
// the form's copy of the keyword's last byte (a keyword of valid UTF-8
// never ends in a lead byte). The converse does not hold: two ideographs
// that differ only in their lead byte have one form, and a form can match
// across character boundaries. So every hit of the form is mapped back to
// the text (TextEnd) and kept only if the text's bytes there are the
// keyword's (CompiledRules does that): the same hits as a scan of the text,
// from a scan of two thirds of its bytes. No validation of the text is
// needed: the deletion is defined on any bytes.
//
// Ownership: a value type owning its buffers (Assign reuses them; the text
// is not copied, only the form). Threads: one per thread (each ScanScratch
// has its own). Errors: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::rules {

// The bytes the form drops: the leads of three-byte sequences.
inline bool IsDroppedLead(unsigned char b) { return (b & 0xF0) == 0xE0; }

class LeadlessText {
 public:
  // How Assign makes the form: the fastest way this CPU has (AVX-512 VBMI2
  // compress, else SSSE3 shuffles, else a byte at a time), or a slower one
  // (for the tests, which compare them; one the CPU lacks falls back to the
  // next).
  enum class Kernel { kBest, kSsse3, kScalar };
  // True if this CPU makes the form with SIMD (SSSE3 or AVX-512 VBMI2):
  // byte by byte, the form costs more than it saves (CompiledRules then
  // scans the bytes).
  static bool Fast();
  // Makes the form of `text` (at most 2^32 - 1 bytes).
  void Assign(std::string_view text, Kernel kernel = Kernel::kBest);
  const char* data() const { return reinterpret_cast<const char*>(form_.data()); }
  size_t size() const { return size_; }
  // The offset in the text just after the byte that is the form's byte
  // `form_end - 1` (1 <= form_end <= size()). Fastest when asked in
  // increasing order, as a scan's hits come.
  uint32_t TextEnd(size_t form_end);

 private:
  // Per block of kBlock bytes of the text: the form's size before it and
  // which of its bytes the form keeps (bit i: byte kBlock * block + i).
  static constexpr size_t kBlock = 32;
  struct Block {
    uint32_t form_before;
    uint32_t kept;
  };
  void AssignAvx512(const unsigned char* p, size_t n);
  void AssignSsse3(const unsigned char* p, size_t n);
  void AssignScalar(const unsigned char* p, size_t n);
  std::vector<unsigned char> form_;
  size_t size_ = 0;
  std::vector<Block> blocks_;
  size_t blocks_used_ = 0;  // ceil(text size / kBlock): the blocks of this text
  size_t cursor_ = 0;       // the block TextEnd found last
};

// The form of `text` (a keyword): what its hits look like in a LeadlessText.
std::string LeadlessForm(std::string_view text);

}  // namespace newsflow::rules
