// rotated_name.cc — see rotated_name.h.
#include "pipeline/source/rotated_name.h"

#include <utility>

namespace newsflow::pipeline {
namespace {

bool IsSeparator(char c) { return c == '.' || c == '-' || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// ".1", "-20261201", ".2026-12-01", "-20261201-1764547200".
bool IsGenerationSuffix(std::string_view s) {
  if (s.size() < 2 || !IsSeparator(s[0]) || !IsDigit(s[1])) return false;
  for (const char c : s.substr(2))
    if (!IsDigit(c) && !IsSeparator(c)) return false;
  return !IsSeparator(s.back());
}

// "12" -> 12; anything but 1-9 digits -> 0.
uint64_t Number(std::string_view d) {
  if (d.empty() || d.size() > 9) return 0;
  uint64_t n = 0;
  for (const char c : d) {
    if (!IsDigit(c)) return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// `name` split at its extension's dot ("feed", ".jsonl"); no extension: (name, "").
std::pair<std::string_view, std::string_view> StemAndExtension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {name, {}};
  return {name.substr(0, dot), name.substr(dot)};
}

}  // namespace

uint64_t RotationNumber(std::string_view name, std::string_view candidate) {
  if (name.empty() || candidate.size() <= name.size() + 1) return 0;
  if (candidate.substr(0, name.size()) == name && candidate[name.size()] == '.')
    return Number(candidate.substr(name.size() + 1));
  const auto [stem, ext] = StemAndExtension(name);
  if (ext.empty() || candidate.substr(0, stem.size()) != stem || candidate[stem.size()] != '.' ||
      candidate.substr(candidate.size() - ext.size()) != ext)
    return 0;
  return Number(candidate.substr(stem.size() + 1, candidate.size() - stem.size() - 1 - ext.size()));
}

bool IsRotatedName(std::string_view name, std::string_view candidate) {
  if (name.empty() || candidate.size() <= name.size()) return false;
  if (candidate.substr(0, name.size()) == name && IsGenerationSuffix(candidate.substr(name.size()))) return true;
  // logrotate's `extension`: the suffix goes before the extension.
  const auto [stem, ext] = StemAndExtension(name);
  if (ext.empty()) return false;
  if (candidate.substr(0, stem.size()) != stem || candidate.substr(candidate.size() - ext.size()) != ext)
    return false;
  // Only a number after '.' or a date: `feed-2.jsonl` and `feed_eu.jsonl`
  // beside `feed.jsonl` are other feeds more often than its rotations.
  const std::string_view suffix = candidate.substr(stem.size(), candidate.size() - stem.size() - ext.size());
  if (!IsGenerationSuffix(suffix)) return false;
  size_t digits = 0;
  for (const char c : suffix) digits += IsDigit(c);
  return (suffix[0] == '.' && digits == suffix.size() - 1) || digits >= 8;
}

}  // namespace newsflow::pipeline
