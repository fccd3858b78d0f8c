// http_server.cc — see http_server.h. One Session per connection: /health,
// /ready and /metrics are answered on the socket thread; other requests go
// to the bounded worker queue and back; /api/alerts/stream turns the
// connection into an SSE stream fed by the AlertFeed.
#include "pipeline/http/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <charconv>
#include <chrono>
#include <thread>
#include <vector>

#include "newsflow/base/thread_name.h"
#include "pipeline/http/work_queue.h"
#include "pipeline/log/logger.h"

namespace newsflow::pipeline {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto kHeadTimeout = std::chrono::seconds(30);
constexpr auto kKeepalive = std::chrono::seconds(15);
// The keepalive period once a stream's client shut down its sending side.
constexpr auto kHalfCloseProbe = std::chrono::seconds(1);
// A PUT's subscription or a POST's empty body; no other method has one.
constexpr size_t kMaxBody = size_t{256} << 10;
// A request's line and headers: Beast's default is 8 KiB, which the desk's
// own URLs pass with ~170 long subscription names, and a few large cookies
// of other local apps too.
constexpr size_t kMaxHead = size_t{64} << 10;
constexpr size_t kFramesPerRead = 256;
constexpr size_t kStreamWriteChunk = 64 * 1024;  // bytes per write of a stream, each with its own deadline

// For an absolute-form target ("http://host:8080/api/query?x"), where its
// path starts ("/api/query?x"; the end if it has none); npos otherwise.
size_t AbsoluteFormPath(std::string_view target) {
  auto starts = [&](std::string_view scheme) {
    return target.size() >= scheme.size() &&
           beast::iequals(beast::string_view(target.data(), scheme.size()), beast::string_view(scheme.data(), scheme.size()));
  };
  size_t scheme = 0;
  if (starts("http://")) scheme = 7;
  else if (starts("https://")) scheme = 8;
  else return std::string_view::npos;
  const size_t path = target.find_first_of("/?", scheme);
  return path == std::string_view::npos ? target.size() : path;
}

// The authority a request names: an absolute-form target's (which a server
// must take over the Host header, RFC 9112 3.2.2), else the Host header's.
std::string_view RequestAuthority(std::string_view target, std::string_view host_header) {
  const size_t path = AbsoluteFormPath(target);
  if (path == std::string_view::npos) return host_header;
  const size_t start = target.find("//") + 2;
  return target.substr(start, path - start);
}

// The path of a request target, absolute-form or not ("/" if it has none).
std::string_view RequestPath(std::string_view target) {
  if (const size_t at = AbsoluteFormPath(target); at != std::string_view::npos) target.remove_prefix(at);
  target = target.substr(0, target.find('?'));
  return target.empty() ? std::string_view("/") : target;
}

HttpRequest ToRequest(const http::request<http::string_body>& req) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  std::string_view target(req.target().data(), req.target().size());
  if (const size_t at = AbsoluteFormPath(target); at != std::string_view::npos) target.remove_prefix(at);
  const size_t q = target.find('?');
  r.path = PercentDecode(RequestPath(target), false);
  if (q != std::string_view::npos) r.query = ParseQueryString(target.substr(q + 1));
  r.body = req.body();
  if (auto it = req.find("Last-Event-ID"); it != req.end()) r.last_event_id = std::string(it->value());
  if (auto it = req.find(http::field::if_match); it != req.end()) r.if_match = std::string(it->value());
  if (auto it = req.find(http::field::if_none_match); it != req.end()) r.if_none_match = std::string(it->value());
  return r;
}

// `text` with its ASCII letters in lower case (host names, schemes).
std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The name of a Host value ("Desk.Example.:8080" -> "desk.example",
// "[::1]:80" -> "::1"), lower case, without its port and a final dot; ""
// for a malformed one.
std::string HostName(std::string_view host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    const size_t close = name.find(']');
    if (close == std::string_view::npos) return "";
    name = name.substr(1, close - 1);
  } else if (const size_t colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(0, colon);
  }
  std::string lower = AsciiLower(name);
  if (!lower.empty() && lower.back() == '.' && lower.find(':') == std::string::npos) lower.pop_back();
  return lower;
}

