// LeadlessText (rules/src/leadless_text.h): every kernel makes the form a
// plain byte filter makes, and TextEnd maps each of the form's bytes back to
// the text, on texts of every length across the 16-, 32- and 64-byte blocks
// the kernels work in, of random bytes rich in dropped leads, with the
// buffer reused from a longer text to a shorter one, and asked in any order.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "rules/src/leadless_text.h"

namespace newsflow::rules {
namespace {

using Kernel = LeadlessText::Kernel;

// The reference, written apart from the library: the kept bytes and where
// each one is in the text.
struct Reference {
  std::string form;
  std::vector<uint32_t> at;
};

Reference Filter(const std::string& text) {
  Reference r;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0xE0 && b <= 0xEF) continue;
    r.form.push_back(text[i]);
    r.at.push_back(static_cast<uint32_t>(i));
  }
  return r;
}

// Text pieces: ASCII, ideographs (three-byte, their leads dropped), a
// two-byte letter, a four-byte emoji, and stray bytes.
std::string RandomText(std::mt19937& rng, size_t pieces) {
  static const std::vector<std::string> kPieces = {"a",  "Z",    "7",         " ",    "中",         "国",
                                                   "席", "鸭",   "é",         "\xE5", "\xEF\xEF\xEF", "\x80",
                                                   "\xFF", "\xF0\x9F\x98\x80", "\xE0\x80\x80", "\n"};
  std::string t;
  for (size_t k = 0; k < pieces; ++k) t += kPieces[rng() % kPieces.size()];
  return t;
}

void ExpectFormOf(LeadlessText& lt, const std::string& text, Kernel kernel, std::mt19937& rng) {
  lt.Assign(text, kernel);
  const Reference r = Filter(text);
  ASSERT_EQ(std::string(lt.data(), lt.size()), r.form) << "kernel " << static_cast<int>(kernel) << ", "
                                                        << text.size() << " bytes";
  for (size_t f = 0; f < r.at.size(); ++f) ASSERT_EQ(lt.TextEnd(f + 1), r.at[f] + 1) << "form byte " << f;
  // Out of order: the cursor starts over.
  std::vector<size_t> order(r.at.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t f : order) ASSERT_EQ(lt.TextEnd(f + 1), r.at[f] + 1) << "form byte " << f << ", asked out of order";
}

TEST(LeadlessText, EveryKernelMakesTheFilteredFormAndMapsItBack) {
  std::mt19937 rng(5);
  for (Kernel kernel : {Kernel::kBest, Kernel::kSsse3, Kernel::kScalar}) {
    LeadlessText lt;
    for (int round = 0; round < 400; ++round) {
      // Grown and shrunk: blocks and buffers of a longer text are reused.
      ExpectFormOf(lt, RandomText(rng, rng() % 120), kernel, rng);
      if (HasFatalFailure()) return;
    }
  }
}

// Every length from 0 to 200 bytes, of text made only of dropped leads, of
// text with none, and of ideographs: the tails after the last whole block.
TEST(LeadlessText, EveryLengthAcrossTheBlocks) {
  std::mt19937 rng(9);
  for (Kernel kernel : {Kernel::kBest, Kernel::kSsse3, Kernel::kScalar}) {
    LeadlessText lt;
    for (size_t n = 0; n <= 200; ++n) {
      ExpectFormOf(lt, std::string(n, 'x'), kernel, rng);
      ExpectFormOf(lt, std::string(n, '\xE4'), kernel, rng);
      std::string cjk;
      while (cjk.size() < n) cjk += "半导体";
      cjk.resize(n);
      ExpectFormOf(lt, cjk, kernel, rng);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(LeadlessText, AKeywordsFormIsTheFilter) {
  EXPECT_EQ(LeadlessForm("芯片AI"), "\x8A\xAF\x89\x87" "AI");
  EXPECT_EQ(LeadlessForm("中"), LeadlessForm("席"));  // alike but for the lead: CompiledRules checks the text
  EXPECT_EQ(LeadlessForm(""), "");
}

}  // namespace
}  // namespace newsflow::rules
