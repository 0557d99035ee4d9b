#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/functions/encoded_value.h"
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

// `bytes`, a result encoded by hand, parse to `expected` and are as long as
// protobuf's own encoding of it.
void ExpectEncodes(const std::string& bytes,
                   const google::protobuf::Value& expected) {
  google::protobuf::Value decoded;
  ASSERT_TRUE(DecodeValue(bytes, &decoded));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(decoded, expected))
      << decoded.DebugString();
  EXPECT_EQ(bytes.size(), expected.ByteSizeLong());
}

TEST_F(BuiltinsTest, RegistryListsEveryBuiltinAndNamesThemOnMiss) {
  for (const char* name :
       {"echo", "noop", "sleep", "primes", "fail", "crash", "exec"}) {
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
    EXPECT_EQ(DecodedValue(result->result).number_value(), count) << n;
  }
}

// echo encodes its result by hand (EncodeArgsAndKwargs): the bytes must
// parse to the Value that building it would give, for empty, nested and
// large parts (lengths of one, two and three varint bytes).
TEST_F(BuiltinsTest, EchoResultBytesAreTheValueBuiltByHand) {
  std::vector<
      std::pair<std::vector<google::protobuf::Value>, google::protobuf::Struct>>
      cases;
  cases.push_back({{}, {}});
  google::protobuf::Struct nested;
  (*nested.mutable_fields())["n"].set_number_value(7);
  (*(*nested.mutable_fields())["inner"]
        .mutable_struct_value()
        ->mutable_fields())["s"]
      .set_string_value("x");
  cases.push_back({{Number(1.5), String("a"), String("")}, nested});
  google::protobuf::Struct big;
  (*big.mutable_fields())["blob"].set_string_value(std::string(20000, 'k'));
  cases.push_back({{String(std::string(200, 'a'))}, big});
  for (const auto& [args, kwargs] : cases) {
    args_.Clear();
    for (const auto& arg : args) *args_.add_values() = arg;
    kwargs_ = kwargs;
    input_ = "in";
    TaskContext context(&token_, &limits_);
    absl::StatusOr<CallResult> result =
        (*registry_.Find("echo"))
            ->run(CallArgs{args_, kwargs_, input_}, context);
    ASSERT_TRUE(result.ok());
    google::protobuf::Value expected;
    auto& fields = *expected.mutable_struct_value()->mutable_fields();
    *fields["args"].mutable_list_value() = args_;
    *fields["kwargs"].mutable_struct_value() = kwargs_;
    ExpectEncodes(result->result, expected);
    EXPECT_EQ(result->output, "in");
  }
}

// noop returns its positional arguments as a list Value (EncodeList), and
// nothing else: no output, kwargs dropped as Python's noop(*args) has none.
TEST_F(BuiltinsTest, NoopReturnsItsArgumentsAsAList) {
  for (const std::vector<google::protobuf::Value>& args :
       std::vector<std::vector<google::protobuf::Value>>{
           {},
           {Number(7)},
           {Number(-1.5), String("a"), String("")},
           {String(std::string(20000, 'k'))}}) {
    input_ = "in";
    absl::StatusOr<CallResult> result = Run("noop", args);
    ASSERT_TRUE(result.ok());
    google::protobuf::Value expected;
    *expected.mutable_list_value() = args_;
    ExpectEncodes(result->result, expected);
    EXPECT_EQ(result->output, "");
  }
  EXPECT_TRUE((*registry_.Find("noop"))->AllowsPool(v1::POOL_PROCESS));
  EXPECT_EQ((*registry_.Find("noop"))->default_pool, v1::POOL_THREAD);
}

TEST_F(BuiltinsTest, NumberResultsRoundTrip) {
  for (double number : {0.0, -1.0, 9592.0, 0.25}) {
    EXPECT_EQ(DecodedValue(EncodeNumber(number)).number_value(), number);
  }
  EXPECT_FALSE(DecodedValue(EncodeNumber(0)).has_struct_value());
  google::protobuf::Value not_a_value;
  EXPECT_FALSE(DecodeValue("\xff\xff", &not_a_value));
}

TEST_F(BuiltinsTest, ValidUtf8KeepsTextAndReplacesWhatIsNot) {
  const std::string kept = "plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(ValidUtf8(kept), kept);
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");    // overlong
  EXPECT_EQ(ValidUtf8("x\xE2\x82"), "x\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");
  google::protobuf::Value value;
  value.set_string_value(ValidUtf8("\xFF\xFEok"));
  google::protobuf::Value parsed;
  EXPECT_TRUE(DecodeValue(EncodeValue(value), &parsed));
  EXPECT_EQ(parsed.string_value(), "\xEF\xBF\xBD\xEF\xBF\xBDok");
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
