// headline.cc — see headline.h.
#include "headline.h"

namespace newsflow::cli {

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
