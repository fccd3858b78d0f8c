// fuzz_http_api.cc — arbitrary requests to the HTTP API (DeskApi::Handle)
// over a small real store: the bytes are a method selector, a request
// target (path and query string, percent-encoded as a client may send it)
// and a body. Oracles: the API never answers 500 (the store is healthy, so
// every failure is the request's: 4xx); every JSON response parses; a
// status is one the API documents. Also: PercentDecode of a byte string
// fully %XX-encoded gives the bytes back. Subscription edits (PUT/DELETE)
// are left out: each one fsyncs a file (the SubscriptionFile parser is
// fuzzed as YAML by fuzz_subscriptions).
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "fuzz_util.h"
#include "newsflow/storage/store.h"
#include "pipeline/http/desk_api.h"

namespace {

using newsflow::pipeline::DeskApi;
using newsflow::pipeline::HttpRequest;

struct Fixture {
  std::string dir = newsflow::fuzz::TempPath("http-api");
  std::string rules_dir = newsflow::fuzz::TempPath("http-api-rules");
  std::unique_ptr<newsflow::storage::Store> store;
  newsflow::pipeline::SharedStore shared;
  newsflow::pipeline::Metrics metrics;
  std::unique_ptr<newsflow::pipeline::RuleProvenance> provenance;
  std::unique_ptr<DeskApi> api;

  Fixture() {
    std::filesystem::remove_all(dir);
    newsflow::storage::StoreOptions so;
    so.path = dir;
    FUZZ_CHECK(newsflow::storage::Store::Open(so, &store).ok(), "cannot open a store at %s", dir.c_str());
    newsflow::storage::WriteSet ws;
    const char* sources[] = {"cls", "eastmoney", "ths"};
    for (int i = 0; i < 12; ++i) {
      newsflow::storage::Record r;
      r.source = sources[i % 3];
      r.key = r.source + ":" + std::to_string(1000 + i);
      r.time_ms = 1778688503000 + i * 600000;
      r.title = i % 2 ? "深圳推进芯片产业" : "";
      r.body = "<p>第" + std::to_string(i) + "条 人工智能 与 低空经济</p>";
      r.tags.push_back({i % 2 ? "region:shenzhen" : "cluster:ai", 1.0 + i});
      if (i % 3 == 0) r.tags.push_back({"cluster:semiconductors", 2.0});
      r.story = "cls:" + std::to_string(1000 + i - i % 3);
      std::sort(r.tags.begin(), r.tags.end(), [](const auto& a, const auto& b) { return a.tag < b.tag; });
      r.stock_codes = {i % 4 ? "" : "SZ002670"};
      r.stocks = {"002670"};
      ws.records.push_back(r);
    }
    FUZZ_CHECK(store->Write(ws).ok(), "cannot write the fixture");
    newsflow::storage::PreparedWriteSet alerts;
    for (int i = 0; i < 5; ++i)
      alerts.alerts.push_back({"desk/cls:" + std::to_string(1000 + 3 * i), "{\"subscription\":\"desk\"}"});
    alerts.alerts_pending = false;
    FUZZ_CHECK(store->Write(alerts).ok(), "cannot write the alerts");
    shared.Attach(store.get());
    newsflow::pipeline::DeskApiOptions o;
    o.store = &shared;
    o.metrics = &metrics;
    // A rules directory: a YAML rule and a watch list, for /api/doc's
    // provenance and the tags /api/query knows.
    std::filesystem::create_directories(rules_dir);
    std::ofstream(rules_dir + "/r.yaml") << "version: 1\nrules:\n  - tag: cluster:ai\n    any: [人工智能]\n"
                                            "    provenance: [{seed: 000_seed.txt, clause: 人工智能}]\n";
    std::ofstream(rules_dir + "/w.tsv") << "watch:shenzhen-chips\t深圳\t芯片\n";
    FUZZ_CHECK(newsflow::pipeline::RuleProvenance::Open(rules_dir, &provenance).ok(), "cannot load the rules");
    o.provenance = provenance.get();
    FUZZ_CHECK(newsflow::pipeline::TimeZone::Load("Asia/Shanghai", &o.zone).ok(), "no Asia/Shanghai zone");
    api = std::make_unique<DeskApi>(std::move(o));
  }
  ~Fixture() {
    shared.Detach();
    if (store) (void)store->Close();
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(rules_dir);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1;
  static Fixture fx;
  newsflow::fuzz::Input in(data, size);
  const uint8_t selector = in.Byte();
  const std::string rest(in.Rest());
  const size_t nl = rest.find('\n');
  const std::string target = rest.substr(0, nl);
  HttpRequest r;
  static const char* kMethods[] = {"GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
  r.method = kMethods[selector % 8];
  const size_t q = target.find('?');
  r.path = newsflow::pipeline::PercentDecode(target.substr(0, q), false);
  if (q != std::string::npos) r.query = newsflow::pipeline::ParseQueryString(target.substr(q + 1));
  if (nl != std::string::npos) r.body = rest.substr(nl + 1);
  if ((r.method == "PUT" || r.method == "DELETE") && r.path.rfind("/api/subscriptions", 0) == 0) return 0;

  const auto res = fx.api->Handle(r);
  static const std::set<int> kStatuses = {200, 201, 400, 404, 405, 409, 413, 422, 503};
  FUZZ_CHECK(kStatuses.count(res.status), "status %d for %s %s", res.status, r.method.c_str(), target.c_str());
  if (res.content_type.rfind("application/json", 0) == 0) {
    static simdjson::dom::parser parser;
    simdjson::dom::element e;
    FUZZ_CHECK(!parser.parse(res.body).get(e), "invalid JSON for %s %s: %s", r.method.c_str(), target.c_str(),
               res.body.substr(0, 300).c_str());
  }

  // %XX-encoding every byte and decoding gives the bytes back.
  std::string encoded;
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : target) {
    encoded += '%';
    encoded += kHex[c >> 4];
    encoded += kHex[c & 15];
  }
  FUZZ_CHECK(newsflow::pipeline::PercentDecode(encoded, true) == target, "percent round trip failed");
  return 0;
}
