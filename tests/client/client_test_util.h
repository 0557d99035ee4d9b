#ifndef EXECD_TESTS_CLIENT_CLIENT_TEST_UTIL_H_
#define EXECD_TESTS_CLIENT_CLIENT_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace execd::testing {

// Polls `condition` every 10 ms until it holds or `timeout` passes.
inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

// One real server per test suite (starting one per test costs time).
class ClientTestBase : public ::testing::Test {
 protected:
  static void StartServer(std::vector<std::string> flags) {
    auto server = ServerProcess::Start(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  static void TearDownTestSuite() {
    server_.reset();
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "server did not start";
    client_ = std::make_unique<Client>(CreateChannel(server_->target()));
  }

  TaskFuture SubmitOrDie(absl::string_view function,
                         std::vector<google::protobuf::Value> args = {},
                         SubmitOptions options = {}) {
    absl::StatusOr<TaskFuture> future =
        client_->Submit(function, std::move(args), std::move(options));
    EXPECT_TRUE(future.ok()) << future.status();
    return *std::move(future);
  }

  static inline std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;
};

}  // namespace execd::testing

#endif  // EXECD_TESTS_CLIENT_CLIENT_TEST_UTIL_H_
