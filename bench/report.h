#ifndef EXECD_BENCH_REPORT_H_
#define EXECD_BENCH_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bench/latency_stats.h"
#include "google/protobuf/struct.pb.h"

namespace execd::bench {

// Results are kept as a google.protobuf.Struct: one nested object per
// scenario, numbers and strings as leaves. That gives JSON for free.
using Section = google::protobuf::Struct;

Section* SubSection(Section* parent, absl::string_view key);
void SetNumber(Section* section, absl::string_view key, double value);
void SetString(Section* section, absl::string_view key,
               absl::string_view value);
// {count, mean_us, p50_us, p99_us, p999_us, max_us} under `key`.
void SetLatency(Section* section, absl::string_view key,
                const LatencySummary& summary);

// Machine facts: nproc, CPU model, memory, load average.
void DescribeMachine(Section* machine);

absl::Status WriteJson(const Section& report, const std::string& path);
// One row per leaf: "scenario.path  value".
void PrintTable(const Section& report, std::ostream& out);

}  // namespace execd::bench

#endif  // EXECD_BENCH_REPORT_H_
