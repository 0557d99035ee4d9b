// TLS and mutual TLS against a real server, through raw stubs, the C++
// SDK and execctl; flag errors for half-configured TLS.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "client/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/security/security_util.h"

namespace execd::security {
namespace {

using ::execd::testing::BinaryPath;
using ::execd::testing::HttpGet;
using ::execd::testing::ServerProcess;

constexpr char kToken[] = "tls-test-token-0123456";

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeCerts(dir_.path()));
    ca_ = ReadFileOrDie(Path("ca.pem"));
    client_cert_ = ReadFileOrDie(Path("client.pem"));
    client_key_ = ReadFileOrDie(Path("client.key"));
  }

  std::string Path(const std::string& name) const {
    return dir_.path() + "/" + name;
  }

  void StartServer(bool mutual, bool token = false) {
    std::vector<std::string> flags = {"--processes=0", "--threads=2",
                                      "--tls_cert_file=" + Path("server.pem"),
                                      "--tls_key_file=" + Path("server.key")};
    if (mutual) flags.push_back("--tls_client_ca_file=" + Path("ca.pem"));
    if (token) {
      flags.push_back("--auth_token_file=" +
                      dir_.Write("tokens", absl::StrCat(kToken, " ci\n")));
    }
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(flags);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  static grpc::Status Ping(v1::Executor::Stub& stub,
                           const std::string& token = "") {
    v1::GetPoolsResponse pools;
    return stub.GetPools(TokenContext(token, absl::Seconds(10)).get(), {},
                         &pools);
  }

  // Runs execctl with `args` after --target; returns its exit code.
  int Execctl(std::vector<std::string> args, std::string* output,
              std::vector<std::string> env = {}) {
    args.insert(args.begin(),
                {BinaryPath("execctl"), "--target", server_->target()});
    return RunCommand(args, env, output);
  }

  TempDir dir_;
  std::string ca_, client_cert_, client_key_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsTest, ServesTlsOnlyAndMetricsStayPlainHttp) {
  StartServer(/*mutual=*/false);
  EXPECT_TRUE(Ping(*TlsStub(server_->target(), ca_)).ok());
  // A plaintext client cannot talk to a TLS port.
  EXPECT_EQ(Ping(*server_->NewStub()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // A client that does not trust the CA refuses the server.
  EXPECT_EQ(
      Ping(*TlsStub(server_->target(), ReadFileOrDie(Path("rogue-ca.pem"))))
          .error_code(),
      grpc::StatusCode::UNAVAILABLE);
  absl::StatusOr<std::string> metrics =
      HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_TRUE(absl::StrContains(*metrics, "execd_")) << *metrics;
  EXPECT_TRUE(absl::StrContains(server_->Log(), "tls=on")) << server_->Log();
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  StartServer(/*mutual=*/true);
  EXPECT_NE(Ping(*TlsStub(server_->target(), ca_)).error_code(),
            grpc::StatusCode::OK);
  EXPECT_NE(Ping(*TlsStub(server_->target(), ca_,
                          ReadFileOrDie(Path("rogue-client.pem")),
                          ReadFileOrDie(Path("rogue-client.key"))))
                .error_code(),
            grpc::StatusCode::OK);
  EXPECT_TRUE(
      Ping(*TlsStub(server_->target(), ca_, client_cert_, client_key_)).ok());
}

TEST_F(TlsTest, SdkWithTlsAndToken) {
  StartServer(/*mutual=*/true, /*token=*/true);
  ChannelSecurity security;
  security.root_certificates = ca_;
  security.certificate_chain = client_cert_;
  security.private_key = client_key_;
  // A cut Map's calls go out already serialized, past the stub
  // (StartMapBatchStream): the channel's token and TLS must still apply.
  const std::vector<std::vector<google::protobuf::Value>> items = {
      Args(1), Args(2), Args(3)};
  MapOptions cut;
  cut.items_per_call = 2;
  {
    Client anonymous(CreateChannel(server_->target(), security));
    absl::StatusOr<TaskFuture> future = anonymous.Submit("echo", Args("x"));
    ASSERT_FALSE(future.ok());
    EXPECT_EQ(future.status().code(), absl::StatusCode::kUnauthenticated);
    MapStream refused = anonymous.Map("echo", items, cut);
    EXPECT_EQ(refused.NextResult(), nullptr);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  }
  security.token = kToken;
  security.server_name = "localhost";  // also in the certificate's SAN
  Client client(CreateChannel(server_->target(), security));
  absl::StatusOr<TaskFuture> future = client.Submit("echo", Args("x"));
  ASSERT_TRUE(future.ok()) << future.status();
  absl::StatusOr<v1::Task> task = future->Result(absl::Seconds(20));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->state(), v1::TASK_STATE_SUCCEEDED);
  MapStream results = client.Map("echo", items, cut);
  int succeeded = 0;
  while (const v1::MapResult* result = results.NextResult()) {
    if (result->task().state() == v1::TASK_STATE_SUCCEEDED) ++succeeded;
  }
  EXPECT_TRUE(results.status().ok()) << results.status();
  EXPECT_EQ(succeeded, 3);
}

TEST(SdkTokenTest, TokenIsSentOverPlaintextToo) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
      {"--processes=0", "--threads=2",
       "--auth_token_file=" + dir.Write("tokens", absl::StrCat(kToken, "\n"))});
  ASSERT_TRUE(server.ok()) << server.status();
  ChannelSecurity security;
  security.token = kToken;
  Client client(CreateChannel((*server)->target(), security));
  absl::StatusOr<v1::GetPoolsResponse> pools = client.GetPools();
  EXPECT_TRUE(pools.ok()) << pools.status();
}

