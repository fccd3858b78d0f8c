// stock_code.cc — see stock_code.h for the rules and the market tables.
#include "pipeline/decode/stock_code.h"

#include <algorithm>
#include <array>

namespace newsflow::pipeline {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsTicker(std::string_view s) {
  if (s.empty() || s.size() > 8 || s.front() == '.' || s.back() == '.') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.'; });
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string A(std::string_view exchange, std::string_view code) {
  return AllDigits(code) && code.size() == 6 ? std::string(exchange) + std::string(code) : std::string();
}

std::string Hk(std::string_view digits) {
  if (!AllDigits(digits) || digits.size() > 5) return {};
  return "HK" + std::string(5 - digits.size(), '0') + std::string(digits);
}

std::string Us(std::string_view ticker) { return IsTicker(ticker) ? "US." + Upper(ticker) : std::string(); }

// A 6-digit mainland code by its number range.
std::string ByRange(std::string_view code) {
  if (!AllDigits(code) || code.size() != 6) return {};
  if (StartsWith(code, "920") || code[0] == '4' || code[0] == '8') return A("BJ", code);
  if (code[0] == '6' || code[0] == '5' || StartsWith(code, "900")) return A("SH", code);
  if (code[0] >= '0' && code[0] <= '3') return A("SZ", code);
  return {};
}

// ths market ids (stockMarket).
std::string FromThs(std::string_view code, std::string_view market) {
  static constexpr std::array<std::string_view, 4> kSh = {"17", "20", "21", "22"};
  static constexpr std::array<std::string_view, 4> kSz = {"33", "34", "36", "37"};
  static constexpr std::array<std::string_view, 4> kUs = {"169", "170", "185", "186"};
  auto in = [&](const auto& set) { return std::find(set.begin(), set.end(), market) != set.end(); };
  if (in(kSh)) return A("SH", code);
  if (in(kSz)) return A("SZ", code);
  if (market == "151") return A("BJ", code);
  if (market == "177" || market == "178") return Hk(StartsWith(Upper(code), "HK") ? code.substr(2) : code);
  if (in(kUs)) return Us(code);
  return {};
}

// eastmoney "M.CODE".
std::string FromEastmoney(std::string_view market, std::string_view code) {
  if (market == "1") return A("SH", code);
  if (market == "0") {
    if (!AllDigits(code) || code.size() != 6) return {};
    if (code[0] >= '0' && code[0] <= '3') return A("SZ", code);
    for (std::string_view p : {"920", "43", "83", "87", "88"})
      if (StartsWith(code, p)) return A("BJ", code);
    return {};
  }
  if (market == "116") return Hk(code);
  if (market == "105" || market == "106" || market == "107" || market == "153") {
    // A share class is written BRK_A here, BRK.A by ths and the exchanges.
    std::string ticker(code);
    std::replace(ticker.begin(), ticker.end(), '_', '.');
    return Us(ticker);
  }
  return {};
}

// Full-width ASCII (U+FF01..U+FF5E, as an IME types "００２６７０") and the
// ideographic space as their ASCII forms; other text as it is.
std::string FoldFullWidth(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    if (b(i) == 0xEF && i + 2 < s.size() && (b(i + 1) == 0xBC || b(i + 1) == 0xBD)) {
      const unsigned cp = 0xF000u | ((b(i + 1) & 0x3Fu) << 6) | (b(i + 2) & 0x3Fu);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        out += static_cast<char>(cp - 0xFF01 + 0x21);
        i += 2;
        continue;
      }
    }
    if (b(i) == 0xE3 && i + 2 < s.size() && b(i + 1) == 0x80 && b(i + 2) == 0x80) {  // U+3000
      out += ' ';
      i += 2;
      continue;
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::string CanonicalStockCode(std::string_view raw_in, std::string_view market_in) {
  // A code typed with an IME's full-width digits is the same code.
  std::string folded_raw, folded_market;
  std::string_view raw = raw_in, market = market_in;
  if (raw.find('\xEF') != std::string_view::npos || raw.find('\xE3') != std::string_view::npos) {
    folded_raw = FoldFullWidth(raw);
    raw = folded_raw;
  }
  if (market.find('\xEF') != std::string_view::npos) {
    folded_market = FoldFullWidth(market);
    market = folded_market;
  }
  while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
  if (raw.empty()) return {};
  if (!market.empty()) return FromThs(raw, market);
  const std::string up = Upper(raw);
  // SZ002670 / sz002670 / SH.. / BJ..: the cls form and the canonical one.
  if (up.size() == 8 && (StartsWith(up, "SZ") || StartsWith(up, "SH") || StartsWith(up, "BJ")) &&
      AllDigits(up.substr(2)))
    return A(up.substr(0, 2), up.substr(2));
  if (StartsWith(up, "HK") && AllDigits(up.substr(2))) return Hk(up.substr(2));
  if (StartsWith(up, "US.")) return Us(up.substr(3));
  if (const size_t dot = up.find('.'); dot != std::string::npos) {
    const std::string_view head = std::string_view(up).substr(0, dot);
    const std::string_view tail = std::string_view(up).substr(dot + 1);
    if (AllDigits(head)) {
      if (tail == "SZ" || tail == "SH" || tail == "BJ") return A(tail, head);  // 920181.BJ
      if (tail == "HK") return Hk(head);                                       // 00700.HK
      return FromEastmoney(head, raw.substr(dot + 1));                         // 1.600812, 105.CVX
    }
  }
  if (AllDigits(up)) return up.size() == 6 ? ByRange(up) : Hk(up);
  return Us(up);
}

}  // namespace newsflow::pipeline