// Whether an authority is uri-host [":" port] (RFC 3986 3.2.2-3.2.3): an
// IP literal in brackets, or a reg-name of unreserved, sub-delims and
// percent-encoded characters; the port, digits (at most 5). "localhost:abc@evil"
// or "a b" are not, and must not be taken for the name before a ':'.
bool WellFormedAuthority(std::string_view authority) {
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (const char c : host.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
      has_port = true;
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (host.empty()) return false;
    for (const char c : host) {
      const bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                      std::string_view("-._~!$&'()*+,;=%").find(c) != std::string_view::npos;
      if (!ok) return false;
    }
  }
  if (has_port) {
    if (port.size() > 5) return false;
    for (const char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Whether a request's Host header names a loopback address ("localhost",
// 127.x.x.x, [::1], with any port), or is absent (HTTP/1.0). A server bound
// to loopback answers only those: a web page whose name an attacker
// rebinds to 127.0.0.1 (DNS rebinding) sends its own name as Host, and
// could otherwise read the store and add or delete a desk's subscriptions.
bool LoopbackHost(std::string_view host) {
  if (host.empty()) return true;
  const std::string name = HostName(host);
  if (name == "localhost") return true;
  beast::error_code ec;
  const auto address = net::ip::make_address(name, ec);
  return !ec && address.is_loopback();
}

// This machine's names, lower case: its host name, the part before the
// first dot of that, and the canonical name the resolver gives for it
// ("desk01", "desk01.floor.example"). Each is matched whole.
std::vector<std::string> MachineNames() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return {};
  std::vector<std::string> out{HostName(buf)};
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* info = nullptr;
  if (::getaddrinfo(buf, nullptr, &hints, &info) == 0) {
    if (info != nullptr && info->ai_canonname != nullptr) out.push_back(HostName(info->ai_canonname));
    ::freeaddrinfo(info);
  }
  for (size_t i = 0, n = out.size(); i < n; ++i)
    if (const size_t dot = out[i].find('.'); dot != std::string::npos && dot > 0) out.push_back(out[i].substr(0, dot));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The port of an authority ("desk:8443" -> "8443", "[::1]:80" -> "80"), or
// nullopt if it gives none ("desk", "[::1]").
std::optional<std::string> PortOf(std::string_view authority) {
  const size_t bracket = authority.rfind(']');
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) return std::nullopt;
  return std::string(authority.substr(colon + 1));
}

// Whether `name` (a HostName) is one of `names` (by their names, ports
// aside); "*" among them: any.
bool Listed(const std::string& name, const std::vector<std::string>& names, bool star) {
  for (const std::string& n : names)
    if ((star && n == "*") || HostName(n) == name) return true;
  return false;
}

// Whether a server listening off loopback answers a request whose Host is
// `host`: an IP address (a browser sends a name it resolved, never an
// address an attacker's DNS chose), localhost, this machine's names, or
// one the operator allowed.
bool AllowedHost(std::string_view host, const std::vector<std::string>& machine,
                 const std::vector<std::string>& allowed) {
  const std::string name = HostName(host);
  if (name.empty()) return false;
  beast::error_code ec;
  net::ip::make_address(name, ec);
  if (!ec || name == "localhost") return true;
  return Listed(name, machine, false) || Listed(name, allowed, true);
}

// A request that changes something (not GET, HEAD or OPTIONS) sent by a
// browser page of another origin. A browser that says where the request
// comes from (Sec-Fetch-Site, which no page can set) is believed: only
// same-origin and none (typed, a bookmark) pass. Otherwise (Chromium sends
// no Sec-Fetch-Site over plain HTTP to a name other than localhost) its
// Origin must be this server as the request names it, or a name given with
// --allow-host on that name's port (a reverse proxy sends the upstream's
// address as Host, the browser its public name as Origin); "null" (a
// sandboxed or opaque origin) never passes. Tools (curl, scripts) send
// neither header.
bool CrossOriginChange(const http::request<http::string_body>& req, std::string_view authority,
                       const std::vector<std::string>& allowed) {
  const http::verb m = req.method();
  if (m == http::verb::get || m == http::verb::head || m == http::verb::options) return false;
  if (auto site = req.find("Sec-Fetch-Site"); site != req.end())
    return !beast::iequals(site->value(), "same-origin") && !beast::iequals(site->value(), "none");
  const auto origin = req.find(http::field::origin);
  if (origin == req.end()) return false;
  std::string_view o(origin->value().data(), origin->value().size());
  const size_t sep = o.find("://");
  if (sep == std::string_view::npos) return true;  // "null", or not an origin
  const std::string scheme = AsciiLower(o.substr(0, sep));
  std::string origin_authority = AsciiLower(o.substr(sep + 3));
  std::string request_authority = AsciiLower(authority);
  // The default port may be written or left out on either side.
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  for (std::string* a : {&origin_authority, &request_authority})
    if (a->size() > default_port.size() && a->ends_with(default_port)) a->resize(a->size() - default_port.size());
  if (origin_authority == request_authority) return false;
  // An allowed name ("desk.example.com", or with a port) names an origin on
  // that port only, its scheme's default if none: another service on the
  // proxy's host (http://desk.example.com:8450) is another origin.
  const std::string origin_name = HostName(origin_authority);
  const std::string origin_port = PortOf(origin_authority).value_or(default_port.substr(1));
  for (const std::string& a : allowed) {
    if (a == "*") continue;  // "*" allows Host names, not origins
    if (HostName(a) == origin_name && PortOf(a).value_or(default_port.substr(1)) == origin_port) return false;
  }
  return true;
}

// On every answer: no content sniffing, no framing by another site's page
// (clickjacking the desk's Delete), and the desk's files may load and
// connect to this origin only (its icon is a data: URL).
template <class Message>
void SetSecurityHeaders(Message& msg) {
  msg.set("X-Content-Type-Options", "nosniff");
  msg.set("X-Frame-Options", "DENY");
  msg.set("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

// Endpoints that read no store and take microseconds: answered on the
// socket thread, never queued behind the store's readers, so a probe gets
// its answer however busy the workers are.
bool AnsweredInline(const std::string& path) { return path == "/health" || path == "/ready" || path == "/metrics"; }

}  // namespace

struct HttpServer::Impl {
  Impl(const DeskApi* api, AlertFeed* feed, Metrics* metrics) : api(api), feed(feed), metrics(metrics) {}
  const DeskApi* api;
  AlertFeed* feed;
  Metrics* metrics;
  HttpServerOptions options;
  bool loopback_only = false;  // bound to a loopback address: requests must name one as Host (LoopbackHost)
  std::vector<std::string> allowed_hosts;  // options.allowed_hosts as host names ("*" kept)
  std::vector<std::string> machine_names;  // off loopback: this machine's names (MachineNames)
  // What each client address holds. Declared before ioc: a session still
  // queued in it when the server goes (an open alert stream at Stop) counts
  // itself out here as the context is destroyed.
  struct ClientCount {
    size_t connections = 0, streams = 0;
  };
  std::mutex clients_mu;
  std::map<std::string, ClientCount> clients;
  size_t connections = 0;  // sessions alive (under clients_mu)
  // Whether a connection from `client` may be served (counted if so): under
  // max_connections, and off loopback under a quarter of it per address.
  bool Admit(const std::string& client);
  size_t PerClientConnections() const { return std::max<size_t>(1, options.max_connections / 4); }
  void Release(const std::string& client, bool stream);
  net::io_context ioc;
  std::unique_ptr<WorkQueue> workers;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  net::steady_timer accept_retry{ioc};
  std::chrono::steady_clock::time_point last_accept_warning{};

  void Accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `client`: the peer's address, already counted by Impl::Admit.
  Session(tcp::socket socket, HttpServer::Impl* server, std::string client)
      : stream_(std::move(socket)), server_(server), client_(std::move(client)) {}
  ~Session() {
    server_->Release(client_, counted_stream_);
    if (!holds_stream_slot_) return;
    server_->metrics->sse_streams.fetch_sub(1, std::memory_order_relaxed);
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }

 private:
  // ---- plain requests ------------------------------------------------------------------
  // The head first: a request refused by its head (RefusedHead) is answered
  // before its body is read; a client that asked (Expect: 100-continue) is
  // told to send the body.
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(kMaxBody);
    parser_->header_limit(static_cast<std::uint32_t>(kMaxHead));
    stream_.expires_after(kHeadTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    const auto& req = parser_->get();
    if (std::optional<HttpResponse> refused = RefusedHead(req)) {
      drain_before_close_ = !parser_->is_done();
      return Write(std::move(*refused), false, req.method() == http::verb::head);
    }
    if (parser_->is_done()) return OnRead(ec);
    if (req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      return http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code wec, size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  // The answer to a request that its head alone refuses, or nullopt.
  std::optional<HttpResponse> RefusedHead(const http::request<http::string_body>& req) const {
    const auto hosts = req.equal_range(http::field::host);
    const auto host_count = std::distance(hosts.first, hosts.second);
    if (host_count > 1) return HttpResponse::Error(400, "more than one Host header");
    if (host_count == 0 && req.version() >= 11)
      return HttpResponse::Error(400, "an HTTP/1.1 request must name the server in a Host header");
    const std::string_view host_header =
        host_count == 0 ? std::string_view() : std::string_view(hosts.first->value().data(), hosts.first->value().size());
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view authority = RequestAuthority(target, host_header);
    if (authority.empty() && req.version() >= 11)
      return HttpResponse::Error(400, "an HTTP/1.1 request must name the server (an empty Host)");
    // (HTTP/1.0 without Host: a tool; no browser sends one.)
    if (!authority.empty() && !WellFormedAuthority(authority))
      return HttpResponse::Error(400, "a malformed Host: a name or an address, and a port of digits if any");
    const bool named = authority.empty() || Listed(HostName(authority), server_->allowed_hosts, true);
    if (server_->loopback_only && !named && !LoopbackHost(authority))
      return HttpResponse::Error(403, fmt::format("Host '{}' is not this server's name: it listens on loopback and "
                                                  "answers localhost, 127.0.0.1, [::1] and the names allowed "
                                                  "(serve --allow-host, run --http-allow-host) only",
                                                  authority));
    // Off loopback the probes answer any name (a scraper may address
    // /metrics by a name of its own); they read nothing of the store.
    if (!server_->loopback_only && !named && !AllowedHost(authority, server_->machine_names, server_->allowed_hosts) &&
        !AnsweredInline(std::string(RequestPath(target))))
      return HttpResponse::Error(403, fmt::format("Host '{}' is not a name this server answers: an IP address, this "
                                                  "machine's name, or one allowed (serve --allow-host, run "
                                                  "--http-allow-host)",
                                                  authority));
    if (CrossOriginChange(req, authority, server_->allowed_hosts))
      return HttpResponse::Error(403, "a change requested by a web page of another origin is refused");
    if (const auto te = req.find(http::field::transfer_encoding); te != req.end()) {
      std::string codings;
      for (const auto& f : req)
        if (f.name() == http::field::transfer_encoding) codings += (codings.empty() ? "" : ",") + std::string(f.value());
      std::string bare;
      for (char c : codings)
        if (c != ' ' && c != '\t') bare += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (bare != "chunked") {
        if (bare.find("chunked") != std::string::npos)
          return HttpResponse::Error(400, "chunked must be the only transfer coding, and the last");
        return HttpResponse::Error(501, fmt::format("transfer coding '{}' is not supported (chunked only)", codings));
      }
    }
    const bool carries_body = req.chunked() || parser_->content_length().value_or(0) > 0;
    if (carries_body && req.method() != http::verb::put && req.method() != http::verb::post)
      return HttpResponse::Error(400, fmt::format("a {} request carries no body (only PUT and POST do)",
                                                  std::string_view(req.method_string().data(), req.method_string().size())));
    return std::nullopt;
  }

  void OnRead(beast::error_code ec) {
    // Refused before the request was read to its end: the rest is drained
    // after the answer (Close), or the client would see a reset instead.
    if (ec == http::error::body_limit) {
      HttpResponse res = HttpResponse::Error(413, fmt::format("the body is larger than {} bytes", kMaxBody));
      drain_before_close_ = true;
      return Write(std::move(res), false, false);
    }
    if (ec == http::error::header_limit) {
      HttpResponse res =
          HttpResponse::Error(431, fmt::format("the request line and headers are larger than {} bytes", kMaxHead));
      drain_before_close_ = true;
      return Write(std::move(res), false, false);
    }
    // A request Beast could not parse gets a reason; the client may be a
    // script that would otherwise see only a closed connection.
    if (ec && ec.category() == beast::http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      drain_before_close_ = true;
      return Write(HttpResponse::Error(400, "malformed request: " + ec.message()), false, false);
    }
    if (ec) return Close();  // end of stream, timeout, reset
    http::request<http::string_body> req = parser_->release();
    HttpRequest r = ToRequest(req);
    const bool keep_alive = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    if (r.path == "/api/alerts/stream") return StartStream(r, head);
    if (AnsweredInline(r.path)) return Write(server_->api->Handle(r), keep_alive, head);
    stream_.expires_never();
    // The handler may read RocksDB for a while: on a worker, not on the
    // socket thread. Nothing else touches the socket until it is done.
    auto self = shared_from_this();
    WorkQueue::Job job;
    job.client = client_;
    job.abandoned = [self] {
      if (!self->ClientGone()) return false;
      self->server_->metrics->http_abandoned.fetch_add(1, std::memory_order_relaxed);
      net::post(self->stream_.get_executor(), [self] { self->Close(); });  // the socket is the socket thread's
      return true;
    };
    job.run = [self, r = std::move(r), keep_alive, head] {
      HttpResponse res = self->server_->api->Handle(r);
      net::post(self->stream_.get_executor(), [self, res = std::move(res), keep_alive, head]() mutable {
        self->Write(std::move(res), keep_alive, head);
      });
    };
    if (!server_->workers->TryPost(std::move(job))) {
      return Write(HttpResponse::Busy(fmt::format("busy: {} requests are waiting already (at most {} from one "
                                                  "address off loopback); retry shortly",
                                                  server_->workers->capacity(), server_->workers->per_client()),
                                      1),
                   false, head);
    }
  }

  // Whether the client closed its connection (or it was reset) while its
  // request waited: its answer would go nowhere. A peek, from a worker:
  // no asynchronous operation is pending on the socket meanwhile. A client
  // that shut down only its sending side counts as gone too (as nginx
  // takes it), since HTTP clients keep the connection open for the answer.
  bool ClientGone() {
    char c;
    const ssize_t n = ::recv(stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }

  void Write(HttpResponse res, bool keep_alive, bool head) {
    server_->metrics->CountHttpRequest(res.status);
    auto msg = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), 11);
    msg->set(http::field::server, "newsflow");
    SetSecurityHeaders(*msg);
    msg->set(http::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) msg->set(k, v);
    msg->keep_alive(keep_alive);
    const size_t length = res.body.size();
    if (!head) msg->body() = std::move(res.body);
    msg->content_length(length);
    stream_.expires_after(kHeadTimeout);
    http::async_write(stream_, *msg, [self = shared_from_this(), msg, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->Close();
      self->ReadRequest();
    });
  }

  void Close() {
    beast::error_code ignored;
    if (drain_before_close_) {  // the answer is sent: read what the client still sends, then close
      drain_before_close_ = false;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.expires_after(std::chrono::seconds(2));
      return Drain();
    }
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    keepalive_.reset();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_buf_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();  // the client's end, a reset or the 2 s limit
      self->Drain();
    });
  }

  // ---- the alert stream (SSE) ------------------------------------------------------------
  // HEAD answers the stream's head (200, text/event-stream) and no body.
  void StartStream(const HttpRequest& r, bool head_only) {
    if (r.method != "GET" && r.method != "HEAD") {
      HttpResponse res = HttpResponse::Error(405, "the alert stream is GET (or HEAD) only");
      res.headers.emplace_back("Allow", "GET, HEAD");
      return Write(std::move(res), false, false);
    }
    // A typo (`subscriptions=`, `lastEventId=`) would stream every
    // subscription, or from the newest alert: refused, as GET /api/alerts
    // does. An empty resume point is none (from the newest alert).
    if (Status s = CheckQueryParameters(r, {"subscription", "not_subscription", "last_event_id", "after_seq"},
                                        {"subscription", "not_subscription"}, {"last_event_id", "after_seq"});
        !s.ok())
      return Write(HttpResponse::Error(400, s.message()), false, head_only);
    // A slot, until the session is destroyed; none left: 503, before any read of the store.
    holds_stream_slot_ = true;
    // (The gauge is the count of slots: newsflow_sse_streams.)
    if (const size_t max = server_->options.max_streams;
        static_cast<size_t>(server_->metrics->sse_streams.fetch_add(1, std::memory_order_relaxed)) >= max)
      return Write(HttpResponse::Busy(fmt::format("{} alert streams are open already; retry later", max), 5), false,
                   head_only);
    // Off loopback, one client address holds at most its share of the
    // slots: a script opening streams in a loop from one address does not
    // lock every desk out. (A loopback listener's clients are all this
    // machine, a local proxy's desks too: no share. A proxy in front of a
    // listener off loopback needs max_streams_per_client 0.)
    if (const size_t cap = server_->options.max_streams_per_client; cap > 0 && !server_->loopback_only) {
      std::lock_guard lock(server_->clients_mu);
      size_t& open = server_->clients[client_].streams;
      if (open >= cap)
        return Write(HttpResponse::Busy(fmt::format("{} alert streams are open from {} already; retry later", cap,
                                                    client_),
                                        5),
                     false, head_only);
      ++open;
      counted_stream_ = true;
    }
    SubscriptionFilter subscriptions;
    if (Status s = SubscriptionFilterOf(r, &subscriptions); !s.ok())
      return Write(HttpResponse::Error(400, s.message()), false, head_only);
    if (Status s = server_->api->CheckSubscriptionNames(
            subscriptions.exclude ? std::vector<std::string>() : subscriptions.names,
            [feed = server_->feed] { return feed->RecentSubscriptions(); });
        !s.ok())
      return Write(HttpResponse::Error(400, s.message()), false, head_only);
    std::string last_id = r.last_event_id.empty() ? r.Get("last_event_id") : r.last_event_id;
    std::string note;
    const Status s = server_->feed->StartCursor(last_id, r.Get("after_seq"), subscriptions, &cursor_, &note);
    if (!s.ok()) {
      const int code = s.IsInvalidArgument() ? 400 : s.code() == Status::Code::kUnavailable ? 503 : 500;
      return Write(HttpResponse::Error(code, s.message()), false, head_only);
    }
    server_->metrics->CountHttpRequest(200);
    stream_.expires_never();
    auto head = std::make_shared<http::response<http::empty_body>>(http::status::ok, 11);
    head->set(http::field::server, "newsflow");
    SetSecurityHeaders(*head);
    head->set(http::field::content_type, "text/event-stream; charset=utf-8");
    head->set(http::field::cache_control, "no-cache");
    head->set("X-Accel-Buffering", "no");
    head->keep_alive(false);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    if (head_only) {
      return http::async_write_header(stream_, *sr, [self = shared_from_this(), head, sr](beast::error_code, size_t) {
        self->Close();
      });
    }
    // The first bytes: a retry hint, and a note when the resume point was not found.
    out_ = "retry: 2000\n";
    if (!note.empty()) out_ += ": " + note + "\n";
    out_ += "\n";
    http::async_write_header(stream_, *sr, [self = shared_from_this(), head, sr](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->streaming_ = true;
      self->write_deadline_.emplace(self->stream_.get_executor());
      self->WatchClose();
      self->ArmKeepalive(kKeepalive);
      self->Pump();
    });
  }

  // A read on the stream completes when the client closes it (or sends
  // bytes it should not). A reset ends the session at once, without
  // waiting for the next write to fail. An end of stream may be a client
  // that shut down only its sending side and still reads: the stream goes
  // on until a write fails. Only a write tells the two apart (a client
  // gone answers it with a reset, and the write after fails), so from then
  // on a keepalive goes out every second, the first at once: a client that
  // closed, or closes later, is let go within about two.
  void WatchClose() {
    stream_.socket().async_read_some(net::buffer(sink_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec == net::error::eof && self->streaming_) {
        self->half_closed_ = true;
        self->out_ += ": keepalive\n\n";
        self->Flush();
        return self->ArmKeepalive(kHalfCloseProbe);
      }
      if (ec) return self->EndStream();
      self->WatchClose();
    });
  }

  void EndStream() {
    if (!streaming_) return;
    streaming_ = false;
    if (write_deadline_) write_deadline_->cancel();
    Close();
  }

  void ArmKeepalive(std::chrono::steady_clock::duration after) {
    keepalive_.emplace(stream_.get_executor());  // replaces (and so cancels) the one armed before
    keepalive_->expires_after(after);
    keepalive_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->streaming_) return;
      self->out_ += ": keepalive\n\n";
      self->Flush();
      self->ArmKeepalive(self->half_closed_ ? kHalfCloseProbe : kKeepalive);
    });
  }

  // Reads the alerts after the cursor into out_ and writes them; when none
  // are left, waits for the feed.
  void Pump() {
    if (!streaming_) return;
    bool more = false;
    if (Status s = server_->feed->ReadFrames(&cursor_, kFramesPerRead, &out_, &more); !s.ok()) {
      LogWarn("http", "alert stream: " + s.message());
      return EndStream();
    }
    pump_again_ = more;
    if (!out_.empty()) return Flush();
    if (more) {
      net::post(stream_.get_executor(), [self = shared_from_this()] { self->Pump(); });
      return;
    }
    Wait();
  }

  // Registers (once) for the feed's wake-up when an alert after the cursor is stored.
  void Wait() {
    if (waiter_pending_ || !streaming_) return;
    waiter_pending_ = true;
    std::weak_ptr<Session> weak = weak_from_this();
    auto executor = stream_.get_executor();
    server_->feed->WhenNewer(cursor_.after_seq, cursor_.generation, weak, [weak, executor] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) {
          self->waiter_pending_ = false;
          self->Pump();
        }
      });
    });
  }

  // Writes out_. A client that does not read lets its socket's buffers
  // fill and the write wait: once a write deadline
  // (options.sse_write_timeout) passes with nothing taken by the client,
  // it is dropped, and counted. A slow client that keeps reading, catching
  // up on a backlog of long alerts, is not (ArmWriteDeadline).
  void Flush() {
    if (writing_ || out_.empty() || !streaming_) return;
    writing_ = true;
    inflight_.swap(out_);
    out_.clear();
    WriteFrom(0);
  }

  // Bytes written to the socket that the client has not acknowledged yet.
  int64_t Unsent() {
    int n = 0;
    if (::ioctl(stream_.socket().native_handle(), SIOCOUTQ, &n) != 0) return -1;
    return n;
  }

  void WriteFrom(size_t offset) {
    ArmWriteDeadline(++writes_);
    const size_t n = std::min(kStreamWriteChunk, inflight_.size() - offset);
    net::async_write(stream_.socket(), net::buffer(inflight_.data() + offset, n),
                     [self = shared_from_this(), end = offset + n](beast::error_code ec, size_t) {
                       self->write_deadline_->cancel();
                       if (!ec && end < self->inflight_.size()) return self->WriteFrom(end);
                       self->writing_ = false;
                       self->inflight_.clear();
                       if (ec) return self->EndStream();
                       if (self->pump_again_) {
                         self->pump_again_ = false;
                         return self->Pump();
                       }
                       if (!self->out_.empty()) return self->Flush();  // a keepalive queued meanwhile
                       self->Wait();
                     });
  }

  // The deadline of write `write`. At it, a client whose socket's unsent
  // bytes went down since the deadline was armed is reading (slowly: a
  // large send buffer fills before a chunk's write completes) and gets
  // another period; one that took nothing is dropped.
  void ArmWriteDeadline(uint64_t write) {
    unsent_at_arm_ = Unsent();
    write_deadline_->expires_after(server_->options.sse_write_timeout);
    write_deadline_->async_wait([self = shared_from_this(), write](beast::error_code ec) {
      if (ec || !self->writing_ || self->writes_ != write || !self->streaming_) return;
      if (const int64_t unsent = self->Unsent(); unsent >= 0 && unsent < self->unsent_at_arm_)
        return self->ArmWriteDeadline(write);
      self->server_->metrics->sse_dropped.fetch_add(1, std::memory_order_relaxed);
      // A reset, not a close after what is queued: the socket's buffers,
      // which such a client does not empty, are freed now.
      beast::error_code ignored;
      self->stream_.socket().set_option(net::socket_base::linger(true, 0), ignored);
      self->EndStream();  // closes the socket: the write ends with an error
    });
  }

  beast::tcp_stream stream_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool drain_before_close_ = false;  // a request refused before it was read whole
  std::array<char, 4096> drain_buf_{};
  // Stream state (touched on the session's strand only).
  AlertCursor cursor_;
  bool streaming_ = false, writing_ = false, pump_again_ = false, waiter_pending_ = false;
  std::string out_, inflight_;
  char sink_[512];
  std::optional<net::steady_timer> keepalive_;
  std::optional<net::steady_timer> write_deadline_;  // of the write in flight (writes_)
  uint64_t writes_ = 0;
  int64_t unsent_at_arm_ = -1;  // Unsent() when the write deadline was armed
  bool holds_stream_slot_ = false;  // counted in metrics->sse_streams until destroyed
  const std::string client_;        // the peer's address (Impl::clients)
  bool counted_stream_ = false;     // counted in server_->clients[client_].streams until destroyed
  bool half_closed_ = false;        // the client shut down its sending side
};

}  // namespace

