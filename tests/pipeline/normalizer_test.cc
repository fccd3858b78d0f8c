// Tests of newsflow::pipeline::Normalizer (pipeline/src/normalizer.cc).
#include "pipeline/normalize/normalizer.h"

#include <gtest/gtest.h>
#include <opencc/opencc.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifndef NEWSFLOW_SOURCE_DIR
#error "NEWSFLOW_SOURCE_DIR must be defined (the repository root)"
#endif

namespace newsflow::pipeline {
namespace {

// A normalizer built with `o`; fails the test if it cannot be built.
std::unique_ptr<Normalizer> Make(const NormalizerOptions& o = {}) {
  std::unique_ptr<Normalizer> n;
  const Status s = Normalizer::Create(o, &n);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return n;
}

class NormalizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nz_ = Make().release(); }
  static void TearDownTestSuite() {
    delete nz_;
    nz_ = nullptr;
  }

  static std::string Norm(std::string_view in) {
    NormalizedText out;
    nz_->Normalize(in, &out);
    return out.text;
  }

  static Normalizer* nz_;
};
Normalizer* NormalizerTest::nz_ = nullptr;

std::string ReadSeedText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string SeedPath(const char* name) {
  return std::string(NEWSFLOW_SOURCE_DIR) + "/seeds/" + name;
}

// Length of the UTF-8 sequence whose lead byte is c (our output is valid).
size_t LeadLen(unsigned char c) {
  return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if (c >= 0xC2 && c < 0xE0) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c < 0xF0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c < 0xF5) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += len;
  }
  return true;
}

// Checks the origin map of `out` (normalized from `in` by `nz`): sizes, one
// origin per code point, monotone, in range; and for every output code point,
// the MapBack span of the original is the same character or a source that
// normalizes to it (full-width form, entity, traditional character; for a
// space: whitespace, &nbsp; or a block tag). Returns the number of code points
// whose source differs only by an OpenCC phrase rule (allowed, counted).
size_t ExpectOriginsSound(const Normalizer& nz, std::string_view in, const NormalizedText& out) {
  EXPECT_EQ(out.origin.size(), out.text.size());
  EXPECT_TRUE(IsValidUtf8(out.text));
  size_t phrase_rule = 0;
  uint32_t prev = 0;
  for (size_t i = 0; i < out.text.size();) {
    const size_t len = LeadLen(static_cast<unsigned char>(out.text[i]));
    for (size_t k = 1; k < len; ++k) {
      EXPECT_EQ(out.origin[i + k], out.origin[i]) << "byte " << i + k << " of code point at " << i;
    }
    EXPECT_GE(out.origin[i], prev) << "origins must not decrease, at " << i;
    EXPECT_LT(out.origin[i], in.size());
    prev = out.origin[i];

    uint32_t ob = 0, oe = 0;
    out.MapBack(static_cast<uint32_t>(i), static_cast<uint32_t>(i + len), in, &ob, &oe);
    EXPECT_EQ(ob, out.origin[i]);
    EXPECT_LT(ob, oe);
    EXPECT_LE(oe, in.size());
    const std::string_view src = in.substr(ob, oe - ob);
    const std::string_view ch = std::string_view(out.text).substr(i, len);
    if (src != ch) {
      NormalizedText one;
      nz.Normalize(src, &one);
      if (ch == " ") {
        EXPECT_EQ(one.text, "") << "space at " << i << " comes from [" << src << "]";
      } else if (one.text != ch) {
        // A phrase rule of OpenCC (瞭解 -> 了解): the isolated source char
        // converts differently. Only possible in a converted text, between
        // two ideographs of one code point each.
        EXPECT_TRUE(out.converted_traditional && len >= 3 && LeadLen(static_cast<unsigned char>(src[0])) == src.size())
            << "output [" << ch << "] at " << i << " maps back to [" << src << "]";
        ++phrase_rule;
      }
    }
    i += len;
  }
  return phrase_rule;
}

// ---------------------------------------------------------------- HTML

TEST_F(NormalizerTest, StripsTags) {
  EXPECT_EQ(Norm("加<b>快</b>培育<span class=\"x\">半导体</span>"), "加快培育半导体");
  EXPECT_EQ(Norm("<a href=\"http://x/?a=1&b=2\" title='a>b' data-x=\"1>2\">链接</a>尾"), "链接尾");
  EXPECT_EQ(Norm("<img src=\"x.png\" alt=\"image\" referrerpolicy=\"no-referrer\">图"), "图");
  EXPECT_EQ(Norm("<P CLASS=\"m-b-10\">大写</P>"), "大写");
  // An apostrophe in text inside a tag-less context is no quote.
  EXPECT_EQ(Norm("<b>it's</b> <i>don't</i>"), "it's don't");
}

