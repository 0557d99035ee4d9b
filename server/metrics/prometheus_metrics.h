#ifndef EXECD_SERVER_METRICS_PROMETHEUS_METRICS_H_
#define EXECD_SERVER_METRICS_PROMETHEUS_METRICS_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/core/executor.h"
#include "server/core/executor_metrics.h"
#include "server/functions/registry.h"
#include "server/metrics/grpc_server_metrics.h"

namespace execd {

// The execd_* metrics of API.md. Counters and histograms are updated on
// events; gauges are read from the executor at scrape time (LiveGauges).
// Every label value comes from a fixed set (pools, outcomes, reasons,
// registered function names), so cardinality stays bounded.
class PrometheusMetrics : public ExecutorMetrics {
 public:
  explicit PrometheusMetrics(const FunctionRegistry& functions);
  ~PrometheusMetrics() override;

  // Serves /metrics on `address` ("host:port", port 0 = ephemeral) with the
  // live gauges of `executor`. `callback_streams` is owned by the service.
  absl::Status Serve(const std::string& address, const Executor* executor,
                     const std::atomic<int64_t>* callback_streams);
  int port() const;
  // Stops /metrics; the live gauges read the executor, so this must run
  // before the executor goes.
  void StopServing() { exposer_.reset(); }

  void TaskSubmitted(v1::Pool pool) override;
  void TaskRejected(absl::string_view reason) override;
  void TaskStarted(v1::Pool pool, absl::Duration waited) override;
  void TaskFinished(v1::Pool pool, absl::string_view outcome) override;
  void AttemptRan(v1::Pool pool, absl::string_view function,
                  absl::Duration ran) override;
  void WorkerRestarted(absl::string_view reason) override;

  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators: counts
  // every RPC in the grpc_server_* metrics. This object must outlive the
  // server.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
  GrpcInterceptorCreators() const;

 private:
  static int PoolIndex(v1::Pool pool) { return pool == v1::POOL_PROCESS; }

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> live_gauges_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  GrpcServerMetrics grpc_metrics_;
  // Label children are created up front; the maps are read-only afterwards.
  prometheus::Counter* submitted_[2];
  prometheus::Histogram* wait_seconds_[2];
  std::map<std::string, prometheus::Counter*, std::less<>> finished_[2];
  std::map<std::string, prometheus::Counter*, std::less<>> rejected_;
  std::map<std::string, prometheus::Counter*, std::less<>> restarts_;
  std::map<std::string, prometheus::Histogram*, std::less<>> run_seconds_[2];
};

}  // namespace execd

#endif  // EXECD_SERVER_METRICS_PROMETHEUS_METRICS_H_