bool HttpServer::Impl::Admit(const std::string& client) {
  std::lock_guard lock(clients_mu);
  if (connections >= options.max_connections) return false;
  ClientCount& c = clients[client];
  if (!loopback_only && c.connections >= PerClientConnections()) {
    if (c.connections == 0 && c.streams == 0) clients.erase(client);
    return false;
  }
  ++c.connections;
  ++connections;
  return true;
}

void HttpServer::Impl::Release(const std::string& client, bool stream) {
  std::lock_guard lock(clients_mu);
  --connections;
  auto it = clients.find(client);
  if (it == clients.end()) return;
  --it->second.connections;
  if (stream) --it->second.streams;
  if (it->second.connections == 0) clients.erase(it);
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;  // Stop()
    if (!ec) {
      beast::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      std::string client = peer_ec ? "?" : peer.address().to_string();
      if (Admit(client)) {
        std::make_shared<Session>(std::move(socket), this, std::move(client))->Run();
      } else {
        // Full: closed at once (the client sees a reset), said once a minute.
        beast::error_code ignored;
        socket.set_option(net::socket_base::linger(true, 0), ignored);
        socket.close(ignored);
        const auto now = std::chrono::steady_clock::now();
        if (now - last_accept_warning >= std::chrono::minutes(1)) {
          last_accept_warning = now;
          LogWarn("http", fmt::format("refusing connections: {} are open (at most {}, {} from one address off "
                                      "loopback) until some close",
                                      connections, options.max_connections, PerClientConnections()));
        }
      }
      return Accept();
    }
    // Out of file descriptors (EMFILE/ENFILE) or buffers: accepting again
    // at once fails again at once, and would spin a core. Say so (once a
    // minute while it lasts) and wait a little for connections to close.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_accept_warning >= std::chrono::minutes(1)) {
      last_accept_warning = now;
      LogWarn("http", "cannot accept connections: " + ec.message() + " (retrying every 100 ms)");
    }
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
  });
}