TEST_F(NormalizerTest, BlockTagsSeparateInlineTagsDoNot) {
  EXPECT_EQ(Norm("<p>Hello</p><p>World</p>"), "Hello World");
  EXPECT_EQ(Norm("a<br>b<br/>c<BR />d<div>e</div>f<li>g</li><h3>h</h3>i<tr><td>j</td></tr>k"),
            "a b c d e f g h i j k");
  EXPECT_EQ(Norm("<ul><li>一</li><li>二</li></ul><ol><li>三</li></ol><table>四</table>"),
            "一 二 三 四");
  EXPECT_EQ(Norm("<span>半</span><span>导体</span>"), "半导体");
  EXPECT_EQ(Norm("<p>  </p><p>x</p>  <br>  "), "x");
}

TEST_F(NormalizerTest, RemovesCommentsScriptsAndStyles) {
  EXPECT_EQ(Norm("a<!-- hidden <p>b</p> -->c"), "ac");
  EXPECT_EQ(Norm("a<!-- unterminated <p>b</p>"), "a");
  EXPECT_EQ(Norm("x<script type=\"text/javascript\">var s = '<p>no</p>'; if (a<b) {}</script>y"),
            "xy");
  EXPECT_EQ(Norm("x<SCRIPT>alert(1)</SCRIPT >y<style>p { color: red }</style>z"), "xyz");
  EXPECT_EQ(Norm("x<script>never closed <p>text</p>"), "x");
  EXPECT_EQ(Norm("<scripts>kept</scripts>"), "kept");  // not a script element
  EXPECT_EQ(Norm("<!DOCTYPE html><?xml version=\"1.0\"?>文"), "文");
}

TEST_F(NormalizerTest, LiteralLessThanIsText) {
  EXPECT_EQ(Norm("PE<10 and a < b"), "PE<10 and a < b");
  EXPECT_EQ(Norm("x <"), "x <");
  EXPECT_EQ(Norm("<notclosed text"), "<notclosed text");
  EXPECT_EQ(Norm("1<2>3"), "1<2>3");
}

TEST_F(NormalizerTest, DecodesEntities) {
  EXPECT_EQ(Norm("&amp;&lt;&gt;&quot;&apos;&#39;"), "&<>\"''");
  EXPECT_EQ(Norm("&ldquo;十四五&rdquo;&lsquo;x&rsquo;&hellip;&mdash;&ndash;&middot;&times;"),
            "\u201c十四五\u201d\u2018x\u2019\u2026\u2014\u2013\u00b7\u00d7");
  EXPECT_EQ(Norm("&#20013;&#x56FD;&#X56fd;"), "中国国");
  EXPECT_EQ(Norm("&#150;&#x93;"), "\u2013\u201c");  // windows-1252 range, as HTML
  EXPECT_EQ(Norm("&lt;p&gt;kept&lt;/p&gt;"), "<p>kept</p>");  // decoded text is not markup
  EXPECT_EQ(Norm("a&nbsp;&nbsp;b&#32;&#x0A;c"), "a b c");
  EXPECT_EQ(Norm("&#xFF21;&#65298;"), "A2");  // decoded full-width is folded too
}

TEST_F(NormalizerTest, KeepsInvalidEntitiesLiterally) {
  EXPECT_EQ(Norm("&bogus; &#; &#x; &amp &#xD800; &#1114112; &#0; & x &;"),
            "&bogus; &#; &#x; &amp &#xD800; &#1114112; &#0; & x &;");
  EXPECT_EQ(Norm("AT&T R&D"), "AT&T R&D");
  EXPECT_EQ(Norm("&AMP;"), "&AMP;");  // names are case-sensitive
}

// ---------------------------------------------------------------- folding

TEST_F(NormalizerTest, FoldsFullWidth) {
  EXPECT_EQ(Norm("ＡＩ芯片"), "AI芯片");
  EXPECT_EQ(Norm("５Ｇ"), "5G");
  EXPECT_EQ(Norm("Ｈｅｌｌｏ　Ｗｏｒｌｄ！"), "Hello World!");
  EXPECT_EQ(Norm("（１）～＿"), "(1)~_");
  EXPECT_EQ(Norm("＜ｐ＞"), "<p>");  // folded '<' is text, not a tag
  // Full-width punctuation is in the range (，！？：；); 。、「」 are not.
  EXPECT_EQ(Norm("，！？：；。、「」"), ",!?:;。、「」");
}

