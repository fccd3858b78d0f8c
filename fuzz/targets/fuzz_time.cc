// fuzz_time.cc — arbitrary text through ParseDateTime (feed times, with an
// input-chosen UTC offset) and ParseTimeArg (command-line --since/--until).
// Oracles: a successful ParseDateTime equals glibc timegm() of the same
// civil fields (both proleptic Gregorian; timegm normalizes day 31 of a short
// month and second 60 the same way) minus the offset; ParseTimeArg of a
// date-time agrees with ParseDateTime at offset 0.
#include <ctime>
#include <string>

#include "fuzz_util.h"
#include "pipeline/decode/time_util.h"

namespace {

int Num(std::string_view s, size_t pos, size_t len) {
  int x = 0;
  for (size_t i = pos; i < pos + len; ++i) x = x * 10 + (s[i] - '0');
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return -1;
  newsflow::fuzz::Input in(data, size);
  const uint8_t hi = in.Byte(), lo = in.Byte();
  // Offsets a field map accepts: -14:59 .. +14:59.
  const int tz = static_cast<int>((static_cast<unsigned>(hi) << 8 | lo) % (2 * 899 + 1)) - 899;
  const std::string_view s = in.Rest();

  int64_t ms = 0;
  if (newsflow::pipeline::ParseDateTime(s, tz, &ms)) {
    std::tm tm{};
    tm.tm_year = Num(s, 0, 4) - 1900;
    tm.tm_mon = Num(s, 5, 2) - 1;
    tm.tm_mday = Num(s, 8, 2);
    tm.tm_hour = Num(s, 11, 2);
    tm.tm_min = Num(s, 14, 2);
    tm.tm_sec = Num(s, 17, 2);
    const int64_t want = (static_cast<int64_t>(timegm(&tm)) - int64_t{tz} * 60) * 1000;
    FUZZ_CHECK(ms == want, "ParseDateTime(%.*s, %d) = %lld, timegm says %lld", static_cast<int>(s.size()), s.data(),
               tz, static_cast<long long>(ms), static_cast<long long>(want));
  }

  int64_t arg = 0;
  if (newsflow::pipeline::ParseTimeArg(s, &arg)) {
    std::string_view t = s;
    if (!t.empty() && t.back() == 'Z') t.remove_suffix(1);
    if (t.size() == 19 && t.find_first_not_of("0123456789") != std::string_view::npos) {  // not unix ms
      int64_t dt = 0;
      FUZZ_CHECK(newsflow::pipeline::ParseDateTime(t, 0, &dt) && dt == arg,
                 "ParseTimeArg(%.*s) = %lld disagrees with ParseDateTime", static_cast<int>(s.size()), s.data(),
                 static_cast<long long>(arg));
    }
  }
  return 0;
}
