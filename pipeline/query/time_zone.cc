// time_zone.cc — see time_zone.h.
#include "pipeline/query/time_zone.h"

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>

#include "pipeline/decode/time_util.h"

namespace newsflow::pipeline {
namespace {

std::mutex& TzMutex() {
  static std::mutex mu;
  return mu;
}

// Points the C library at `zone` (caller holds TzMutex).
void UseZone(const std::string& zone) {
  static std::string current;  // guarded by TzMutex
  if (current == zone) return;
  const std::string tz = ":" + zone;
  setenv("TZ", tz.c_str(), 1);
  tzset();
  current = zone;
}

// A zone id names a file under the database directory, starting "TZif".
bool IsZoneFile(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos ||
      name.find('\0') != std::string_view::npos)
    return false;
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == "TZif";
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Status TimeZone::Load(std::string_view name, TimeZone* out) {
  if (!IsZoneFile(name)) {
    return Status::InvalidArgument(fmt::format(
        "unknown time zone '{}' (an IANA zone id of the tz database, e.g. Asia/Shanghai, UTC, Europe/London)",
        name));
  }
  out->name_ = std::string(name);
  return Status::OK();
}

Status DisplayZone(std::string_view flag, TimeZone* out) {
  if (!flag.empty()) return TimeZone::Load(flag, out);
  const char* env = std::getenv("NEWSFLOW_TZ");
  if (env != nullptr && *env != '\0') {
    Status s = TimeZone::Load(env, out);
    if (!s.ok()) return Status::InvalidArgument("NEWSFLOW_TZ: " + s.message());
    return s;
  }
  return TimeZone::Load(kDefaultDisplayZone, out);
}

CivilTime TimeZone::ToCivil(int64_t utc_ms) const {
  const std::time_t secs = static_cast<std::time_t>(FloorDiv(utc_ms, 1000));
  std::tm tm{};
  {
    std::lock_guard lock(TzMutex());
    UseZone(name_);
    localtime_r(&secs, &tm);
  }
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

int64_t TimeZone::OffsetSecondsAt(int64_t utc_ms) const {
  const CivilTime c = ToCivil(utc_ms);
  const int64_t local_s = DaysFromCivil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day)) * 86400 +
                          c.hour * 3600 + c.minute * 60 + c.second;
  return local_s - FloorDiv(utc_ms, 1000);
}

int64_t TimeZone::FromCivil(const CivilTime& t) const {
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  tm.tm_isdst = -1;
  std::time_t secs;
  {
    std::lock_guard lock(TzMutex());
    UseZone(name_);
    secs = std::mktime(&tm);
  }
  return static_cast<int64_t>(secs) * 1000;
}

std::string TimeZone::FormatOffset(int64_t utc_ms) const {
  const int64_t off = OffsetSecondsAt(utc_ms);
  const int64_t a = off < 0 ? -off : off;
  return fmt::format("{}{:02d}:{:02d}", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

std::string TimeZone::Format(int64_t utc_ms) const {
  const CivilTime c = ToCivil(utc_ms);
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d} {}", c.year, c.month, c.day, c.hour, c.minute,
                     c.second, FormatOffset(utc_ms));
}

}  // namespace newsflow::pipeline