TEST_F(NormalizerTest, CollapsesWhitespace) {
  EXPECT_EQ(Norm("  a \t\n b　　c\xC2\xA0\xC2\xA0" "d\r\n"), "a b c d");
  EXPECT_EQ(Norm(" \n\t　 "), "");
  EXPECT_EQ(Norm(""), "");
  EXPECT_EQ(Norm("中\u2002文\u2003字\u3000\u3000词"), "中 文 字 词");
  EXPECT_EQ(Norm("zero\u200bwidth\ufeff"), "zerowidth");
}

TEST_F(NormalizerTest, DropsInvalidUtf8) {
  // stray byte, lead without continuation, truncated 3-byte, surrogate,
  // overlong '/', truncated 4-byte at the end.
  EXPECT_EQ(Norm("a\xFF" "b\xC3(c\xE4\xB8" "d\xED\xA0\x80" "e\xC0\xAF" "f\xF0\x9F\x98"), "ab(cdef");
  EXPECT_EQ(Norm("\x80\x80中\xE4文"), "中文");
  EXPECT_EQ(Norm("ok\xF0\x9F\x98\x80"), "ok\xF0\x9F\x98\x80");  // valid 4-byte kept
  EXPECT_EQ(Norm("a\x01\x7F" "b"), "ab");  // control characters are dropped
}

TEST_F(NormalizerTest, EveryBmpCodePointFollowsTheSpec) {
  // Each code point alone, raw and as a numeric entity (which take different
  // paths through the normalizer), against the specification.
  NormalizerOptions opt;
  opt.convert_traditional = false;
  const auto nz_owner = Make(opt);
  const Normalizer& nz = *nz_owner;
  NormalizedText raw, ent;
  auto utf8 = [](uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
  };
  int failures = 0;
  for (uint32_t cp = 0xA0; cp <= 0x10FFFF && failures < 10; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (cp > 0xFFFF && cp % 4099 != 0) continue;  // a sample of the others
    // Built with += : GCC 12 at -O3 warns falsely (-Wrestrict) on "x" + s + "y".
    const std::string ch = utf8(cp);
    std::string raw_in = "x";
    raw_in += ch;
    raw_in += 'y';
    std::string ent_in = "x&#";
    ent_in += std::to_string(cp);
    ent_in += ";y";
    std::string expected;
    const bool space = cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
                       cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
                       cp == 0x3000;
    const bool dropped =
        cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF;
    if (space) {
      expected = "x y";
    } else if (dropped) {
      expected = "xy";
    } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
      expected = "x";
      expected += static_cast<char>(cp - 0xFEE0);
      expected += 'y';
    } else {
      expected = raw_in;
    }
    nz.Normalize(raw_in, &raw);
    nz.Normalize(ent_in, &ent);
    if (raw.text != expected || ent.text != expected) {
      ADD_FAILURE() << "U+" << std::hex << cp << ": raw [" << raw.text << "] entity [" << ent.text
                    << "] expected [" << expected << "]";
      ++failures;
    }
  }
}

// ---------------------------------------------------------------- origins

TEST_F(NormalizerTest, OriginMapOfMixedInput) {
  const std::string in =
      "<div class=\"a>b\"> ＡＩ芯片&amp;５Ｇ&nbsp;&#x56FD;</div>\n<!-- c --><p>半导体\xFF 和 "
      "a&bogus;b</p><script>x</script>  末尾　";
  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_EQ(out.text, "AI芯片&5G 国 半导体 和 a&bogus;b 末尾");
  EXPECT_EQ(ExpectOriginsSound(*nz_, in, out), 0u);

  uint32_t ob = 0, oe = 0;
  out.MapBack(0, 2, in, &ob, &oe);  // "AI"
  EXPECT_EQ(in.substr(ob, oe - ob), "ＡＩ");
  const size_t amp = out.text.find('&');
  out.MapBack(static_cast<uint32_t>(amp), static_cast<uint32_t>(amp + 1), in, &ob, &oe);
  EXPECT_EQ(in.substr(ob, oe - ob), "&amp;");
  const size_t guo = out.text.find("国");
  out.MapBack(static_cast<uint32_t>(guo), static_cast<uint32_t>(guo + 3), in, &ob, &oe);
  EXPECT_EQ(in.substr(ob, oe - ob), "&#x56FD;");
  const size_t chip = out.text.find("芯片&5G");
  out.MapBack(static_cast<uint32_t>(chip), static_cast<uint32_t>(chip + std::string("芯片&5G").size()),
              in, &ob, &oe);
  EXPECT_EQ(in.substr(ob, oe - ob), "芯片&amp;５Ｇ");
}

