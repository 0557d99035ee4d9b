#ifndef EXECD_TESTS_PROCESS_FAKE_POOL_HOST_H_
#define EXECD_TESTS_PROCESS_FAKE_POOL_HOST_H_

#include <signal.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/core/pool_host.h"
#include "server/core/task_queue.h"
#include "server/functions/registry.h"
#include "server/pools/process/process_pool.h"
#include "tests/support/server_process.h"
#include "tests/unit/test_util.h"  // Number(), String()

namespace execd::testing {

// Stands in for the executor: hands out tokens, records how each attempt
// ended and which restarts were counted.
class FakePoolHost : public PoolHost {
 public:
  std::shared_ptr<CancellationToken> BeginAttempt(const TaskPtr& task,
                                                  std::string worker) override {
    absl::MutexLock lock(&mu_);
    ++begun_[Id(task)];
    if (ended_pending_.count(Id(task)) > 0) return nullptr;
    auto token = std::make_shared<CancellationToken>();
    tokens_[Id(task)] = token;
    workers_[Id(task)] = std::move(worker);
    return token;
  }
  void EndAttempt(const TaskPtr& task, const CancellationToken* token,
                  AttemptResult result) override {
    absl::MutexLock lock(&mu_);
    if (tokens_[Id(task)].get() != token || token->IsCancelled()) return;
    results_.emplace(Id(task), std::move(result));
  }
  bool ReturnAttempt(const TaskPtr& task,
                     const CancellationToken* token) override {
    absl::MutexLock lock(&mu_);
    if (tokens_[Id(task)].get() != token || token->IsCancelled()) return false;
    tokens_.erase(Id(task));
    ++returned_[Id(task)];
    return true;
  }
  void WorkerRestarted(absl::string_view reason) override {
    absl::MutexLock lock(&mu_);
    restarts_.emplace_back(reason);
  }

  // The result of `task`'s attempt, waiting up to `timeout`.
  std::optional<AttemptResult> WaitResult(const TaskPtr& task,
                                          absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto has_result = [this, &task]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return results_.count(Id(task)) > 0;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&has_result), timeout)) {
      return std::nullopt;
    }
    return results_.at(Id(task));
  }
  // The worker name `task` started on, waiting up to `timeout`.
  std::string WaitWorker(const TaskPtr& task, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto started = [this, &task]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return workers_.count(Id(task)) > 0;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&started), timeout)) return "";
    return workers_.at(Id(task));
  }
  // What the executor does on cancel or timeout before calling Abort.
  const CancellationToken* CancelAttempt(const TaskPtr& task) {
    absl::MutexLock lock(&mu_);
    tokens_.at(Id(task))->Cancel();
    return tokens_.at(Id(task)).get();
  }
  // What the executor does on cancelling a task that is still pending
  // before calling Withdraw: it never begins from now on.
  void EndPending(const TaskPtr& task) {
    absl::MutexLock lock(&mu_);
    ended_pending_.insert(Id(task));
  }
  // How often an attempt of `task` was given back unstarted.
  int Returned(const TaskPtr& task) const {
    absl::MutexLock lock(&mu_);
    auto it = returned_.find(Id(task));
    return it == returned_.end() ? 0 : it->second;
  }
  // How often BeginAttempt was asked to begin `task`.
  int Begun(const TaskPtr& task) const {
    absl::MutexLock lock(&mu_);
    auto it = begun_.find(Id(task));
    return it == begun_.end() ? 0 : it->second;
  }
  std::vector<std::string> restarts() const {
    absl::MutexLock lock(&mu_);
    return restarts_;
  }
  bool WaitRestarts(size_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return restarts_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  // Keyed by task id: a freed record's address may come back for the next.
  static std::string Id(const TaskPtr& task) { return task->id(); }

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<CancellationToken>> tokens_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> workers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, AttemptResult> results_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> restarts_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> ended_pending_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> begun_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> returned_ ABSL_GUARDED_BY(mu_);
};

// The pid in a worker name "process-<slot>/pid-<pid>", or -1.
inline pid_t PidOfWorker(const std::string& worker) {
  const size_t at = worker.rfind("/pid-");
  int pid = -1;
  if (at == std::string::npos ||
      !absl::SimpleAtoi(worker.substr(at + 5), &pid)) {
    return -1;
  }
  return pid;
}

// True once `pid` no longer exists (or is a zombie nobody reaps yet).
inline bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  FILE* stat = fopen(absl::StrCat("/proc/", pid, "/stat").c_str(), "r");
  if (stat == nullptr) return true;
  char state = '?';
  fscanf(stat, "%*d %*s %c", &state);
  fclose(stat);
  return state == 'Z';
}

inline bool WaitProcessGone(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!ProcessGone(pid)) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// A ProcessPool on a real queue with a FakePoolHost, and task factories.
class PoolFixture : public ::testing::Test {
 protected:
  static ProcessPoolOptions Options(int processes) {
    ProcessPoolOptions options;
    options.processes = processes;
    return options;
  }
  void StartPool(ProcessPoolOptions options) {
    options.worker_path = BinaryPath("execd-worker");
    pool_ = std::make_unique<ProcessPool>(std::move(options), &queue_, &host_);
    pool_->Start();
  }
  void TearDown() override {
    queue_.Close();
    if (pool_ != nullptr) pool_->Stop();
  }

  TaskPtr MakeTask(const std::string& function,
                   std::vector<google::protobuf::Value> args,
                   const std::string& input = "") {
    auto task = std::make_shared<TaskRecord>();
    task->seq = ++next_seq_;
    absl::StatusOr<const FunctionSpec*> spec = registry_.Find(function);
    EXPECT_TRUE(spec.ok()) << spec.status();
    task->function = *spec;
    task->pool = v1::POOL_PROCESS;
    TaskInputs& inputs = task->mutable_inputs();
    for (auto& arg : args) *inputs.args.add_values() = std::move(arg);
    inputs.input = input;
    return task;
  }
  TaskPtr Submit(TaskPtr task) {
    queue_.Push(task);
    return task;
  }
  AttemptResult Await(const TaskPtr& task,
                      absl::Duration timeout = absl::Seconds(30)) {
    std::optional<AttemptResult> result = host_.WaitResult(task, timeout);
    EXPECT_TRUE(result.has_value()) << "no result for " << task->id();
    return result.value_or(AttemptResult{});
  }
  // Waits until Counts() shows `idle` idle (or `busy` busy) workers.
  bool WaitIdle(int idle, absl::Duration timeout) {
    return WaitCounts([idle](const WorkerCounts& c) { return c.idle == idle; },
                      timeout);
  }
  bool WaitBusy(int busy, absl::Duration timeout) {
    return WaitCounts([busy](const WorkerCounts& c) { return c.busy == busy; },
                      timeout);
  }
  template <typename Predicate>
  bool WaitCounts(Predicate predicate, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!predicate(pool_->Counts())) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  const FunctionRegistry registry_ = FunctionRegistry::WithBuiltins();
  TaskQueue queue_;
  FakePoolHost host_;
  std::unique_ptr<ProcessPool> pool_;
  uint64_t next_seq_ = 0;
};

}  // namespace execd::testing

#endif  // EXECD_TESTS_PROCESS_FAKE_POOL_HOST_H_
