// stock_code.h — one canonical form for the stock codes the feeds send in
// three shapes (cls `sz002670`, eastmoney `1.600812`, ths `CVX` + market id).
//
// Canonical form: the exchange, then the exchange's own code.
//   SZ002670  SH600812  BJ920181   A shares, B shares, ETFs (6 digits)
//   HK00700                        Hong Kong (5 digits, zero-padded)
//   US.CVX                         US listings, any of NYSE/NASDAQ/AMEX/OTC (ticker upper-cased)
// A raw code of any other market (futures, boards and sector indexes, funds
// outside the exchanges, the NEEQ, London ...) has no canonical form ("").
//
// Mapping, from what the shared corpora hold (2026-05..07):
//   cls        `sz002670` `sh600812` (any case) -> SZ/SH + code; `920181.BJ` (code.EXCHANGE:
//              SZ SH BJ HK) -> BJ920181
//   eastmoney  `M.CODE`: 0 -> SZ (codes 0/1/2/3xxxxx) or BJ (920xxx, 43/83/87/88xxxx; 40xxxx is
//              the NEEQ: none), 1 -> SH, 116 -> HK, 105 (NASDAQ) 106 (NYSE) 107 (AMEX) 153 (US OTC)
//              -> US (a share class `106.BRK_A` -> US.BRK.A, as ths and the exchange write it);
//              90/1007/201 (boards), 150 (funds), 155/156 (London/other), 999: none
//   ths        stockCode + stockMarket: 17 20 21 22 -> SH (A, ETF, delisting, ST), 33 34 36 37 -> SZ
//              (A, B, ETF, delisting), 151 -> BJ, 177 178 -> HK (`HK0762` -> HK00762),
//              169 170 185 186 -> US; 65 66 67 129 (futures), 145 (NEEQ): none
//   any feed without a market (and `query --stock`): the canonical form itself, or a bare code by
//              its shape: 6 digits starting 6/5/900 -> SH, 0/1/2/3 -> SZ, 920/4/8 -> BJ;
//              1-5 digits, or HK + digits -> HK; letters (and '.') -> US.
//
// Pure functions of their arguments; thread-safe; no errors (unknown = "").
#pragma once

#include <string>
#include <string_view>

namespace newsflow::pipeline {

// The canonical code of `raw`, a feed's code, with `market` the feed's
// market id where it sends one separately (ths), else empty. "" if none.
std::string CanonicalStockCode(std::string_view raw, std::string_view market = {});

}  // namespace newsflow::pipeline
