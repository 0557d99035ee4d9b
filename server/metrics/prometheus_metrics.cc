#include "server/metrics/prometheus_metrics.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/family.h"
#include "server/metrics/grpc_metrics_interceptor.h"
#include "server/metrics/live_gauges.h"

namespace execd {
namespace {

constexpr const char* kPoolNames[2] = {"thread", "process"};
constexpr const char* kOutcomes[] = {"succeeded", "failed", "cancelled",
                                     "timed_out", "worker_lost"};
constexpr const char* kRejectReasons[] = {
    "queue_full",        "invalid_argument", "not_found",
    "permission_denied", "unauthenticated",  "shutting_down"};
constexpr const char* kRestartReasons[] = {"crash", "timeout", "cancel",
                                           "recycle", "memory"};

// 50 us to 30 min: no-op tasks and queue waits on a busy server are
// sub-millisecond, batch work runs for minutes.
prometheus::Histogram::BucketBoundaries TaskTimeBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,
          10,      30,     60,      120,    300,   600,    1800};
}

template <typename Map>
void Increment(const Map& counters, absl::string_view key) {
  auto it = counters.find(key);
  if (it != counters.end()) it->second->Increment();
}

}  // namespace

PrometheusMetrics::PrometheusMetrics(const FunctionRegistry& functions)
    : registry_(std::make_shared<prometheus::Registry>()),
      grpc_metrics_(*registry_) {
  auto& submitted = prometheus::BuildCounter()
                        .Name("execd_tasks_submitted_total")
                        .Help("Tasks accepted by Submit, SubmitStream and Map.")
                        .Register(*registry_);
  auto& finished = prometheus::BuildCounter()
                       .Name("execd_tasks_finished_total")
                       .Help("Tasks that reached a terminal state, by outcome.")
                       .Register(*registry_);
  auto& rejected = prometheus::BuildCounter()
                       .Name("execd_tasks_rejected_total")
                       .Help("Submissions refused, by reason.")
                       .Register(*registry_);
  auto& restarts = prometheus::BuildCounter()
                       .Name("execd_worker_restarts_total")
                       .Help("Worker processes replaced, by reason.")
                       .Register(*registry_);
  auto& wait = prometheus::BuildHistogram()
                   .Name("execd_task_wait_seconds")
                   .Help("Time from ready (submit, or end of delay) to start.")
                   .Register(*registry_);
  auto& run = prometheus::BuildHistogram()
                  .Name("execd_task_run_seconds")
                  .Help("Run time of each attempt, by function.")
                  .Register(*registry_);
  for (int pool = 0; pool < 2; ++pool) {
    const std::string name = kPoolNames[pool];
    submitted_[pool] = &submitted.Add({{"pool", name}});
    wait_seconds_[pool] = &wait.Add({{"pool", name}}, TaskTimeBuckets());
    for (const char* outcome : kOutcomes) {
      finished_[pool][outcome] =
          &finished.Add({{"pool", name}, {"outcome", outcome}});
    }
    for (const auto& [function, spec] : functions.functions()) {
      const v1::Pool kind = pool == 1 ? v1::POOL_PROCESS : v1::POOL_THREAD;
      if (!spec.AllowsPool(kind)) continue;
      run_seconds_[pool][function] =
          &run.Add({{"pool", name}, {"function", function}}, TaskTimeBuckets());
    }
  }
  for (const char* reason : kRejectReasons) {
    rejected_[reason] = &rejected.Add({{"reason", reason}});
  }
  for (const char* reason : kRestartReasons) {
    restarts_[reason] = &restarts.Add({{"reason", reason}});
  }
}

PrometheusMetrics::~PrometheusMetrics() = default;

absl::Status PrometheusMetrics::Serve(
    const std::string& address, const Executor* executor,
    const std::atomic<int64_t>* callback_streams) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", error.what()));
  }
  live_gauges_ = std::make_shared<LiveGauges>(executor, callback_streams);
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(live_gauges_);
  return absl::OkStatus();
}

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
PrometheusMetrics::GrpcInterceptorCreators() const {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      creators;
  creators.push_back(
      std::make_unique<GrpcMetricsInterceptorFactory>(&grpc_metrics_));
  return creators;
}

int PrometheusMetrics::port() const {
  if (exposer_ == nullptr) return 0;
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void PrometheusMetrics::TaskSubmitted(v1::Pool pool) {
  submitted_[PoolIndex(pool)]->Increment();
}

void PrometheusMetrics::TaskRejected(absl::string_view reason) {
  Increment(rejected_, reason);
}

void PrometheusMetrics::TaskStarted(v1::Pool pool, absl::Duration waited) {
  wait_seconds_[PoolIndex(pool)]->Observe(absl::ToDoubleSeconds(waited));
}

void PrometheusMetrics::TaskFinished(v1::Pool pool, absl::string_view outcome) {
  Increment(finished_[PoolIndex(pool)], outcome);
}

void PrometheusMetrics::AttemptRan(v1::Pool pool, absl::string_view function,
                                   absl::Duration ran) {
  auto& histograms = run_seconds_[PoolIndex(pool)];
  auto it = histograms.find(function);
  if (it != histograms.end()) it->second->Observe(absl::ToDoubleSeconds(ran));
}

void PrometheusMetrics::WorkerRestarted(absl::string_view reason) {
  Increment(restarts_, reason);
}

}  // namespace execd
