// http_server.h — the HTTP/1.1 server of `run --http` and `serve`, on
// Boost.Beast/Asio: the API (desk_api.h) and the alert stream (SSE,
// alert_feed.h).
//
// Threads: `io_threads` run the sockets (asynchronous: a connection costs a
// few KB and no thread, so many idle SSE clients tie up nothing), and
// `worker_threads` run the API handlers, which read RocksDB and may take
// milliseconds (a substring query over a large store), off the socket
// threads. An SSE stream waits for new alerts through AlertFeed::WhenNewer
// and writes a `: keepalive` comment every 15 s; a client that goes away is
// noticed at once (its read side closes) and its session freed.
//
// Limits: a request head must arrive within 30 s, a body is at most 1 MiB
// (413 otherwise), keep-alive connections are served in turn.
//
// Ownership: borrows the DeskApi, the AlertFeed and the Metrics, which must
// outlive Stop(). Threads: Listen/Start/Stop from one thread. Errors:
// Listen() fails (IOError naming the address) when it cannot bind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

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
};

// "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", ":8080" = all interfaces).
Status ParseListenAddress(const std::string& text, HttpServerOptions* out);

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
