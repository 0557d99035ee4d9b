#ifndef EXECD_SERVER_CORE_EXECUTOR_METRICS_H_
#define EXECD_SERVER_CORE_EXECUTOR_METRICS_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"

namespace execd {

// Events the executor reports for counters and histograms; the Prometheus
// implementation lives in server/metrics. Gauges (queue depth, workers) are
// read at scrape time instead, so they cost nothing on the hot path.
class ExecutorMetrics {
 public:
  virtual ~ExecutorMetrics() = default;
  virtual void TaskSubmitted(v1::Pool pool) {}
  // `reason`: queue_full, invalid_argument, not_found, permission_denied,
  // unauthenticated, shutting_down.
  virtual void TaskRejected(absl::string_view reason) {}
  virtual void TaskStarted(v1::Pool pool, absl::Duration waited) {}
  // `outcome`: succeeded, failed, cancelled, timed_out, worker_lost.
  virtual void TaskFinished(v1::Pool pool, absl::string_view outcome) {}
  virtual void AttemptRan(v1::Pool pool, absl::string_view function,
                          absl::Duration ran) {}
  // `reason`: crash, timeout, cancel, recycle, memory.
  virtual void WorkerRestarted(absl::string_view reason) {}
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_EXECUTOR_METRICS_H_
