#ifndef EXECD_SERVER_METRICS_LIVE_GAUGES_H_
#define EXECD_SERVER_METRICS_LIVE_GAUGES_H_

#include <atomic>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "server/core/executor.h"

namespace execd {

// Gauges computed at scrape time from the executor's pools and store, plus
// the standard process_* metrics read from /proc.
class LiveGauges : public prometheus::Collectable {
 public:
  LiveGauges(const Executor* executor,
             const std::atomic<int64_t>* callback_streams)
      : executor_(executor), callback_streams_(callback_streams) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Executor* executor_;
  const std::atomic<int64_t>* callback_streams_;
};

}  // namespace execd

#endif  // EXECD_SERVER_METRICS_LIVE_GAUGES_H_
