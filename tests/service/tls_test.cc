// TLS and mutual TLS of the evaluation service, with certificates made at
// test time by the `openssl` command (a CA, a server certificate for
// 127.0.0.1, a client certificate, and a second CA the server must not
// trust).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/test_util.h"

namespace onus::engine::testing {
namespace {

std::string Read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = new std::string(absl::StrCat(tmp ? tmp : "/tmp", "/onus_tls"));
    // EC keys: fast to generate. Each step fails the script on error.
    std::string script = absl::StrCat(
        "set -e; mkdir -p ", *dir_, "; cd ", *dir_,
        "; key='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'"
        "; for ca in ca rogue; do openssl req -x509 $key -keyout $ca.key"
        " -out $ca.pem -days 2 -subj /CN=onus-test-$ca; done"
        "; printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > "
        "server.ext"
        "; openssl req $key -keyout server.key -out server.csr -subj "
        "/CN=localhost"
        "; openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key"
        " -CAcreateserial -out server.pem -days 2 -extfile server.ext"
        "; for c in client:ca rogue_client:rogue; do n=${c%%:*}; a=${c##*:}"
        "; openssl req $key -keyout $n.key -out $n.csr -subj /CN=$n"
        "; openssl x509 -req -in $n.csr -CA $a.pem -CAkey $a.key"
        " -CAcreateserial -out $n.pem -days 2; done"
        " >/dev/null 2>&1");
    ok_ = std::system(script.c_str()) == 0;
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    ASSERT_TRUE(ok_) << "openssl could not make the test certificates (is "
                        "the openssl package installed? .ci/install-deps)";
  }
  static std::string F(const std::string& name) {
    return Read(absl::StrCat(*dir_, "/", name));
  }
  std::unique_ptr<EvaluationServer> Start(bool mtls) {
    ServerOptions o = LoopbackOptions();
    o.plaintext = false;
    o.tls_cert_pem = F("server.pem");
    o.tls_key_pem = F("server.key");
    if (mtls) o.tls_client_ca_pem = F("ca.pem");
    return StartOrDie(o);
  }
  static grpc::Status Info(int port,
                           std::shared_ptr<grpc::ChannelCredentials> creds) {
    auto stub = Connect(port, creds);
    grpc::ClientContext ctx;
    Bound(&ctx, 10);
    onus::v1::GetInfoResponse resp;
    return stub->GetInfo(&ctx, {}, &resp);
  }
  static std::shared_ptr<grpc::ChannelCredentials> Tls(
      const std::string& client = "") {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = F("ca.pem");
    if (!client.empty()) {
      o.pem_private_key = F(client + ".key");
      o.pem_cert_chain = F(client + ".pem");
    }
    return grpc::SslCredentials(o);
  }
  static std::string* dir_;
  static bool ok_;
};

std::string* TlsTest::dir_ = nullptr;
bool TlsTest::ok_ = false;

TEST_F(TlsTest, ServerTls) {
  auto server = Start(/*mtls=*/false);
  ASSERT_NE(server, nullptr);
  grpc::Status s = Info(server->port(), Tls());
  EXPECT_TRUE(s.ok()) << s.error_message();
  // A plaintext client cannot talk to a TLS server.
  EXPECT_FALSE(Info(server->port(), grpc::InsecureChannelCredentials()).ok());
  // A client that trusts another CA rejects the server.
  grpc::SslCredentialsOptions rogue;
  rogue.pem_root_certs = F("rogue.pem");
  EXPECT_FALSE(Info(server->port(), grpc::SslCredentials(rogue)).ok());
}

TEST_F(TlsTest, MutualTls) {
  auto server = Start(/*mtls=*/true);
  ASSERT_NE(server, nullptr);
  grpc::Status s = Info(server->port(), Tls("client"));
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(Info(server->port(), Tls()).ok()) << "no client certificate";
  EXPECT_FALSE(Info(server->port(), Tls("rogue_client")).ok())
      << "client certificate from an untrusted CA";
}

TEST(TlsOptions, Validation) {
  ServerOptions o = LoopbackOptions();
  o.tls_cert_pem = "x";
  EXPECT_FALSE(EvaluationServer::Start(o).ok());  // key missing
  o = LoopbackOptions();
  o.plaintext = false;
  o.tls_client_ca_pem = "x";
  EXPECT_FALSE(EvaluationServer::Start(o).ok());  // CA without cert/key
}

}  // namespace
}  // namespace onus::engine::testing
