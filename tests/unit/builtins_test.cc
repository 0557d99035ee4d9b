#include <vector>

#include "gtest/gtest.h"
#include "server/functions/registry.h"
#include "tests/unit/test_util.h"

namespace execd {
namespace {

using testing::Number;
using testing::String;

class BuiltinsTest : public ::testing::Test {
 protected:
  absl::Status Validate(const std::string& name,
                        std::vector<google::protobuf::Value> args,
                        const google::protobuf::Struct& kwargs = {}) {
    args_.Clear();
    for (auto& arg : args) *args_.add_values() = arg;
    kwargs_ = kwargs;
    return (*registry_.Find(name))
        ->validate(CallArgs{args_, kwargs_, input_}, limits_);
  }
  absl::StatusOr<CallResult> Run(const std::string& name,
                                 std::vector<google::protobuf::Value> args) {
    args_.Clear();
    for (auto& arg : args) *args_.add_values() = arg;
    kwargs_.Clear();
    TaskContext context(&token_, &limits_);
    return (*registry_.Find(name))
        ->run(CallArgs{args_, kwargs_, input_}, context);
  }

  FunctionRegistry registry_ = FunctionRegistry::WithBuiltins();
  FunctionLimits limits_;
  CancellationToken token_;
  google::protobuf::ListValue args_;
  google::protobuf::Struct kwargs_;
  std::string input_;
};

TEST_F(BuiltinsTest, RegistryListsEveryBuiltinAndNamesThemOnMiss) {
  for (const char* name :
       {"echo", "sleep", "primes", "fail", "crash", "exec"}) {
    EXPECT_TRUE(registry_.Find(name).ok()) << name;
  }
  absl::Status missing = registry_.Find("primez").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("known: "), std::string::npos);
  EXPECT_FALSE((*registry_.Find("crash"))->AllowsPool(v1::POOL_THREAD));
  EXPECT_EQ((*registry_.Find("primes"))->default_pool, v1::POOL_PROCESS);
}

TEST_F(BuiltinsTest, PrimesCountsCorrectly) {
  const std::vector<std::pair<int, int>> known = {
      {0, 0},    {2, 0},         {3, 1},          {10, 4},
      {100, 25}, {100000, 9592}, {1000000, 78498}};
  for (const auto& [n, count] : known) {
    absl::StatusOr<CallResult> result = Run("primes", {Number(n)});
    ASSERT_TRUE(result.ok()) << n;
    EXPECT_EQ(result->result.number_value(), count) << n;
  }
}

TEST_F(BuiltinsTest, ArgumentErrorsNameTheArgumentAndTheRule) {
  absl::Status status = Validate("primes", {Number(-1)});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("\"n\""), std::string::npos);
  EXPECT_NE(status.message().find("between 0 and 1000000000"),
            std::string::npos);
  EXPECT_FALSE(Validate("primes", {Number(1.5)}).ok());
  EXPECT_FALSE(Validate("primes", {Number(2e9)}).ok());
  EXPECT_FALSE(Validate("primes", {}).ok());
  EXPECT_FALSE(Validate("primes", {Number(1), Number(2)}).ok());
  EXPECT_TRUE(Validate("sleep", {Number(0)}).ok());
  EXPECT_FALSE(Validate("sleep", {Number(-0.1)}).ok());
  google::protobuf::Struct kwargs;
  (*kwargs.mutable_fields())["seconds"] = Number(1);
  EXPECT_TRUE(Validate("sleep", {}, kwargs).ok());
  EXPECT_FALSE(Validate("sleep", {Number(1)}, kwargs).ok());  // given twice
  (*kwargs.mutable_fields())["bogus"] = Number(1);
  absl::Status unknown_kw = Validate("sleep", {}, kwargs);
  EXPECT_NE(unknown_kw.message().find("bogus"), std::string::npos);
  EXPECT_FALSE(Validate("fail", {Number(3)}).ok());
  EXPECT_TRUE(Validate("echo", {Number(3), String("x")}).ok());
  EXPECT_FALSE(Validate("crash", {String("melt")}).ok());
}

TEST_F(BuiltinsTest, ExecNeedsAllowList) {
  absl::Status denied = Validate("exec", {String("/bin/echo")});
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("--exec_allow"), std::string::npos);
  limits_.exec_allow = {"/bin/echo"};
  EXPECT_TRUE(Validate("exec", {String("/bin/echo"), String("hi")}).ok());
  EXPECT_FALSE(Validate("exec", {}).ok());
}

TEST_F(BuiltinsTest, FailAndSleepCancellation) {
  absl::StatusOr<CallResult> failed = Run("fail", {String("why")});
  EXPECT_EQ(failed.status().message(), "why");
  token_.Cancel();
  const absl::Time start = absl::Now();
  EXPECT_FALSE(Run("sleep", {Number(10)}).ok());
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
}

}  // namespace
}  // namespace execd
