#include "server/pools/process/process_pool.h"

#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "execd/v1/worker.pb.h"
#include "server/core/attempt_result.h"
#include "server/core/log.h"
#include "server/core/task_id.h"
#include "server/pools/process/call_gates.h"
#include "server/pools/process/worker_config.h"

namespace execd {
namespace {

// Whether a reply's task id names `task`: parsed, not formatted, as this
// runs once per task on the dispatch path.
bool IsTaskId(absl::string_view id, const TaskRecord& task) {
  absl::StatusOr<ParsedTaskId> parsed = ParseTaskId(id);
  return parsed.ok() && parsed->instance == task.instance &&
         parsed->seq == task.seq;
}

// How often an idle driver looks whether its worker died.
constexpr absl::Duration kIdleCheck = absl::Milliseconds(200);
// After a worker's socket reached EOF, how long until it must have exited.
constexpr absl::Duration kExitGrace = absl::Seconds(1);
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
constexpr int kCodeUnavailable = 14;
// Most plain (non-Map-chunk) tasks in one frame: enough to spare the worker
// and its driver most wake-ups under a backlog, few enough that a slow task
// holds up little behind it.
constexpr int kMaxPlainCalls = 16;

absl::string_view AbortLabel(AbortReason reason) {
  switch (reason) {
    case AbortReason::kCancel:
      return "cancel";
    case AbortReason::kTimeout:
      return "timeout";
    case AbortReason::kShutdown:
      return "shutdown";
  }
  return "abort";
}

AttemptResult ToAttemptResult(v1::worker::WorkerReply::CallDone done) {
  AttemptResult result;
  result.ok = done.ok();
  if (done.ok()) {
    result.result = std::move(*done.mutable_result());
    result.output = std::move(*done.mutable_output());
  } else {
    result.error = std::move(*done.mutable_error());
  }
  return result;
}

AttemptResult WorkerLost(const std::string& message) {
  AttemptResult result;
  result.error = MakeTaskError(kReasonWorkerLost, message, kCodeUnavailable);
  return result;
}

// A worker that closed its socket (or died mid-frame) is exiting by itself;
// anything else it did wrong means it must be killed.
bool WorkerEnded(const absl::Status& cause) {
  return absl::IsUnavailable(cause) || absl::IsDataLoss(cause);
}

}  // namespace

ProcessPool::ProcessPool(ProcessPoolOptions options, TaskQueue* queue,
                         PoolHost* host)
    : options_(std::move(options)), queue_(queue), host_(host) {
  for (int i = 0; i < std::max(options_.processes, 1); ++i) {
    slots_.push_back(std::make_unique<Slot>(i));
  }
}

ProcessPool::~ProcessPool() { Stop(); }

void ProcessPool::Start() {
  for (auto& slot : slots_) {
    Slot* raw = slot.get();
    slot->driver = std::thread([this, raw] { Drive(*raw); });
  }
  const int wanted = static_cast<int>(slots_.size());
  absl::MutexLock lock(&start_mu_);
  auto all_tried = [this, wanted]() ABSL_SHARED_LOCKS_REQUIRED(start_mu_) {
    return first_starts_done_ >= wanted;
  };
  start_mu_.AwaitWithTimeout(absl::Condition(&all_tried),
                             options_.start_timeout + absl::Seconds(1));
}

void ProcessPool::Drive(Slot& slot) {
  std::unique_ptr<WorkerProcess> worker = StartWorker(slot);
  ReportStartAttempt(slot);  // also when stopped before any attempt
  int64_t tasks_run = 0;
  while (worker != nullptr && !stopping_.load()) {
    // An idle worker has nothing to say: a readable socket means it died.
    if (worker->HungUp()) {
      LoseWorker(slot, std::move(worker),
                 absl::UnavailableError("died while idle"), {});
      worker = StartWorker(slot);
      tasks_run = 0;
      continue;
    }
    int max = CallGates::kMaxCalls;
    if (options_.max_tasks_per_child > 0) {
      max = static_cast<int>(
          std::min<int64_t>(max, options_.max_tasks_per_child - tasks_run));
    }
    bool closed = false;
    std::vector<TaskPtr> calls = NextFrame(slot, *worker, max, &closed);
    if (closed) break;
    if (calls.empty()) continue;
    tasks_run += static_cast<int64_t>(calls.size());
    Attempt lost;
    absl::Status ran = RunFrame(slot, *worker, calls, &lost);
    if (!ran.ok()) {
      LoseWorker(slot, std::move(worker), ran, std::move(lost));
    } else if (options_.max_tasks_per_child > 0 &&
               tasks_run >= options_.max_tasks_per_child) {
      RecycleWorker(slot, std::move(worker));
    } else {
      continue;
    }
    worker = StartWorker(slot);
    tasks_run = 0;
  }
  SetState(slot, SlotState::kStopped, nullptr);
  if (worker != nullptr) worker->Reap(options_.stop_grace);
}

std::unique_ptr<WorkerProcess> ProcessPool::StartWorker(Slot& slot) {
  WorkerConfig config;
  config.memory_limit_mb = options_.memory_limit_mb;
  config.max_frame_bytes = options_.max_frame_bytes;
  config.limits = options_.limits;
  absl::Duration backoff = kFirstBackoff;
  while (!stopping_.load()) {
    SetState(slot, SlotState::kStarting, nullptr);
    absl::StatusOr<std::unique_ptr<WorkerProcess>> worker =
        WorkerProcess::Spawn(options_.worker_path, config);
    absl::Status started = worker.status();
    if (worker.ok()) {
      SetState(slot, SlotState::kStarting, worker->get());  // Stop may kill it
      started = (*worker)->AwaitHello(options_.start_timeout);
      if (started.ok()) {
        Log(LogLevel::kInfo, "worker_spawn",
            {{"slot", absl::StrCat(slot.index)},
             {"pid", absl::StrCat((*worker)->pid())}});
        SetState(slot, SlotState::kIdle, worker->get());
        ReportStartAttempt(slot);
        return std::move(*worker);
      }
      SetState(slot, SlotState::kStarting, nullptr);
      (*worker)->Kill();
      const int status = (*worker)->Reap(absl::ZeroDuration());
      started = absl::UnavailableError(
          absl::StrCat(started.message(), "; ",
                       DescribeWorkerExit((*worker)->pid(), status)));
    }
    ReportStartAttempt(slot);
    if (stopping_.load()) break;
    Log(LogLevel::kError, "worker_start_failed",
        {{"slot", absl::StrCat(slot.index)},
         {"path", options_.worker_path},
         {"error", std::string(started.message())},
         {"retry_in", absl::FormatDuration(backoff)}});
    stop_requested_.WaitForNotificationWithTimeout(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  return nullptr;
}

std::vector<TaskPtr> ProcessPool::NextFrame(Slot& slot, WorkerProcess& worker,
                                            int max, bool* closed) {
  const absl::Time start = absl::Now();
  auto claim = [&slot, &worker](const std::vector<TaskPtr>& taken) {
    ClaimFrame(slot, worker, taken);
  };
  std::vector<TaskPtr> calls =
      queue_->PopBatch(kIdleCheck, max, std::min(max, kMaxPlainCalls),
                       static_cast<int>(slots_.size()), claim);
  // PopBatch gives nothing early only when the queue is closed.
  if (calls.empty()) *closed = absl::Now() - start < kIdleCheck / 2;
  return calls;
}

void ProcessPool::ClaimFrame(Slot& slot, WorkerProcess& worker,
                             const std::vector<TaskPtr>& calls) {
  worker.gates().Reset(static_cast<int>(calls.size()));
  absl::MutexLock lock(&slot.mu);
  slot.calls = calls;
  slot.current = 0;
  slot.token = nullptr;
  slot.state = SlotState::kBusy;
}

absl::Status ProcessPool::RunFrame(Slot& slot, WorkerProcess& worker,
                                   const std::vector<TaskPtr>& calls,
                                   Attempt* lost) {
  const std::string name = WorkerName(slot, worker.pid());
  const int count = static_cast<int>(calls.size());
  int next = 0;  // the call the worker is at
  // The first call begins before the frame goes out, so that if its task
  // is no longer pending its gate closes before the worker can take it.
  Attempt attempt = Begin(slot, calls, next, name);
  absl::Status status = worker.SendCalls(calls);
  v1::worker::WorkerReply reply;
  while (status.ok() && next < count) {
    status = worker.Receive(&reply);
    if (!status.ok()) break;
    if (reply.has_child()) {
      absl::MutexLock lock(&slot.mu);
      slot.child_pgid = reply.child().pgid();
      continue;
    }
    if (!reply.has_done() || !IsTaskId(reply.done().task_id(), *calls[next])) {
      status = absl::InternalError("a reply that answers no call it was sent");
      break;
    }
    // Skipped: withdrawn, so its task has already ended.
    if (attempt.token != nullptr && !reply.done().skipped()) {
      host_->EndAttempt(attempt.task, attempt.token.get(),
                        ToAttemptResult(std::move(*reply.mutable_done())));
    }
    attempt = {};
    // Having answered, the worker went on to the next call.
    if (++next < count) attempt = Begin(slot, calls, next, name);
  }
  if (!status.ok()) {
    {
      absl::MutexLock lock(&slot.mu);
      slot.calls.clear();  // Withdraw must no longer look here
    }
    // The worker runs calls in order and takes each one's gate first. The
    // call it was at may not have started either (killed for another task
    // of the frame just as it answered the one before): then its task goes
    // back to the queue too, rather than fail for someone else's abort.
    if (attempt.token != nullptr &&
        worker.gates().state(next) != GateState::kStarted &&
        host_->ReturnAttempt(attempt.task, attempt.token.get())) {
      attempt = {};
    }
    const int first_unstarted = attempt.token != nullptr ? next + 1 : next;
    for (int i = first_unstarted; i < count; ++i) {
      // Withdrawn ones were cancelled: they are done with.
      if (worker.gates().state(i) != GateState::kWithdrawn) {
        queue_->Push(calls[i]);
      }
    }
    *lost = std::move(attempt);
    return status;
  }
  absl::MutexLock lock(&slot.mu);
  // Killed by an Abort that came after its task's reply: replace it now
  // rather than send it more work.
  if (slot.abort_reason.has_value()) {
    return absl::UnavailableError("killed by an abort");
  }
  slot.calls.clear();
  slot.token = nullptr;
  slot.child_pgid = 0;
  slot.state = SlotState::kIdle;
  return absl::OkStatus();
}

ProcessPool::Attempt ProcessPool::Begin(Slot& slot,
                                        const std::vector<TaskPtr>& calls,
                                        int index,
                                        const std::string& worker_name) {
  std::shared_ptr<CancellationToken> token =
      host_->BeginAttempt(calls[index], worker_name);
  absl::MutexLock lock(&slot.mu);
  slot.current = index;
  slot.token = token;
  // Null: the task is no longer pending (cancelled in the frame, when
  // Withdraw has usually closed its gate already, or before it was put back
  // in the queue). Cancelled: an Abort came before the line above and found
  // nothing to stop. Either way the call must not run.
  if (token == nullptr || token->IsCancelled()) {
    StopCallLocked(slot, index, AbortReason::kCancel);
  }
  return {calls[index], std::move(token)};
}

void ProcessPool::StopCallLocked(Slot& slot, int index, AbortReason reason) {
  CallGates& gates = slot.worker->gates();
  const int count = static_cast<int>(slot.calls.size());
  const GateState found = gates.Withdraw(index);
  if (found != GateState::kStarted) return;  // it will never run
  // Started, but the worker has already answered it and gone on: nothing
  // of this call left to stop.
  if (index + 1 < count && gates.state(index + 1) == GateState::kStarted) {
    return;
  }
  // Running: nothing more of the frame may start, and the worker dies.
  gates.Fence(index + 1, count);
  if (!slot.abort_reason.has_value()) {
    slot.abort_reason = reason;
    slot.aborted_task_id = slot.calls[index]->id();
  }
  slot.worker->Kill();
  if (slot.child_pgid > 0) kill(-slot.child_pgid, SIGKILL);
}

void ProcessPool::LoseWorker(Slot& slot, std::unique_ptr<WorkerProcess> worker,
                             const absl::Status& cause, Attempt lost) {
  const pid_t pid = worker->pid();
  std::optional<AbortReason> abort_reason;
  std::string aborted_task_id;
  pid_t child_pgid = 0;
  {
    absl::MutexLock lock(&slot.mu);
    slot.state = SlotState::kStarting;
    slot.worker = nullptr;  // from here on only this thread touches it
    slot.calls.clear();
    slot.token = nullptr;
    abort_reason = std::exchange(slot.abort_reason, std::nullopt);
    aborted_task_id = std::move(slot.aborted_task_id);
    child_pgid = std::exchange(slot.child_pgid, 0);
  }
  if (!WorkerEnded(cause)) worker->Kill();
  if (child_pgid > 0) kill(-child_pgid, SIGKILL);
  const int status = worker->Reap(kExitGrace);

  std::string message;
  absl::string_view restart_reason = "crash";
  if (abort_reason.has_value()) {
    restart_reason = *abort_reason == AbortReason::kShutdown
                         ? absl::string_view()
                         : AbortLabel(*abort_reason);
    message =
        absl::StrCat("worker pid ", pid, " was killed to stop task ",
                     aborted_task_id, " (", AbortLabel(*abort_reason), ")");
  } else if (WIFEXITED(status) &&
             WEXITSTATUS(status) == kWorkerExitMemoryLimit) {
    restart_reason = "memory";
    message =
        options_.memory_limit_mb > 0
            ? absl::StrCat("worker pid ", pid, " exceeded its memory limit of ",
                           options_.memory_limit_mb,
                           " MiB (--worker_memory_limit_mb) and exited")
            : absl::StrCat("worker pid ", pid, " ran out of memory");
  } else if (!WorkerEnded(cause)) {
    message = absl::StrCat("worker pid ", pid, " broke the worker protocol (",
                           cause.message(), ") and was killed");
  } else {
    message = DescribeWorkerExit(pid, status);
  }
  if (!stopping_.load()) {
    Log(abort_reason.has_value() ? LogLevel::kInfo : LogLevel::kWarning,
        "worker_exit",
        {{"pid", absl::StrCat(pid)},
         {"slot", absl::StrCat(slot.index)},
         {"tasks_lost", lost.token != nullptr ? "1" : "0"},
         {"restart", std::string(restart_reason)},
         {"message", message}});
    if (!restart_reason.empty()) CountRestart(restart_reason);
  }
  if (lost.token != nullptr) {
    host_->EndAttempt(lost.task, lost.token.get(), WorkerLost(message));
  }
}

void ProcessPool::RecycleWorker(Slot& slot,
                                std::unique_ptr<WorkerProcess> worker) {
  SetState(slot, SlotState::kStarting, nullptr);
  const pid_t pid = worker->pid();
  worker->Reap(options_.stop_grace);  // EOF: it exits on its own
  Log(LogLevel::kDebug, "worker_exit",
      {{"pid", absl::StrCat(pid)},
       {"slot", absl::StrCat(slot.index)},
       {"restart", "recycle"},
       {"message", absl::StrCat("ran ", options_.max_tasks_per_child,
                                " tasks (--max_tasks_per_child)")}});
  CountRestart("recycle");
}

void ProcessPool::Abort(const TaskRecord& task,
                        const CancellationToken* attempt, AbortReason reason) {
  if (attempt == nullptr) return;
  for (const auto& slot : slots_) {
    absl::MutexLock lock(&slot->mu);
    if (slot->worker == nullptr || slot->token.get() != attempt) continue;
    StopCallLocked(*slot, slot->current, reason);
    return;
  }
}

void ProcessPool::Withdraw(const TaskRecord& task, AbortReason reason) {
  for (const auto& slot : slots_) {
    absl::MutexLock lock(&slot->mu);
    if (slot->worker == nullptr) continue;
    const auto& calls = slot->calls;
    for (int i = slot->current; i < static_cast<int>(calls.size()); ++i) {
      if (calls[i].get() != &task) continue;
      StopCallLocked(*slot, i, reason);
      return;
    }
  }
}

WorkerCounts ProcessPool::Counts() const {
  WorkerCounts counts;
  for (const auto& slot : slots_) {
    absl::MutexLock lock(&slot->mu);
    switch (slot->state) {
      case SlotState::kStarting:
        ++counts.starting;
        break;
      case SlotState::kIdle:
        ++counts.idle;
        break;
      case SlotState::kBusy:
        ++counts.busy;
        break;
      case SlotState::kStopped:
        continue;
    }
    ++counts.workers;
  }
  counts.restarts = restarts_.load();
  return counts;
}

void ProcessPool::Stop() {
  if (!stopping_.exchange(true)) stop_requested_.Notify();
  for (const auto& slot : slots_) {
    absl::MutexLock lock(&slot->mu);
    // Idle workers get EOF from their driver; anything else is killed (the
    // executor has already ended the tasks they ran).
    if (slot->worker != nullptr && slot->state != SlotState::kIdle) {
      slot->worker->Kill();
      if (slot->child_pgid > 0) kill(-slot->child_pgid, SIGKILL);
    }
  }
  for (const auto& slot : slots_) {
    if (slot->driver.joinable()) slot->driver.join();
  }
}

std::vector<pid_t> ProcessPool::WorkerPids() const {
  std::vector<pid_t> pids;
  for (const auto& slot : slots_) {
    absl::MutexLock lock(&slot->mu);
    if (slot->worker != nullptr) pids.push_back(slot->worker->pid());
  }
  return pids;
}

void ProcessPool::SetState(Slot& slot, SlotState state, WorkerProcess* worker) {
  absl::MutexLock lock(&slot.mu);
  slot.state = state;
  slot.worker = worker;
}

void ProcessPool::ReportStartAttempt(Slot& slot) {
  if (std::exchange(slot.tried_to_start, true)) return;
  absl::MutexLock lock(&start_mu_);
  ++first_starts_done_;
}

void ProcessPool::CountRestart(absl::string_view reason) {
  restarts_.fetch_add(1);
  host_->WorkerRestarted(reason);
}

std::string ProcessPool::WorkerName(const Slot& slot, pid_t pid) const {
  return absl::StrCat("process-", slot.index, "/pid-", pid);
}

absl::StatusOr<std::string> FindWorkerBinary(const std::string& flag_value) {
  std::string path = flag_value;
  if (path.empty()) {
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
      return absl::FailedPreconditionError(
          "cannot locate the running binary to find execd-worker; set "
          "--worker_path");
    }
    std::string self_path(self, static_cast<size_t>(n));
    path = absl::StrCat(self_path.substr(0, self_path.rfind('/') + 1),
                        "execd-worker");
  }
  if (access(path.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("execd-worker not found or not executable at ", path,
                     "; set --worker_path"));
  }
  return path;
}

}  // namespace execd
