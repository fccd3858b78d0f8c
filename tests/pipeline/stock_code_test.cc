// CanonicalStockCode: the three feeds' shapes (as they appear in the shared
// corpora) and the query forms map to one code per listing.
#include <gtest/gtest.h>

#include "pipeline/decode/stock_code.h"

namespace newsflow::pipeline {
namespace {

TEST(StockCode, ClsForms) {
  EXPECT_EQ(CanonicalStockCode("sz002670"), "SZ002670");
  EXPECT_EQ(CanonicalStockCode("sh600812"), "SH600812");
  EXPECT_EQ(CanonicalStockCode("920181.BJ"), "BJ920181");
  EXPECT_EQ(CanonicalStockCode("600519.SH"), "SH600519");
  EXPECT_EQ(CanonicalStockCode("00700.HK"), "HK00700");
}

TEST(StockCode, EastmoneyMarketPrefixes) {
  EXPECT_EQ(CanonicalStockCode("0.002670"), "SZ002670");
  EXPECT_EQ(CanonicalStockCode("0.301666"), "SZ301666");
  EXPECT_EQ(CanonicalStockCode("0.920181"), "BJ920181");
  EXPECT_EQ(CanonicalStockCode("0.832970"), "BJ832970");
  EXPECT_EQ(CanonicalStockCode("0.400266"), "") << "the NEEQ has no canonical form";
  EXPECT_EQ(CanonicalStockCode("1.600812"), "SH600812");
  EXPECT_EQ(CanonicalStockCode("116.09868"), "HK09868");
  EXPECT_EQ(CanonicalStockCode("105.AAPL"), "US.AAPL");
  EXPECT_EQ(CanonicalStockCode("106.BX"), "US.BX");
  EXPECT_EQ(CanonicalStockCode("107.UMAC"), "US.UMAC");
  EXPECT_EQ(CanonicalStockCode("153.SSNGY"), "US.SSNGY");
  // eastmoney writes a share class with '_' (the corpus: 106.BRK_A, 106.BRK_B);
  // ths sends BRK.A: one company, one code.
  EXPECT_EQ(CanonicalStockCode("106.BRK_A"), "US.BRK.A");
  EXPECT_EQ(CanonicalStockCode("106.BRK_B"), CanonicalStockCode("BRK.B", "169"));
  for (const char* none : {"90.BK0458", "1007.BK000060", "201.HK1032", "150.512480", "999.526176", "155.GSK"})
    EXPECT_EQ(CanonicalStockCode(none), "") << none;
}

TEST(StockCode, ThsMarketIds) {
  EXPECT_EQ(CanonicalStockCode("002867", "33"), "SZ002867");
  EXPECT_EQ(CanonicalStockCode("159915", "36"), "SZ159915");
  EXPECT_EQ(CanonicalStockCode("200725", "34"), "SZ200725");
  EXPECT_EQ(CanonicalStockCode("600050", "17"), "SH600050");
  EXPECT_EQ(CanonicalStockCode("588710", "20"), "SH588710");
  EXPECT_EQ(CanonicalStockCode("688033", "22"), "SH688033");
  EXPECT_EQ(CanonicalStockCode("920199", "151"), "BJ920199");
  EXPECT_EQ(CanonicalStockCode("HK0762", "177"), "HK00762");
  EXPECT_EQ(CanonicalStockCode("HK8080", "178"), "HK08080");
  EXPECT_EQ(CanonicalStockCode("AMD", "185"), "US.AMD");
  EXPECT_EQ(CanonicalStockCode("CVX", "169"), "US.CVX");
  EXPECT_EQ(CanonicalStockCode("BRK.A", "169"), "US.BRK.A");
  EXPECT_EQ(CanonicalStockCode("UUUU", "170"), "US.UUUU");
  EXPECT_EQ(CanonicalStockCode("RGTI", "186"), "US.RGTI");
  for (const char* market : {"65", "66", "67", "129", "145", "999"})
    EXPECT_EQ(CanonicalStockCode("ag9999", market), "") << market;
}

TEST(StockCode, CanonicalAndBareFormsAreReadByShape) {
  for (const char* c : {"SZ002670", "SH600812", "BJ920181", "HK00700", "US.CVX"}) EXPECT_EQ(CanonicalStockCode(c), c);
  EXPECT_EQ(CanonicalStockCode("002670"), "SZ002670");
  EXPECT_EQ(CanonicalStockCode("300750"), "SZ300750");
  EXPECT_EQ(CanonicalStockCode("600812"), "SH600812");
  EXPECT_EQ(CanonicalStockCode("920181"), "BJ920181");
  EXPECT_EQ(CanonicalStockCode("700"), "HK00700");
  EXPECT_EQ(CanonicalStockCode("hk0700"), "HK00700");
  EXPECT_EQ(CanonicalStockCode("cvx"), "US.CVX");
  EXPECT_EQ(CanonicalStockCode("us.cvx"), "US.CVX");
  for (const char* bad : {"", "  ", "12.34.56", "xyz!!", "SZ12", "0.ABC", "1234567"})
    EXPECT_EQ(CanonicalStockCode(bad), "") << bad;
}

// A code typed with an IME's full-width characters is the same code; it
// was stored with no canonical code, and `query --stock` refused it.
TEST(StockCode, FullWidthFormsAreTheSameCode) {
  EXPECT_EQ(CanonicalStockCode("００２６７０"), "SZ002670");
  EXPECT_EQ(CanonicalStockCode("ＳＺ００２６７０"), "SZ002670");
  EXPECT_EQ(CanonicalStockCode("\u3000６００８１２\u3000"), "SH600812");
  EXPECT_EQ(CanonicalStockCode("１．６００８１２"), "SH600812");
  EXPECT_EQ(CanonicalStockCode("００２６７０", "３３"), "SZ002670");
  EXPECT_EQ(CanonicalStockCode("中芯国际"), "");  // other text is not folded into a code
  EXPECT_EQ(CanonicalStockCode("\xEF\xBC"), "");   // a cut sequence
}

}  // namespace
}  // namespace newsflow::pipeline
