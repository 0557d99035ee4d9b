#ifndef EXECD_TESTS_OBSERVABILITY_PROMETHEUS_SERVER_H_
#define EXECD_TESTS_OBSERVABILITY_PROMETHEUS_SERVER_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace execd::observability {

// One sample of an instant-vector query result.
struct PromSample {
  std::map<std::string, std::string> labels;
  double value;
};

// A real Prometheus server (Debian `prometheus`) on 127.0.0.1 with its own
// temporary storage, scraping one target every second. Destroying it kills
// it by pid.
class PrometheusServer {
 public:
  // Starts it with job "execd" scraping http://127.0.0.1:<target_port>/metrics
  // and waits until /-/ready answers.
  static absl::StatusOr<std::unique_ptr<PrometheusServer>> Start(
      int target_port);
  ~PrometheusServer();

  // GET /api/v1/query?query=<expr>: the samples of an instant vector.
  absl::StatusOr<std::vector<PromSample>> Query(const std::string& expr) const;
  // The single value of `expr`; an error unless exactly one sample.
  absl::StatusOr<double> QueryOne(const std::string& expr) const;

  int port() const { return port_; }
  std::string Log() const;

 private:
  PrometheusServer() = default;
  absl::Status Spawn(const std::string& binary, int target_port);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace execd::observability

#endif  // EXECD_TESTS_OBSERVABILITY_PROMETHEUS_SERVER_H_