TEST_F(NormalizerTest, MapBackClampsAndHandlesEmptyRanges) {
  const std::string in = "  abc  ";
  NormalizedText out;
  nz_->Normalize(in, &out);
  ASSERT_EQ(out.text, "abc");
  uint32_t ob = 0, oe = 0;
  out.MapBack(1, 1, in, &ob, &oe);
  EXPECT_EQ(ob, 3u);
  EXPECT_EQ(oe, 3u);
  out.MapBack(0, 100, in, &ob, &oe);  // e clamped to the text
  EXPECT_EQ(in.substr(ob, oe - ob), "abc");
  out.MapBack(5, 9, in, &ob, &oe);  // past the end
  EXPECT_EQ(ob, in.size());
  EXPECT_EQ(oe, in.size());
  out.MapBack(0, 3, "ab", &ob, &oe);  // a shorter "original" is clamped
  EXPECT_LE(oe, 2u);
}

TEST_F(NormalizerTest, RandomBytesNeverBreakTheInvariants) {
  std::mt19937 rng(12345);
  const std::string alphabet[] = {"<", ">", "&", ";", "#", "x", "p", "/", "\"", "'", "=", " ",
                                  "!--", "-->", "amp", "nbsp", "script", "br", "中", "廣",
                                  "Ａ", "　", "\xC2\xA0", "\xE4", "\xB8", "\xFF", "\n", "1"};
  NormalizedText out;
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    const int parts = static_cast<int>(rng() % 40);
    for (int k = 0; k < parts; ++k) in += alphabet[rng() % std::size(alphabet)];
    nz_->Normalize(in, &out);
    ASSERT_TRUE(IsValidUtf8(out.text)) << in;
    ASSERT_EQ(out.text.size(), out.origin.size());
    if (!out.text.empty()) {
      EXPECT_NE(out.text.front(), ' ') << in;
      EXPECT_NE(out.text.back(), ' ') << in;
    }
    EXPECT_EQ(out.text.find("  "), std::string::npos) << in;
    for (size_t i = 0; i < out.origin.size(); ++i) {
      ASSERT_LT(out.origin[i], in.size()) << in;
      if (i > 0) {
        ASSERT_GE(out.origin[i], out.origin[i - 1]) << in;
      }
    }
    uint32_t ob = 0, oe = 0;
    out.MapBack(0, static_cast<uint32_t>(out.text.size()), in, &ob, &oe);
    EXPECT_LE(ob, oe);
    EXPECT_LE(oe, in.size());
  }
}

TEST_F(NormalizerTest, ReusesBuffersWithoutReallocating) {
  NormalizedText out;
  std::string big;
  for (int i = 0; i < 200; ++i) big += "<p>广东省半导体&amp;集成电路 ＡＩ</p>";
  nz_->Normalize(big, &out);
  const char* text_data = out.text.data();
  const uint32_t* origin_data = out.origin.data();
  const size_t text_cap = out.text.capacity();
  nz_->Normalize("粤港澳大湾区 5G", &out);
  EXPECT_EQ(out.text, "粤港澳大湾区 5G");
  nz_->Normalize("<b>x</b>&lt;", &out);
  EXPECT_EQ(out.text, "x<");
  EXPECT_EQ(out.text.data(), text_data);
  EXPECT_EQ(out.origin.data(), origin_data);
  EXPECT_EQ(out.text.capacity(), text_cap);
}

// ---------------------------------------------------------------- traditional

TEST_F(NormalizerTest, HasTraditional) {
  EXPECT_TRUE(nz_->HasTraditional("廣東省 半導體"));
  EXPECT_TRUE(nz_->HasTraditional("廣"));
  EXPECT_FALSE(nz_->HasTraditional("广东省 半导体"));
  EXPECT_FALSE(nz_->HasTraditional("Pure ASCII text, 123 <p>&amp;</p>"));
  EXPECT_FALSE(nz_->HasTraditional(""));
  // Characters shared by both scripts are not traditional-only.
  EXPECT_FALSE(nz_->HasTraditional("中国人民银行"));
}

