// http_message.cc — see http_message.h.
#include "pipeline/http/http_message.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "newsflow/base/closest_ids.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {

HttpResponse HttpResponse::Error(int status, std::string_view message) {
  std::string body = "{\"error\":";
  AppendJsonString(&body, message);
  body += '}';
  return Json(status, std::move(body));
}

HttpResponse HttpResponse::Busy(std::string_view message, int retry_after_s) {
  HttpResponse r = Error(503, message);
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view qs) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!qs.empty()) {
    const size_t amp = qs.find('&');
    const std::string_view part = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view{} : qs.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    out.emplace_back(PercentDecode(part.substr(0, eq), true),
                     eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1), true));
  }
  return out;
}

Status CheckQueryParameters(const HttpRequest& r, std::initializer_list<std::string_view> known,
                            std::initializer_list<std::string_view> repeatable,
                            std::initializer_list<std::string_view> may_be_empty) {
  for (size_t i = 0; i < r.query.size(); ++i) {
    const auto& [name, value] = r.query[i];
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      if (known.size() == 0) return Status::InvalidArgument(fmt::format("unknown parameter '{}' (this takes none)", name));
      const std::vector<std::string> names(known.begin(), known.end());
      return Status::InvalidArgument(fmt::format("unknown parameter '{}' (known: {})", name,
                                                 fmt::join(ClosestIds(name, names, names.size()), ", ")));
    }
    if (value.empty() && std::find(may_be_empty.begin(), may_be_empty.end(), name) == may_be_empty.end())
      return Status::InvalidArgument(fmt::format("parameter '{}' is empty (leave it out for none)", name));
    if (std::find(repeatable.begin(), repeatable.end(), name) != repeatable.end()) continue;
    for (size_t j = 0; j < i; ++j)
      if (r.query[j].first == name)
        return Status::InvalidArgument(fmt::format("parameter '{}' is given twice; it takes one value", name));
  }
  return Status::OK();
}

}  // namespace newsflow::pipeline