TEST_F(TlsTest, ExecctlTakesTokenAndTlsFlags) {
  StartServer(/*mutual=*/true, /*token=*/true);
  const std::vector<std::string> tls = {"--tls_ca_file",   Path("ca.pem"),
                                        "--tls_cert_file", Path("client.pem"),
                                        "--tls_key_file",  Path("client.key")};
  std::string output;
  std::vector<std::string> args = tls;
  args.insert(args.end(),
              {"--token", kToken, "submit", "echo", "hi", "--wait"});
  EXPECT_EQ(Execctl(args, &output), 0) << output;

  // No token: an RPC error (3) that says why.
  args = tls;
  args.insert(args.end(), {"submit", "echo", "hi", "--wait"});
  EXPECT_EQ(Execctl(args, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "UNAUTHENTICATED")) << output;
  // The token from $EXECD_TOKEN, then from --token_file.
  EXPECT_EQ(Execctl(args, &output, {absl::StrCat("EXECD_TOKEN=", kToken)}), 0)
      << output;
  args = tls;
  args.insert(args.end(),
              {"--token_file",
               dir_.Write("my-token", absl::StrCat(kToken, "\n")), "pools"});
  EXPECT_EQ(Execctl(args, &output), 0) << output;

  // Without a client certificate the handshake fails.
  EXPECT_EQ(
      Execctl({"--tls_ca_file", Path("ca.pem"), "--token", kToken, "pools"},
              &output),
      3)
      << output;
  // A certificate without its key is a usage error.
  EXPECT_EQ(Execctl({"--tls_ca_file", Path("ca.pem"), "--tls_cert_file",
                     Path("client.pem"), "pools"},
                    &output),
            2)
      << output;
}

TEST_F(TlsTest, ExecctlTlsWithServerNameOverride) {
  StartServer(/*mutual=*/false, /*token=*/true);
  std::string output;
  EXPECT_EQ(
      Execctl({"--tls", "--tls_ca_file", Path("ca.pem"), "--tls_server_name",
               "localhost", "--token", kToken, "functions"},
              &output),
      0)
      << output;
  // A name the certificate does not carry is refused.
  EXPECT_EQ(Execctl({"--tls_ca_file", Path("ca.pem"), "--tls_server_name",
                     "elsewhere.example", "--token", kToken, "functions"},
                    &output),
            3)
      << output;
}

void ExpectStartRefused(const std::vector<std::string>& flags) {
  std::vector<std::string> argv = {
      BinaryPath("execd"), "--grpc_address=127.0.0.1:0",
      "--metrics_address=127.0.0.1:0", "--processes=0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::string output;
  EXPECT_EQ(RunCommand(argv, {}, &output), 2) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
}

TEST_F(TlsTest, HalfConfiguredTlsIsAFlagError) {
  ExpectStartRefused({"--tls_cert_file=" + Path("server.pem")});
  ExpectStartRefused({"--tls_key_file=" + Path("server.key")});
  ExpectStartRefused({"--tls_client_ca_file=" + Path("ca.pem")});
  ExpectStartRefused({"--tls_cert_file=" + Path("missing.pem"),
                      "--tls_key_file=" + Path("server.key")});
  ExpectStartRefused({"--tls_cert_file=" + Path("server.pem"),
                      "--tls_key_file=" + dir_.Write("not-pem", "hello\n")});
}

}  // namespace
}  // namespace execd::security