// The table is built from the code points the config's dictionaries name
// as whole keys (a few thousand), not from a sweep of the BMP. For every
// config OpenCC installs, it must mark exactly the code points that OpenCC
// itself changes when each stands alone: here, all of U+0021..U+FFFF
// converted one per line by OpenCC's SimpleConverter, as the sweep did.
// (None of these configs changes an ASCII character, which HasTraditional
// never counts.)
TEST_F(NormalizerTest, TraditionalTableIsEveryCodePointOpenCCChanges) {
  auto utf8 = [](uint32_t cp) {
    std::string s;
    if (cp < 0x80) return std::string(1, static_cast<char>(cp));
    if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
    } else {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    }
    s += static_cast<char>(0x80 | (cp & 0x3F));
    return s;
  };
  std::vector<uint32_t> cps;
  std::string all;
  for (uint32_t cp = 0x21; cp <= 0xFFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    cps.push_back(cp);
    all += utf8(cp);
    all += '\n';
  }
  size_t configs = 0;
  const char* const kConfigs[] = {"t2s.json",  "tw2s.json", "tw2sp.json", "hk2s.json", "s2t.json",
                                  "s2tw.json", "s2twp.json", "s2hk.json", "t2tw.json", "t2hk.json",
                                  "t2jp.json", "jp2t.json",  "hk2t.json", "tw2t.json"};
  for (const char* config : kConfigs) {
    SCOPED_TRACE(config);
    std::string converted;
    try {
      converted = opencc::SimpleConverter(config).Convert(all);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "OpenCC cannot load " << config << ": " << e.what();
      continue;
    }
    std::istringstream lines(converted);
    std::string line;
    NormalizerOptions o;
    o.opencc_config = config;
    o.min_traditional_fraction = 0;  // any one traditional-only code point opens the gate
    const auto nz = Make(o);
    ASSERT_NE(nz, nullptr);
    size_t changed = 0, mismatches = 0;
    for (uint32_t cp : cps) {
      ASSERT_TRUE(std::getline(lines, line)) << "OpenCC joined lines at U+" << std::hex << cp;
      const std::string alone = utf8(cp);
      const bool changes = !line.empty() && line != alone;
      changed += changes;
      if (nz->HasTraditional(alone) != changes && ++mismatches <= 5)
        ADD_FAILURE() << "U+" << std::hex << cp << (changes ? " changes" : " stays") << " but the table says otherwise";
    }
    EXPECT_EQ(mismatches, 0u);
    EXPECT_GT(changed, 0u);  // every one of these configs converts characters (t2tw.json: 39)
    ++configs;
  }
  EXPECT_EQ(configs, std::size(kConfigs));
}

TEST_F(NormalizerTest, ConvertsTraditional) {
  const std::string in = "廣東省發佈了《廣東省國民經濟";
  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_EQ(out.text, "广东省发布了《广东省国民经济");
  EXPECT_TRUE(out.converted_traditional);
  EXPECT_EQ(ExpectOriginsSound(*nz_, in, out), 0u);
  uint32_t ob = 0, oe = 0;
  const size_t pos = out.text.find("国民经济");
  out.MapBack(static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + std::string("国民经济").size()),
              in, &ob, &oe);
  EXPECT_EQ(in.substr(ob, oe - ob), "國民經濟");
}

TEST_F(NormalizerTest, ConvertsAfterHtmlAndFolding) {
  const std::string in = "<p>半導體&amp;５Ｇ　產業</p><p>&#x7DB2;路</p>";  // &#x7DB2; is 網
  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_EQ(out.text, "半导体&5G 产业 网路");
  EXPECT_TRUE(out.converted_traditional);
  EXPECT_EQ(ExpectOriginsSound(*nz_, in, out), 0u);
}

TEST_F(NormalizerTest, ConversionUsesOpenCCPhrases) {
  // 瞭 alone stays 瞭 in t2s; the phrase 瞭解 becomes 了解. A per-character
  // conversion would give 瞭解.
  const std::string in = "我們需要瞭解市場";
  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_EQ(out.text, "我们需要了解市场");
  EXPECT_EQ(ExpectOriginsSound(*nz_, in, out), 1u);  // 了 <- 瞭, by the phrase rule
  uint32_t ob = 0, oe = 0;
  const size_t pos = out.text.find("了解");
  out.MapBack(static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + 6), in, &ob, &oe);
  EXPECT_EQ(in.substr(ob, oe - ob), "瞭解");
}

