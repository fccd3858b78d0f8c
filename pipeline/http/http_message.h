// http_message.h — a parsed HTTP request and the response a handler gives,
// free of the transport (http_server.cc turns them into Beast messages), so
// the API is testable without sockets.
//
// Ownership: plain values. Threads: none of their own. Errors: none.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // decoded path, without the query: "/api/doc/cls:1"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order (repeatable names)
  std::string body;
  std::string last_event_id;  // the Last-Event-ID header (SSE reconnects)
  std::string if_match;       // the If-Match header as sent ("\"ETAG\"", "*"), for optimistic edits
  std::string if_none_match;  // the If-None-Match header as sent ("*": create only)

  // Every value of a query parameter, in order.
  std::vector<std::string> All(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : query)
      if (k == name) out.push_back(v);
    return out;
  }
  // The last value of a query parameter, or "" when absent.
  std::string Get(std::string_view name) const {
    std::string out;
    for (const auto& [k, v] : query)
      if (k == name) out = v;
    return out;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, Cache-Control, ...)

  static HttpResponse Json(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // {"error": message} with `status`.
  static HttpResponse Error(int status, std::string_view message);
  // 503 {"error": message} with Retry-After: `retry_after_s`.
  static HttpResponse Busy(std::string_view message, int retry_after_s);
};

// InvalidArgument for a query parameter not in `known` (a typo would
// otherwise widen the answer: `?tags=` listed the whole store), one given
// empty (a filter would list everything, as the CLI refuses an empty
// filter; `limit=` or `collapse=` would quietly be the default), or one not
// in `repeatable` given twice (the CLI refuses a second --since: taking
// either value would answer another question than the one asked).
// `may_be_empty`: those whose empty value means the same as leaving them out.
Status CheckQueryParameters(const HttpRequest& r, std::initializer_list<std::string_view> known,
                            std::initializer_list<std::string_view> repeatable,
                            std::initializer_list<std::string_view> may_be_empty = {});

// Splits "a=1&b=%E5%8D%8A" into decoded pairs ('+' is a space). Malformed
// escapes are kept as they are.
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view qs);
// Percent-decodes a path or query component.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace newsflow::pipeline
