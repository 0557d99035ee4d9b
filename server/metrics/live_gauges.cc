#include "server/metrics/live_gauges.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace execd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(const char* name, const char* help, MetricType type) {
  MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

void AddSample(MetricFamily& family, double value,
               std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

const char* PoolLabel(v1::Pool pool) {
  return pool == v1::POOL_PROCESS ? "process" : "thread";
}

int CountOpenFds() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++count;
    closedir(dir);
    count -= 3;  // ".", ".." and the directory's own fd
  }
  return count;
}

void AddProcessMetrics(std::vector<MetricFamily>& families) {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)),
                   std::istreambuf_iterator<char>());
  // Fields after the ")" that ends the command name: state is field 3.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> values;
  for (std::string value; fields >> value;) values.push_back(value);
  if (values.size() < 22) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double cpu_seconds =
      (std::stod(values[11]) + std::stod(values[12])) / ticks;  // utime+stime
  const double start_ticks = std::stod(values[19]);
  const double rss_bytes = std::stod(values[21]) * page_size;
  double boot_time = 0;
  std::ifstream system_stat("/proc/stat");
  for (std::string key; system_stat >> key;) {
    if (key == "btime") {
      system_stat >> boot_time;
      break;
    }
  }
  MetricFamily cpu = Family("process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.",
                            MetricType::Counter);
  AddSample(cpu, cpu_seconds);
  MetricFamily rss = Family("process_resident_memory_bytes",
                            "Resident memory size in bytes.", MetricType::Gauge);
  AddSample(rss, rss_bytes);
  MetricFamily fds = Family("process_open_fds",
                            "Number of open file descriptors.", MetricType::Gauge);
  AddSample(fds, CountOpenFds());
  MetricFamily start = Family(
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.", MetricType::Gauge);
  AddSample(start, boot_time + start_ticks / ticks);
  for (MetricFamily* family : {&cpu, &rss, &fds, &start}) {
    families.push_back(std::move(*family));
  }
}

}  // namespace

std::vector<MetricFamily> LiveGauges::Collect() const {
  MetricFamily depth = Family("execd_queue_depth",
                              "Tasks ready to run and waiting for a worker.",
                              MetricType::Gauge);
  MetricFamily capacity = Family(
      "execd_queue_capacity", "Most pending tasks a pool accepts (--queue_capacity).",
      MetricType::Gauge);
  MetricFamily delayed = Family("execd_delayed_tasks",
                                "Pending tasks waiting out a delay or retry backoff.",
                                MetricType::Gauge);
  MetricFamily workers = Family("execd_workers", "Workers by state.",
                                MetricType::Gauge);
  const v1::GetPoolsResponse pools = executor_->GetPools();
  for (const v1::PoolStatus& pool : pools.pools()) {
    const std::string name = PoolLabel(pool.pool());
    AddSample(depth, pool.queue_depth(), {{"pool", name}});
    AddSample(capacity, pool.queue_capacity(), {{"pool", name}});
    AddSample(delayed, pool.delayed(), {{"pool", name}});
    AddSample(workers, pool.idle(), {{"pool", name}, {"state", "idle"}});
    AddSample(workers, pool.busy(), {{"pool", name}, {"state", "busy"}});
    AddSample(workers, pool.starting(), {{"pool", name}, {"state", "starting"}});
  }
  MetricFamily retained = Family(
      "execd_tasks_retained", "Tasks held by the server (any state).",
      MetricType::Gauge);
  AddSample(retained, executor_->store().retained());
  MetricFamily streams = Family("execd_callback_streams",
                                "Open Callback and SubmitStream streams.",
                                MetricType::Gauge);
  AddSample(streams, callback_streams_->load());
  std::vector<MetricFamily> families;
  for (MetricFamily* family :
       {&depth, &capacity, &delayed, &workers, &retained, &streams}) {
    families.push_back(std::move(*family));
  }
  AddProcessMetrics(families);
  return families;
}

}  // namespace execd