TEST_F(NormalizerTest, ConversionToSupplementaryCharacterRealignsBytes) {
  // t2s maps 噁 (3 bytes) to U+2AAC7 (4 bytes) in 二噁英.
  const std::string in = "廢氣中的二噁英排放";
  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_EQ(out.text, "废气中的二𫫇英排放");
  EXPECT_EQ(out.text.size(), in.size() + 1);
  EXPECT_EQ(ExpectOriginsSound(*nz_, in, out), 1u);  // the phrase rule 二噁英
  const size_t pos = out.text.find("英");
  uint32_t ob = 0, oe = 0;
  out.MapBack(static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + 3), in, &ob, &oe);
  EXPECT_EQ(in.substr(ob, oe - ob), "英");
}

TEST_F(NormalizerTest, NamesInSimplifiedTextAreNotConverted) {
  // 昇, 乾, 崑, 錤 are traditional-only for t2s but appear in simplified wire
  // text inside names; converting would make 升腾, 干昆, 郭明𫓹.
  const std::string in =
      "【华为昇腾910C量产提速】财联社电，天风国际分析师郭明錤发文称，华为乾崑智驾与多家车企合作，"
      "昇腾芯片出货量预计将在下半年显著提升，产业链相关公司有望受益。";
  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_FALSE(out.converted_traditional);
  EXPECT_NE(out.text.find("华为昇腾910C"), std::string::npos);
  EXPECT_NE(out.text.find("郭明錤"), std::string::npos);
  EXPECT_NE(out.text.find("华为乾崑智驾"), std::string::npos);
  EXPECT_EQ(out.text.find("升腾"), std::string::npos);
  EXPECT_FALSE(nz_->HasTraditional(in));

  NormalizerOptions eager;
  eager.min_traditional_fraction = 0;  // convert on any single character
  const auto nz0_owner = Make(eager);
  const Normalizer& nz0 = *nz0_owner;
  nz0.Normalize(in, &out);
  EXPECT_TRUE(out.converted_traditional);
  EXPECT_NE(out.text.find("升腾"), std::string::npos);
  EXPECT_TRUE(nz0.HasTraditional(in));
}

// ToSimplified opens the gate on any single traditional-only character, as
// a normalizer built with min_traditional_fraction 0 does, without building
// a second one (a watch list's names: the Tagger).
TEST_F(NormalizerTest, ToSimplifiedConvertsOnAnyTraditionalCharacter) {
  NormalizerOptions eager;
  eager.min_traditional_fraction = 0;
  const auto nz0 = Make(eager);
  NormalizedText out;
  for (const std::string in :
       {"騰訊控股", "匯豐控股", "华为乾崑智驾与多家车企合作，昇腾芯片出货量预计将在下半年显著提升", "宁德时代",
        "ＮＶＩＤＩＡ 輝達", "", "abc"}) {
    nz0->Normalize(in, &out);
    EXPECT_EQ(nz_->ToSimplified(in), out.text) << in;
  }
  EXPECT_EQ(nz_->ToSimplified("騰訊控股"), "腾讯控股");
  EXPECT_EQ(nz_->ToSimplified("宁德时代"), "宁德时代");
  // The shared normalizer's own gate leaves the long simplified text alone.
  nz_->Normalize("华为乾崑智驾与多家车企合作，昇腾芯片出货量预计将在下半年显著提升", &out);
  EXPECT_FALSE(out.converted_traditional);
  EXPECT_NE(nz_->ToSimplified("华为乾崑智驾与多家车企合作，昇腾芯片出货量预计将在下半年显著提升").find("升腾"),
            std::string::npos);
}

