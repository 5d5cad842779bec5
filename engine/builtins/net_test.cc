#include "engine/builtins/net.h"

#include <string>

#include "engine/builtins/test_util.h"
#include "gmock/gmock.h"

namespace onus::engine {
namespace {

using testing::BuiltinTest;
using ::testing::HasSubstr;

class NetTest : public BuiltinTest {
 protected:
  Value IP(const char* s) { return Call("ip", {S(s)}); }
  Value CIDR(const char* s) { return Call("cidr", {S(s)}); }
  std::string Str(Value v) {
    Value s = Call("string", {v});
    return s.kind == Kind::kString ? std::string(s.string_view()) : F(s);
  }
};

TEST_F(NetTest, ParseAndPrint) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case ips[] = {
      {"192.168.0.1", "192.168.0.1"},
      {"::1", "::1"},
      {"2001:DB8::0:1", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"fe80:0:0:0:0:0:0:0", "fe80::"},
      {"::", "::"},
      {"1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"},
  };
  for (const Case& c : ips) EXPECT_EQ(Str(IP(c.in)), c.want) << c.in;
  for (const char* bad :
       {"", "1.2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "::ffff:1.2.3.4",
        "fe80::1%eth0", "g::1", "1.2.3.4/8"}) {
    Value v = IP(bad);
    EXPECT_TRUE(v.is_error()) << bad;
    EXPECT_FALSE(Call("isIP", {S(bad)}).b) << bad;
  }
  EXPECT_THAT(F(IP("::ffff:1.2.3.4")), HasSubstr("IPv4-mapped"));
  EXPECT_TRUE(Call("isIP", {S("10.0.0.1")}).b);

  EXPECT_EQ(Str(CIDR("10.0.0.1/8")), "10.0.0.1/8");
  EXPECT_EQ(Str(CIDR("2001:db8::/32")), "2001:db8::/32");
  EXPECT_EQ(Str(CIDR("0.0.0.0/0")), "0.0.0.0/0");
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
                          "10.0.0.0/08", "10.0.0.0/", "x/8"}) {
    EXPECT_TRUE(CIDR(bad).is_error()) << bad;
    EXPECT_FALSE(Call("isCIDR", {S(bad)}).b) << bad;
  }
  EXPECT_TRUE(Call("isCIDR", {S("::/0")}).b);
  EXPECT_EQ(F(Call("type", {IP("1.2.3.4")})), "net.IP");
  EXPECT_EQ(F(Call("type", {CIDR("1.2.3.4/32")})), "net.CIDR");
  EXPECT_EQ(F(IP("1.2.3.4")), "1.2.3.4");
}

TEST_F(NetTest, Classification) {
  struct Case {
    const char* ip;
    int family;
    bool loopback, priv, global, unspecified, link_local;
  };
  const Case cases[] = {
      {"127.0.0.1", 4, true, false, false, false, false},
      {"10.1.2.3", 4, false, true, true, false, false},
      {"172.16.0.1", 4, false, true, true, false, false},
      {"172.32.0.1", 4, false, false, true, false, false},
      {"192.168.1.1", 4, false, true, true, false, false},
      {"8.8.8.8", 4, false, false, true, false, false},
      {"0.0.0.0", 4, false, false, false, true, false},
      {"169.254.1.1", 4, false, false, false, false, true},
      {"224.0.0.1", 4, false, false, false, false, false},
      {"255.255.255.255", 4, false, false, false, false, false},
      {"::1", 6, true, false, false, false, false},
      {"::", 6, false, false, false, true, false},
      {"fd00::1", 6, false, true, true, false, false},
      {"fe80::1", 6, false, false, false, false, true},
      {"2001:4860:4860::8888", 6, false, false, true, false, false},
      {"ff02::1", 6, false, false, false, false, false},
  };
  for (const Case& c : cases) {
    Value ip = IP(c.ip);
    ASSERT_FALSE(ip.is_error()) << c.ip;
    EXPECT_EQ(Recv("family", {ip}).i, c.family) << c.ip;
    EXPECT_EQ(Recv("isLoopback", {ip}).b, c.loopback) << c.ip;
    EXPECT_EQ(Recv("isPrivate", {ip}).b, c.priv) << c.ip;
    EXPECT_EQ(Recv("isGlobalUnicast", {ip}).b, c.global) << c.ip;
    EXPECT_EQ(Recv("isUnspecified", {ip}).b, c.unspecified) << c.ip;
    EXPECT_EQ(Recv("isLinkLocalUnicast", {ip}).b, c.link_local) << c.ip;
  }
  EXPECT_TRUE(Recv("isLinkLocalMulticast", {IP("224.0.0.251")}).b);
  EXPECT_THAT(F(Recv("isLoopback", {S("127.0.0.1")})),
              HasSubstr("no matching"));
}

