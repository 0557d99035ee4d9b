#ifndef EXECD_TESTS_FUZZ_FUZZ_COMMON_H_
#define EXECD_TESTS_FUZZ_FUZZ_COMMON_H_

#include <cstdlib>

#include "google/protobuf/message.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/functions/registry.h"

namespace execd::fuzz {

// Built once per fuzzing process and never destroyed: libFuzzer may exit
// from any thread at any time, so no static destructor must run.
inline const FunctionRegistry& Registry() {
  static const auto* registry =
      new FunctionRegistry(FunctionRegistry::WithBuiltins());
  return *registry;
}

inline const FunctionLimits& Limits() {
  static const auto* limits = [] {
    auto* built = new FunctionLimits;
    built->exec_allow = {"/bin/true", "/bin/cat"};
    return built;
  }();
  return *limits;
}

// A broken invariant is a crash libFuzzer records with its input.
inline void Check(bool condition) {
  if (!condition) std::abort();
}

// Field-by-field equality where NaN equals NaN (a fuzzed number may be NaN).
inline bool SameMessage(const google::protobuf::Message& a,
                        const google::protobuf::Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

}  // namespace execd::fuzz

#endif  // EXECD_TESTS_FUZZ_FUZZ_COMMON_H_