namespace {

// The address a host name resolves to, an IPv4 one when it has one
// (localhost: 127.0.0.1), as servers that take `listen NAME:PORT` bind. A
// name that does not exist is InvalidArgument (a usage error); a resolver
// that cannot answer now (EAI_AGAIN: DNS down at boot) is IOError, which a
// service manager retries.
Status ResolveListenHost(const std::string& name, std::string* out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found); rc != 0 || found == nullptr) {
    const bool no_such_name = rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY || rc == 0;
    const std::string why = rc == 0 ? "no address" : (rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc));
    if (!no_such_name) return Status::IOError(fmt::format("cannot resolve '{}' to listen on: {}", name, why));
    return Status::InvalidArgument(fmt::format(
        "cannot listen on '{}': neither an IP address nor a name this machine resolves ({}; e.g. 127.0.0.1:8080, "
        "localhost:8080, [::1]:8080, :8080 for all interfaces)",
        name, why));
  }
  const addrinfo* pick = found;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next)
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  char text[NI_MAXHOST];
  const int rc = ::getnameinfo(pick->ai_addr, pick->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(found);
  if (rc != 0) return Status::IOError(fmt::format("cannot resolve '{}' to listen on: {}", name, ::gai_strerror(rc)));
  *out = text;
  return Status::OK();
}

}  // namespace

