// ParseListenAddress: what `serve --listen` and `run --http` accept. An IP
// address as it is; a name resolved once, to an IPv4 address when it has
// one, and allowed as a request's Host (a server told to listen on `vm`
// answered `Host: vm` with 403); shorthand and bracketed names refused.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/http/http_server.h"

namespace newsflow::pipeline {
namespace {

TEST(ListenAddress, AddressesNamesAndWhatIsRefused) {
  HttpServerOptions o;
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:8080", &o).ok());
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8080);
  EXPECT_TRUE(o.listen_name.empty());
  EXPECT_EQ(ListenText(o), "127.0.0.1:8080");

  o = {};
  ASSERT_TRUE(ParseListenAddress("[::1]:0", &o).ok());
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(ListenText(o), "[::1]:0");

  o = {};
  ASSERT_TRUE(ParseListenAddress(":9000", &o).ok());
  EXPECT_EQ(o.host, "0.0.0.0");

  // localhost resolves everywhere (/etc/hosts): to 127.0.0.1, and the name
  // (lower case) is one a request may give.
  o = {};
  ASSERT_TRUE(ParseListenAddress("LocalHost:0", &o).ok());
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.listen_name, "localhost");
  EXPECT_TRUE(o.allowed_hosts.empty());
  EXPECT_EQ(ListenText(o), "127.0.0.1:0");  // resolved no more when read again
  HttpServerOptions again;
  ASSERT_TRUE(ParseListenAddress(ListenText(o), &again).ok());
  EXPECT_EQ(again.host, "127.0.0.1");
  EXPECT_TRUE(again.listen_name.empty());

  for (const char* bad : {"localhost", "127.0.0.1:99999", "127.0.0.1:x", "1:0", "127.1:0", "0x7f.1:0", "999.1.1.1:80",
                          "[localhost]:0", "[127.0.0.1]:0"}) {  // (no unknown name: that would ask DNS)
    HttpServerOptions b;
    const Status s = ParseListenAddress(bad, &b);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad << ": " << s.message();
  }
}

}  // namespace
}  // namespace newsflow::pipeline
