#ifndef EXECD_TESTS_SECURITY_SECURITY_UTIL_H_
#define EXECD_TESTS_SECURITY_SECURITY_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/grpcpp.h"

// Helpers of the security tests: temporary files, test certificates made
// with openssl, authenticated contexts, TLS stubs and running commands.
namespace execd::security {

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string ReadFileOrDie(const std::string& path);

// Runs tests/security/make_certs.sh into `dir` (ca, server, client,
// rogue-ca, rogue-client .pem/.key); false on failure.
bool MakeCerts(const std::string& dir);

// A context with a deadline and, unless `token` is empty,
// `authorization: Bearer <token>`.
std::unique_ptr<grpc::ClientContext> TokenContext(
    const std::string& token, absl::Duration timeout = absl::Seconds(20));

// A stub over TLS trusting `ca_pem`, with an optional client certificate.
std::unique_ptr<v1::Executor::Stub> TlsStub(const std::string& target,
                                            const std::string& ca_pem,
                                            const std::string& cert_pem = "",
                                            const std::string& key_pem = "");

// Submit of `function` with positional string/number args given as JSON-ish
// google.protobuf.Values by the caller.
v1::SubmitRequest EchoRequest(const std::string& text);

// Runs `argv` (no shell) with `env_extra` added to the environment, waits
// at most `timeout` (killing it after) and returns its exit code (-1 when
// killed); stdout and stderr are captured into `output`.
int RunCommand(const std::vector<std::string>& argv,
               const std::vector<std::string>& env_extra, std::string* output,
               absl::Duration timeout = absl::Seconds(30));

}  // namespace execd::security

#endif  // EXECD_TESTS_SECURITY_SECURITY_UTIL_H_