// ToSimplified returns most keywords as they are without normalizing them
// (Impl::Unchanged); whichever way it goes, it must give what a normalizer
// whose gate opens on any traditional character gives. Keywords made of
// pieces from each class the fast check must tell apart.
TEST_F(NormalizerTest, ToSimplifiedAgreesWithNormalizingOnMixedPieces) {
  NormalizerOptions eager;
  eager.min_traditional_fraction = 0;
  const auto nz0 = Make(eager);
  const std::vector<std::string> pieces = {
      "a", "Z", "7", "-", "~", " ", "  ", "\t", "<", "&", "&amp;", "<b>", "\x7f", "\x01",
      "中", "腾", "騰", "訊", "、", "。", "（", "Ａ", "９", "～", "\xEF\xBD\x9F" /* U+FF5F */,
      "\xE2\x80\x83" /* U+2003 */, "\xE2\x80\x8B" /* U+200B */, "\xE2\x80\xA8" /* U+2028 */,
      "\xE2\x81\xA0" /* U+2060 */, "\xE2\x81\xA1" /* U+2061 */, "\xE2\x80\x94" /* U+2014 */,
      "\xE3\x80\x80" /* U+3000 */, "\xEF\xBB\xBF" /* U+FEFF */, "\xED\xA0\x80" /* surrogate */,
      "\xE0\x80\x80" /* overlong */, "\xE4\xB8" /* cut */, "\xFF", "\x80", "é", "\xF0\xA0\x80\x80" /* 4 bytes */};
  std::mt19937 rng(20261206);
  NormalizedText out;
  size_t kept = 0;  // how many came back as they were (the fast check's share)
  for (int n = 0; n < 20000; ++n) {
    std::string in;
    const int parts = static_cast<int>(rng() % 7);
    for (int k = 0; k < parts; ++k) in += pieces[rng() % pieces.size()];
    nz0->Normalize(in, &out);
    const std::string got = nz_->ToSimplified(in);
    ASSERT_EQ(got, out.text) << "keyword bytes: " << ::testing::PrintToString(in);
    kept += got == in;
  }
  EXPECT_GT(kept, 1000u) << "the pieces should make many keywords that are their own spelling";
  // A normalizer that always converts rewrites phrases none of whose
  // characters is traditional-only (OpenCC's 回覆 -> 回复): no fast path there.
  NormalizerOptions always;
  always.always_convert = true;
  const auto nz_always = Make(always);
  nz_always->Normalize("回覆", &out);
  EXPECT_EQ(out.text, "回复");
  EXPECT_EQ(nz_always->ToSimplified("回覆"), "回复");
  EXPECT_EQ(nz_->ToSimplified("回覆"), "回覆") << "the default gate opens on traditional-only characters only";
}

TEST_F(NormalizerTest, OptionsDisableOrForceConversion) {
  NormalizerOptions off;
  off.convert_traditional = false;
  const auto nz_off_owner = Make(off);
  const Normalizer& nz_off = *nz_off_owner;
  NormalizedText out;
  nz_off.Normalize("廣東省 半導體", &out);
  EXPECT_EQ(out.text, "廣東省 半導體");
  EXPECT_FALSE(out.converted_traditional);

  NormalizerOptions always;
  always.always_convert = true;
  const auto nz_always_owner = Make(always);
  const Normalizer& nz_always = *nz_always_owner;
  nz_always.Normalize("广东省 半导体 ＡＩ", &out);
  EXPECT_TRUE(out.converted_traditional);
  EXPECT_EQ(out.text, "广东省 半导体 AI");
}

TEST_F(NormalizerTest, BadConfigIsAClearError) {
  NormalizerOptions bad;
  bad.opencc_config = "/nonexistent/no-such-config.json";
  std::unique_ptr<Normalizer> nz;
  const Status s = Normalizer::Create(bad, &nz);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("no-such-config.json"), std::string::npos) << s.message();
  EXPECT_EQ(nz, nullptr);
}

