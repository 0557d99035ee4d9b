#ifndef EXECD_BENCH_LATENCY_STATS_H_
#define EXECD_BENCH_LATENCY_STATS_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace execd::bench {

struct LatencySummary {
  int64_t count = 0;
  double mean_us = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
};

// Collects samples (one thread at a time) and summarizes them.
class LatencyRecorder {
 public:
  void Reserve(size_t count) { samples_us_.reserve(count); }
  void Add(absl::Duration latency) {
    samples_us_.push_back(absl::ToDoubleMicroseconds(latency));
  }
  void AddMicros(double micros) { samples_us_.push_back(micros); }
  void Merge(const LatencyRecorder& other);
  size_t size() const { return samples_us_.size(); }
  LatencySummary Summarize() const;

 private:
  std::vector<double> samples_us_;
};

// The middle and the ends of a few samples of one figure (rates of repeated
// runs): the median resists one hiccup of the machine.
struct SampleSpread {
  double median = 0;
  double min = 0;
  double max = 0;
};
// Of `samples`, which must not be empty.
SampleSpread SpreadOf(std::vector<double> samples);

}  // namespace execd::bench

#endif  // EXECD_BENCH_LATENCY_STATS_H_