Status ParseListenAddress(const std::string& text, HttpServerOptions* out) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("expected HOST:PORT (e.g. 127.0.0.1:8080), got '" + text + "'");
  std::string host = text.substr(0, colon);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  const std::string port = text.substr(colon + 1);
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || v > 65535)
    return Status::InvalidArgument("bad port in '" + text + "' (0-65535; 0 = any free port)");
  if (host.empty()) host = "0.0.0.0";
  beast::error_code not_ip;
  const auto address = net::ip::make_address(host, not_ip);
  if (bracketed && (not_ip || !address.is_v6()))
    return Status::InvalidArgument("cannot listen on '[" + host + "]': brackets hold an IPv6 address");
  if (not_ip) {
    // A name: not digits and dots (getaddrinfo reads "1" and "127.1" as
    // IPv4 shorthand: 0.0.0.1, 127.0.0.1).
    if (in_addr shorthand{}; host.find_first_not_of("0123456789.") == std::string::npos ||
                             ::inet_aton(host.c_str(), &shorthand) != 0)  // 0x7f.1 too
      return Status::InvalidArgument("cannot listen on '" + host + "': not an IP address");
    const std::string name = host;
    NEWSFLOW_RETURN_IF_ERROR(ResolveListenHost(name, &host));
    // Requests that name the server as it was told to listen are its own.
    out->listen_name = AsciiLower(name);
  }
  out->host = host;
  out->port = static_cast<uint16_t>(v);
  return Status::OK();
}