TEST_F(NormalizerTest, LengthChangingConfigFallsBackToCharacterTable) {
  // A config whose phrase rule changes the length: 計程車 (3) -> 出租汽车 (4).
  // Code-point alignment is impossible, so the characters are converted one by
  // one from the construction-time table: 計->计, 車->车.
  const std::string dir = ::testing::TempDir();
  const std::string phrases = dir + "/nf_phrases.txt";
  const std::string chars = dir + "/nf_chars.txt";
  const std::string config = dir + "/nf_test.json";
  {
    std::ofstream(phrases) << "計程車\t出租汽车\n";
    std::ofstream(chars) << "計\t计\n車\t车\n";
    std::ofstream(config) << R"({"name":"test","segmentation":{"type":"mmseg","dict":{"type":"text","file":")"
                          << phrases << R"("}},"conversion_chain":[{"dict":{"type":"group","dicts":[)"
                          << R"({"type":"text","file":")" << phrases << R"("},)"
                          << R"({"type":"text","file":")" << chars << R"("}]}}]})";
  }
  NormalizerOptions opt;
  opt.opencc_config = config;
  const auto nz_owner = Make(opt);
  const Normalizer& nz = *nz_owner;
  EXPECT_TRUE(nz.HasTraditional("計程車"));
  NormalizedText out;
  const std::string in = "搭計程車去機場";
  nz.Normalize(in, &out);
  EXPECT_TRUE(out.converted_traditional);
  EXPECT_EQ(out.text, "搭计程车去機場");
  EXPECT_EQ(ExpectOriginsSound(nz, in, out), 0u);
  std::remove(phrases.c_str());
  std::remove(chars.c_str());
  std::remove(config.c_str());
}

TEST_F(NormalizerTest, ConcurrentUseGivesTheSameResults) {
  // One Normalizer shared by threads, the traditional path (OpenCC under the
  // mutex) included.
  const std::vector<std::string> inputs = {
      ReadSeedText(SeedPath("001_4149a57f158077e2.txt")), ReadSeedText(SeedPath("000_1fa3d0f570f714d3.txt")),
      "廣東省發佈了《廣東省國民經濟", "<p>ＡＩ芯片&amp;５Ｇ</p>", "我們需要瞭解市場"};
  std::vector<NormalizedText> expected(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) nz_->Normalize(inputs[i], &expected[i]);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      NormalizedText out;
      for (int round = 0; round < 50; ++round) {
        for (size_t i = 0; i < inputs.size(); ++i) {
          nz_->Normalize(inputs[(i + static_cast<size_t>(t)) % inputs.size()], &out);
          const NormalizedText& want = expected[(i + static_cast<size_t>(t)) % inputs.size()];
          mismatches[static_cast<size_t>(t)] += out.text != want.text || out.origin != want.origin;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[static_cast<size_t>(t)], 0) << "thread " << t;
}

// ---------------------------------------------------------------- seeds

TEST_F(NormalizerTest, TraditionalSeedIsConverted) {
  const std::string in = ReadSeedText(SeedPath("001_4149a57f158077e2.txt"));
  // The seed is traditional: these strings exist only in traditional form.
  ASSERT_NE(in.find("廣東省國民經濟和社會發展第十四個五年規劃"), std::string::npos);
  ASSERT_NE(in.find("半導體與集成電路"), std::string::npos);
  ASSERT_NE(in.find("粵港澳大灣區"), std::string::npos);
  ASSERT_EQ(in.find("粤港澳大湾区"), std::string::npos);
  EXPECT_TRUE(nz_->HasTraditional(in));

  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_TRUE(out.converted_traditional);
  EXPECT_NE(out.text.find("广东省国民经济和社会发展第十四个五年规划"), std::string::npos);
  EXPECT_NE(out.text.find("半导体与集成电路"), std::string::npos);
  EXPECT_NE(out.text.find("粤港澳大湾区"), std::string::npos);
  EXPECT_EQ(out.text.find("粵港澳大灣區"), std::string::npos);
  // Phrase rules are rare: a handful of characters at most.
  EXPECT_LE(ExpectOriginsSound(*nz_, in, out), 5u);

  const size_t pos = out.text.find("粤港澳大湾区");
  uint32_t ob = 0, oe = 0;
  out.MapBack(static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + std::string("粤港澳大湾区").size()),
              in, &ob, &oe);
  EXPECT_EQ(in.substr(ob, oe - ob), "粵港澳大灣區");
}

TEST_F(NormalizerTest, SimplifiedSeedIsNotConverted) {
  const std::string in = ReadSeedText(SeedPath("000_1fa3d0f570f714d3.txt"));
  EXPECT_FALSE(nz_->HasTraditional(in));
  NormalizedText out;
  nz_->Normalize(in, &out);
  EXPECT_FALSE(out.converted_traditional);
  EXPECT_NE(out.text.find("广东省国民经济和社会发展第十四个五年规划"), std::string::npos);
  EXPECT_NE(out.text.find("粤港澳大湾区"), std::string::npos);
  // The seed's HTML is gone.
  EXPECT_EQ(out.text.find("<p>"), std::string::npos);
  EXPECT_EQ(out.text.find("referrerpolicy"), std::string::npos);
  EXPECT_EQ(ExpectOriginsSound(*nz_, in, out), 0u);
}

TEST_F(NormalizerTest, AllSeedsKeepOriginsSound) {
  const char* seeds[] = {"000_1fa3d0f570f714d3.txt", "001_4149a57f158077e2.txt",
                         "002_c8c5a7f5ab5c0d6b.txt", "003_7da939d46166e23b.txt",
                         "004_ef13493a28004fcc.txt"};
  for (const char* name : seeds) {
    SCOPED_TRACE(name);
    const std::string in = ReadSeedText(SeedPath(name));
    NormalizedText out;
    nz_->Normalize(in, &out);
    EXPECT_FALSE(out.text.empty());
    ExpectOriginsSound(*nz_, in, out);
  }
}

}  // namespace
}  // namespace newsflow::pipeline
