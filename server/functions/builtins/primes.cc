#include <cmath>
#include <cstdint>
#include <vector>

#include "server/functions/builtins/builtins.h"
#include "server/functions/encoded_value.h"
#include "server/functions/value_args.h"

namespace execd {
namespace {

constexpr int64_t kMaxPrimesN = 1000000000;
// Odd numbers per sieve segment: small enough that a cancel is seen within
// well under 100 ms, large enough to stay in cache and fast.
constexpr int64_t kSegmentOdds = 1 << 16;

absl::StatusOr<int64_t> ReadN(const CallArgs& call) {
  ArgReader reader("primes", call);
  if (absl::Status shape = reader.CheckShape(1, {"n"}); !shape.ok()) {
    return shape;
  }
  return reader.Integer(0, "n", 0, kMaxPrimesN, std::nullopt);
}

// Small odd primes up to `limit` by a plain sieve.
std::vector<int64_t> OddPrimesUpTo(int64_t limit) {
  std::vector<bool> composite(limit + 1, false);
  std::vector<int64_t> primes;
  for (int64_t i = 3; i <= limit; i += 2) {
    if (composite[i]) continue;
    primes.push_back(i);
    for (int64_t j = i * i; j <= limit; j += 2 * i) composite[j] = true;
  }
  return primes;
}

// Counts primes below n with a segmented sieve over odd numbers, checking
// the cancellation token once per segment.
absl::StatusOr<int64_t> CountPrimesBelow(int64_t n,
                                         const TaskContext& context) {
  if (n <= 2) return 0;
  const int64_t root =
      static_cast<int64_t>(std::sqrt(static_cast<double>(n))) + 1;
  const std::vector<int64_t> sieving_primes = OddPrimesUpTo(root);
  int64_t count = 1;  // the prime 2
  std::vector<char> composite(kSegmentOdds);
  // Segment k covers odd numbers low, low+2, ..., below min(high, n).
  for (int64_t low = 3; low < n; low += 2 * kSegmentOdds) {
    if (context.IsCancelled()) return absl::CancelledError("primes cancelled");
    const int64_t high = std::min(n, low + 2 * kSegmentOdds);
    const int64_t odds = (high - low + 1) / 2;
    std::fill(composite.begin(), composite.begin() + odds, 0);
    for (int64_t p : sieving_primes) {
      if (p * p >= high) break;
      int64_t start = std::max(p * p, ((low + p - 1) / p) * p);
      if (start % 2 == 0) start += p;
      for (int64_t multiple = start; multiple < high; multiple += 2 * p) {
        composite[(multiple - low) / 2] = 1;
      }
    }
    for (int64_t i = 0; i < odds; ++i) count += composite[i] == 0;
  }
  return count;
}

}  // namespace

FunctionSpec PrimesFunction() {
  FunctionSpec spec;
  spec.name = "primes";
  spec.description =
      "Counts the primes below n (primes(100000) = 9592). CPU-bound; "
      "cancellable.";
  spec.signature = "primes(n: integer, 0 <= n <= 1000000000) -> integer";
  spec.default_pool = v1::POOL_PROCESS;
  spec.pools = {v1::POOL_THREAD, v1::POOL_PROCESS};
  spec.validate = [](const CallArgs& call, const FunctionLimits&) {
    return ReadN(call).status();
  };
  spec.run = [](const CallArgs& call,
                TaskContext& context) -> absl::StatusOr<CallResult> {
    absl::StatusOr<int64_t> n = ReadN(call);
    if (!n.ok()) return n.status();
    absl::StatusOr<int64_t> count = CountPrimesBelow(*n, context);
    if (!count.ok()) return count.status();
    CallResult result;
    result.result = EncodeNumber(static_cast<double>(*count));
    return result;
  };
  return spec;
}

}  // namespace execd