std::string ListenText(const HttpServerOptions& parsed) {
  return parsed.host.find(':') == std::string::npos ? fmt::format("{}:{}", parsed.host, parsed.port)
                                                    : fmt::format("[{}]:{}", parsed.host, parsed.port);
}

HttpServer::HttpServer(const DeskApi* api, AlertFeed* feed, Metrics* metrics)
    : impl_(std::make_unique<Impl>(api, feed, metrics)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen(const HttpServerOptions& options) {
  impl_->options = options;
  beast::error_code ec;
  const auto address = net::ip::make_address(options.host, ec);
  if (ec) return Status::InvalidArgument(fmt::format("cannot listen on '{}': not an IP address", options.host));
  impl_->loopback_only = address.is_loopback();
  impl_->allowed_hosts.clear();
  // Kept as given (lower case), ports too: a Host matches by name, an
  // Origin by name and port (CrossOriginChange).
  for (const std::string& h : options.allowed_hosts) impl_->allowed_hosts.push_back(AsciiLower(h));
  impl_->machine_names = impl_->loopback_only ? std::vector<std::string>() : MachineNames();
  if (!impl_->loopback_only) {
    std::string names = "IP addresses, localhost";
    for (const auto* list : {&impl_->machine_names, &impl_->allowed_hosts})
      for (const std::string& n : *list) names += ", " + n;
    LogInfo("http", "requests must name this server as one of: " + names +
                        " (more: serve --allow-host, run --http-allow-host)");
  }
  const tcp::endpoint endpoint(address, options.port);
  auto fail = [&](const char* what) {
    return Status::IOError(fmt::format("cannot listen on {}:{}: {} ({})", options.host, options.port, ec.message(), what));
  };
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  impl_->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  // The name it was told to listen as, on the port it bound: a Host (by
  // name) and an origin (by name and port) of its own.
  if (!options.listen_name.empty())
    impl_->allowed_hosts.push_back(fmt::format("{}:{}", options.listen_name, port()));
  return Status::OK();
}

uint16_t HttpServer::port() const {
  if (!impl_) return 0;
  beast::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::Start() {
  // Off loopback one address may hold a quarter of the waiting places (as
  // of the connections); on loopback every client is this machine.
  const size_t per_client = impl_->loopback_only ? 0 : std::max<size_t>(1, impl_->options.queue_capacity / 4);
  impl_->workers = std::make_unique<WorkQueue>(static_cast<size_t>(std::max(1, impl_->options.worker_threads)),
                                               impl_->options.queue_capacity, "nf-http-work", per_client);
  impl_->work.emplace(net::make_work_guard(impl_->ioc));
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i)
    impl_->threads.emplace_back([this, i] {
      NameThisThread("nf-http-" + std::to_string(i));
      impl_->ioc.run();
    });
}

void HttpServer::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  impl_->work.reset();
  impl_->ioc.stop();  // sessions (SSE streams never end by themselves) are dropped with the context
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);  // no thread runs the context now: new connections are refused
  // The requests still waiting are dropped (their sessions and sockets
  // with them); those running finish first.
  if (impl_->workers) {
    impl_->workers->Stop();
    impl_->workers.reset();
  }
  impl_.reset();  // the context goes, and with it every session and its socket
}

}  // namespace newsflow::pipeline
