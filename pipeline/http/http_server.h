// http_server.h — the HTTP/1.1 server of `run --http` and `serve`, on
// Boost.Beast/Asio: the API (desk_api.h) and the alert stream (SSE,
// alert_feed.h).
//
// Threads: `io_threads` run the sockets (asynchronous: a connection costs a
// few KB and no thread, so many idle SSE clients tie up nothing), and
// `worker_threads` run the API handlers, which read RocksDB and may take
// milliseconds (a substring query over a large store), off the socket
// threads (work_queue.h). /health, /ready and /metrics read no store and
// are answered on the socket thread, never queued. An SSE stream waits for
// new alerts through AlertFeed::WhenNewer and writes a `: keepalive`
// comment every 15 s.
//
// Limits: a request head must arrive within 30 s; only PUT and POST carry a
// body, of at most 256 KiB (413 otherwise; a body on another method: 400);
// the only transfer coding is chunked (another: 501); keep-alive
// connections are served in turn. At most `max_connections` are open (one
// more is closed at once); off loopback at most a quarter of them, and
// `max_streams_per_client` alert streams, come from one address (a bound
// per address, not fairness: four addresses can take every slot). At most
// `queue_capacity` requests wait for a worker (one more: 503 with
// Retry-After), off loopback a quarter of them from one address; the
// workers take the waiting clients in turn, so one client's burst of
// queries does not delay another's by more than a job per worker. A
// waiting request whose client has closed the connection is dropped unrun. At most `max_streams` alert streams are open (one more:
// 503). A stream's client that resets the connection is let go at once; one
// that shuts down only its sending side is still sent to until a write
// fails; one that does not read is dropped once a write has waited
// `sse_write_timeout`.
//
// Who may ask: a request names the server in its Host header (HTTP/1.1
// without one, or with two, or an empty one: 400). A server on loopback
// answers localhost, 127.x, [::1] and `allowed_hosts`; one on another
// address answers any IP address, its machine's names and `allowed_hosts`
// ("*": any name), and any name on /health, /ready and /metrics. Another
// name is 403: a web page whose name an attacker points at this server (DNS
// rebinding) sends that name, and could otherwise read the store and edit
// subscriptions. A PUT, POST or DELETE from a browser page of another origin
// is 403 too (Sec-Fetch-Site other than same-origin or none; without it, an
// Origin that is neither the request's Host nor in `allowed_hosts`, by name
// and port, the scheme's default port for an entry without one): a page
// cannot make a desk's browser reload rules or delete a subscription (a
// form post needs no CORS preflight). Answers carry nosniff, no framing
// (X-Frame-Options, CSP frame-ancestors) and the desk's pages a CSP that
// allows this origin's files only.
//
// Stop() drops the requests not yet started and returns once those running
// (at most one per worker) have finished: a query's time, or for POST
// /api/rules/reload, the reload's (it is answered at once when the run is
// stopping).
//
// Ownership: borrows the DeskApi, the AlertFeed and the Metrics, which must
// outlive Stop(). Threads: Listen/Start/Stop from one thread. Errors:
// Listen() fails (IOError naming the address) when it cannot bind.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "newsflow/base/status.h"
#include "pipeline/http/alert_feed.h"
#include "pipeline/http/desk_api.h"
#include "pipeline/metrics/metrics.h"

namespace newsflow::pipeline {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port (see port())
  int io_threads = 1;
  int worker_threads = 2;
  // Requests waiting for a worker (off loopback, a quarter of them from one
  // address); one more is answered 503 (Retry-After).
  size_t queue_capacity = 64;
  // Alert streams open at once; one more is answered 503 (Retry-After).
  size_t max_streams = 256;
  // A stream's client whose pending write has not completed for this long
  // (two keepalive periods) is dropped.
  std::chrono::milliseconds sse_write_timeout{30000};
  // Connections open at once (off loopback, a quarter of them from one
  // address); one more is closed as soon as it is accepted.
  size_t max_connections = 1024;
  // Off loopback: alert streams from one client address at once; one more
  // is 503 (0 = no cap). On loopback every client is this machine.
  size_t max_streams_per_client = 64;
  // NAME[:PORT]: host names (besides loopback names, and off loopback IP
  // addresses and this machine's names) a request's Host may give (the
  // port aside), and origins a change may come from (a reverse proxy's
  // public name, on PORT or its scheme's default); "*" = any Host.
  std::vector<std::string> allowed_hosts;
  // The name HOST was given as (lower case; "" for an address): a Host the
  // server answers, and, with the port it bound, an origin a change may
  // come from (not that name on any port).
  std::string listen_name;
};

// "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", ":8080" = all interfaces). A
// HOST that is a name ("localhost:8080") is resolved here, to an IPv4
// address when it has one, and kept as out->listen_name (a request naming
// it is the server's own); a name that does not exist is
// InvalidArgument, as a malformed port is (the commands' usage error), a
// resolver that cannot answer now IOError. ListenText gives the resolved
// form back as text ("127.0.0.1:0", "[::1]:0"), resolved no more.
Status ParseListenAddress(const std::string& text, HttpServerOptions* out);
std::string ListenText(const HttpServerOptions& parsed);

class HttpServer {
 public:
  HttpServer(const DeskApi* api, AlertFeed* feed, Metrics* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; port() is the bound port afterwards.
  Status Listen(const HttpServerOptions& options);
  uint16_t port() const;
  // Starts accepting on the io threads.
  void Start();
  // Closes the listener and every connection; joins the threads.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace newsflow::pipeline
