// time_util.cc — see time_util.h.
#include <charconv>
#include "pipeline/decode/time_util.h"

#include <string>

namespace newsflow::pipeline {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string ImplausibleTimeReason(int64_t ms) {
  return "out of range: " + std::to_string(ms) + " ms is not in 1990..2099 (UTC)";
}

bool ParseDateTime(std::string_view s, int tz_minutes, int64_t* out_ms) {
  if (s.size() != 19) return false;
  auto num = [&](size_t pos, size_t len, int* v) {
    int x = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
  };
  int Y, M, D, h, m, sec;
  if (!num(0, 4, &Y) || s[4] != '-' || !num(5, 2, &M) || s[7] != '-' || !num(8, 2, &D) ||
      (s[10] != ' ' && s[10] != 'T') || !num(11, 2, &h) || s[13] != ':' || !num(14, 2, &m) || s[16] != ':' ||
      !num(17, 2, &sec))
    return false;
  if (M < 1 || M > 12 || D < 1 || h > 23 || m > 59 || sec > 60) return false;
  // A day the month does not have (02-30, 06-31) is a wrong time, not the
  // first days of the next month.
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
  if (D > kDays[M - 1] + (M == 2 && leap ? 1 : 0)) return false;
  const int64_t days = DaysFromCivil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D));
  const int64_t local_s = days * 86400 + h * 3600 + m * 60 + sec;
  *out_ms = (local_s - int64_t{tz_minutes} * 60) * 1000;
  return true;
}

bool ParseTimeArg(std::string_view s, int64_t* out_ms) {
  if (!s.empty() && s.back() == 'Z') s.remove_suffix(1);
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos && s.size() > 10) {
    // Out of the int64 range is not a time (std::stoll would throw).
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out_ms);
    return ec == std::errc() && ptr == s.data() + s.size();
  }
  std::string t(s);
  if (t.size() == 10) t += " 00:00:00";
  else if (t.size() == 16) t += ":00";
  return ParseDateTime(t, 0, out_ms);
}

}  // namespace newsflow::pipeline
