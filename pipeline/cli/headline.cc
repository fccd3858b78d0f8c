// headline.cc — see headline.h.
#include "headline.h"

namespace newsflow::cli {

std::string_view Utf8Prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;  // s[n] is the first byte left out: a continuation byte splits a character
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string Headline(std::string_view title, std::string_view body) {
  if (!title.empty()) return std::string(title);
  if (body.empty()) return {};
  std::string out;
  bool in_tag = false;
  for (char c : body) {
    if (c == '<') in_tag = true;
    else if (c == '>') in_tag = false;
    else if (!in_tag) out += (c == '\n' || c == '\r') ? ' ' : c;
    if (out.size() >= 90) break;
  }
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  return out + "…";
}

}  // namespace newsflow::cli