TEST_F(NetTest, CidrOperations) {
  Value net = CIDR("10.0.0.0/8");
  EXPECT_TRUE(Recv("containsIP", {net, IP("10.255.0.1")}).b);
  EXPECT_TRUE(Recv("containsIP", {net, S("10.0.0.0")}).b);
  EXPECT_FALSE(Recv("containsIP", {net, IP("11.0.0.1")}).b);
  EXPECT_FALSE(Recv("containsIP", {net, IP("::1")}).b);
  EXPECT_TRUE(Recv("containsIP", {net, S("bogus")}).is_error());
  EXPECT_TRUE(Recv("containsCIDR", {net, CIDR("10.1.0.0/16")}).b);
  EXPECT_TRUE(Recv("containsCIDR", {net, S("10.0.0.0/8")}).b);
  EXPECT_FALSE(Recv("containsCIDR", {net, S("10.0.0.0/7")}).b);
  EXPECT_FALSE(Recv("containsCIDR", {CIDR("10.1.0.0/16"), net}).b);
  EXPECT_TRUE(Recv("containsCIDR", {CIDR("::/0"), S("2001:db8::/32")}).b);
  EXPECT_TRUE(Recv("containsCIDR", {CIDR("0.0.0.0/0"), S("1.2.3.4/32")}).b);
  EXPECT_FALSE(Recv("containsCIDR", {CIDR("0.0.0.0/0"), S("::/0")}).b);
  EXPECT_TRUE(
      Recv("containsIP", {CIDR("2001:db8::/33"), S("2001:db8:7fff::1")}).b);
  EXPECT_FALSE(
      Recv("containsIP", {CIDR("2001:db8::/33"), S("2001:db8:8000::1")}).b);

  Value host = CIDR("192.168.1.77/20");
  EXPECT_EQ(Str(Recv("ip", {host})), "192.168.1.77");
  EXPECT_EQ(Recv("prefixLength", {host}).i, 20);
  EXPECT_EQ(Str(Recv("masked", {host})), "192.168.0.0/20");
  EXPECT_EQ(Recv("family", {host}).i, 4);

  EXPECT_TRUE(Call("_==_", {IP("10.0.0.1"), IP("10.0.0.1")}).b);
  EXPECT_FALSE(Call("_==_", {IP("10.0.0.1"), IP("10.0.0.2")}).b);
  EXPECT_TRUE(Call("_==_", {IP("2001:db8::1"), IP("2001:DB8:0::1")}).b);
  EXPECT_FALSE(Call("_==_", {CIDR("10.0.0.1/8"), CIDR("10.0.0.0/8")}).b);
  EXPECT_TRUE(
      Call("_==_", {Recv("masked", {CIDR("10.0.0.1/8")}), CIDR("10.0.0.0/8")})
          .b);
  EXPECT_FALSE(Call("_==_", {IP("10.0.0.1"), S("10.0.0.1")}).b);
  EXPECT_TRUE(Call("@in", {IP("10.0.0.1"), L({IP("10.0.0.1")})}).b);
}

}  // namespace
}  // namespace onus::engine
