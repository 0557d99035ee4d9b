// Fuzzes the argument decoding of every built-in: `validate` of each
// function on arbitrary args/kwargs/input, and `run` of the pure ones (echo,
// fail, primes with n capped small). Never runs sleep, crash, exec or
// allocate: their validation only.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "execd/v1/worker.pb.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/core/cancellation.h"
#include "server/functions/encoded_value.h"
#include "server/functions/registry.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/fuzz/fuzz_input.h"

namespace execd::fuzz {
namespace {

constexpr int64_t kMaxRunPrimesN = 20000;

int64_t NaivePrimeCount(int64_t n) {
  int64_t count = 0;
  for (int64_t i = 2; i < n; ++i) {
    bool prime = true;
    for (int64_t d = 2; d * d <= i && prime; ++d) prime = i % d != 0;
    count += prime;
  }
  return count;
}

// n as primes' validate accepted it (by position or by name).
int64_t PrimesN(const CallArgs& call) {
  if (call.args.values_size() > 0) {
    return static_cast<int64_t>(call.args.values(0).number_value());
  }
  return static_cast<int64_t>(call.kwargs.fields().at("n").number_value());
}

void RunPure(const FunctionSpec& spec, const CallArgs& call) {
  CancellationToken token;
  TaskContext context(&token, &Limits());
  if (spec.name == "echo") {
    absl::StatusOr<CallResult> result = spec.run(call, context);
    Check(result.ok());
    // echo encodes by hand: as long as the Value built from the same parts,
    // and parsing exactly when that Value's encoding parses (strings that
    // are not UTF-8, which no request parsed off the wire carries, fail both).
    google::protobuf::Value built;
    auto& built_fields = *built.mutable_struct_value()->mutable_fields();
    *built_fields["args"].mutable_list_value() = call.args;
    *built_fields["kwargs"].mutable_struct_value() = call.kwargs;
    Check(result->result.size() == built.ByteSizeLong());
    google::protobuf::Value reparsed;
    const bool built_parses =
        reparsed.ParseFromString(built.SerializeAsString());
    google::protobuf::Value value;
    Check(DecodeValue(result->result, &value) == built_parses);
    if (built_parses) {
      const auto& fields = value.struct_value().fields();
      Check(fields.size() == 2);
      Check(SameMessage(fields.at("args").list_value(), call.args));
      Check(SameMessage(fields.at("kwargs").struct_value(), call.kwargs));
    }
    Check(result->output == call.input);
  } else if (spec.name == "fail") {
    absl::StatusOr<CallResult> result = spec.run(call, context);
    Check(!result.ok());
  } else if (spec.name == "primes") {
    const int64_t n = PrimesN(call);
    Check(n >= 0 && n <= 1000000000);
    if (n > kMaxRunPrimesN) return;
    absl::StatusOr<CallResult> result = spec.run(call, context);
    Check(result.ok());
    Check(DecodedValue(result->result).number_value() ==
          static_cast<double>(NaivePrimeCount(n)));
  }
}

void FuzzCall(const CallArgs& call) {
  for (const auto& [name, spec] : Registry().functions()) {
    absl::Status valid = spec.validate(call, Limits());
    if (!valid.ok()) {
      Check(absl::IsInvalidArgument(valid) || absl::IsPermissionDenied(valid));
      Check(!valid.message().empty());
      continue;
    }
    RunPure(spec, call);
  }
}

}  // namespace
}  // namespace execd::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace execd;  // NOLINT(build/namespaces)
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  ++data;
  --size;
  if (mode % 2 == 0) {
    // A worker frame's call, as execd-worker decodes it.
    v1::worker::WorkerCall call;
    if (!call.ParseFromArray(data, static_cast<int>(size))) return 0;
    fuzz::FuzzCall(CallArgs{call.args(), call.kwargs(), call.input()});
    return 0;
  }
  fuzz::FuzzInput in(data, size);
  google::protobuf::ListValue args;
  google::protobuf::Struct kwargs;
  in.List(&args, 3);
  in.Struct(&kwargs, 2);
  const std::string input = in.String(64);
  fuzz::FuzzCall(CallArgs{args, kwargs, input});
  return 0;
}
