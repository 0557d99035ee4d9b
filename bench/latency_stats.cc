#include "bench/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace execd::bench {
namespace {

// Nearest-rank percentile of sorted samples.
double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(
      std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace

void LatencyRecorder::Merge(const LatencyRecorder& other) {
  samples_us_.insert(samples_us_.end(), other.samples_us_.begin(),
                     other.samples_us_.end());
}

LatencySummary LatencyRecorder::Summarize() const {
  LatencySummary summary;
  if (samples_us_.empty()) return summary;
  std::vector<double> sorted = samples_us_;
  std::sort(sorted.begin(), sorted.end());
  summary.count = static_cast<int64_t>(sorted.size());
  summary.mean_us =
      std::accumulate(sorted.begin(), sorted.end(), 0.0) / sorted.size();
  summary.p50_us = Percentile(sorted, 0.50);
  summary.p99_us = Percentile(sorted, 0.99);
  summary.p999_us = Percentile(sorted, 0.999);
  summary.max_us = sorted.back();
  return summary;
}

SampleSpread SpreadOf(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return SampleSpread{samples[samples.size() / 2], samples.front(),
                      samples.back()};
}

}  // namespace execd::bench
