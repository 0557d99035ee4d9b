#include "client/cpp/callback_hub.h"

#include <algorithm>
#include <utility>

#include "client/cpp/task_status.h"

namespace execd::internal {
namespace {

constexpr absl::Duration kInitialStreamBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxStreamBackoff = absl::Seconds(2);
// Only while no stream is confirmed; a confirmed stream needs no polling.
constexpr absl::Duration kFallbackPollInterval = absl::Milliseconds(250);
constexpr absl::Duration kIdleWake = absl::Seconds(1);

}  // namespace

CallbackHub::CallbackHub(v1::Executor::Stub* stub, GetTaskFn get_task)
    : stub_(stub),
      get_task_(std::move(get_task)),
      stream_backoff_(kInitialStreamBackoff) {
  thread_ = std::thread([this] { Run(); });
}

CallbackHub::~CallbackHub() { Stop(); }

void CallbackHub::Watch(std::shared_ptr<FutureState> state) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  std::string task_id = state->task_id();
  watched_[task_id].push_back(std::move(state));
  to_check_.insert(std::move(task_id));
}

void CallbackHub::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // Only the hub thread starts streams, so none can appear after the join.
  absl::MutexLock lock(&mu_);
  if (stream_ != nullptr) stream_->Cancel();
  auto stream_gone = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stream_ == nullptr;
  };
  mu_.Await(absl::Condition(&stream_gone));
  ReapEndedStreamsLocked();
  watched_.clear();
  to_check_.clear();
  finished_.clear();
}

void CallbackHub::OnStreamConfirmed(CallbackStream* stream) {
  absl::MutexLock lock(&mu_);
  if (stream != stream_) return;
  stream_confirmed_ = true;
  stream_backoff_ = kInitialStreamBackoff;
}

void CallbackHub::OnStreamEvent(CallbackStream* stream,
                                const v1::TaskEvent& event) {
  if (event.kind() != v1::TaskEvent::KIND_FINISHED) return;
  absl::MutexLock lock(&mu_);
  if (stream != stream_ || !watched_.contains(event.task().task_id())) return;
  finished_.push_back(event.task());
}

void CallbackHub::OnStreamDone(CallbackStream* stream,
                               const grpc::Status& /*status*/) {
  absl::MutexLock lock(&mu_);
  ended_streams_.push_back(stream);
  if (stream != stream_) return;
  stream_ = nullptr;
  stream_confirmed_ = false;
  // Endings during the gap are only visible through GetTask: check everyone
  // again once a new stream is confirmed.
  for (const auto& [task_id, states] : watched_) to_check_.insert(task_id);
  next_stream_start_ = absl::Now() + stream_backoff_;
  stream_backoff_ = std::min(kMaxStreamBackoff, stream_backoff_ * 2);
}

void CallbackHub::ReapEndedStreamsLocked() {
  for (CallbackStream* ended : ended_streams_) {
    streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                  [ended](const auto& owned) {
                                    return owned.get() == ended;
                                  }),
                   streams_.end());
  }
  ended_streams_.clear();
}

bool CallbackHub::HasWork() const {
  if (stopping_ || !finished_.empty() || !ended_streams_.empty()) return true;
  if (stream_ == nullptr && !watched_.empty() &&
      absl::Now() >= next_stream_start_) {
    return true;
  }
  if (to_check_.empty()) return false;
  return stream_confirmed_ || absl::Now() >= next_poll_;
}

CallbackHub::Work CallbackHub::TakeWork() {
  Work work;
  work.finished.assign(finished_.begin(), finished_.end());
  finished_.clear();
  if (stream_ == nullptr && !watched_.empty() &&
      absl::Now() >= next_stream_start_) {
    work.start_stream = true;
  }
  if (stream_confirmed_) {
    work.to_check.assign(to_check_.begin(), to_check_.end());
    to_check_.clear();
  } else if (!to_check_.empty() && absl::Now() >= next_poll_) {
    work.to_check.assign(to_check_.begin(), to_check_.end());
    work.recheck_later = true;
    next_poll_ = absl::Now() + kFallbackPollInterval;
  }
  return work;
}

void CallbackHub::Run() {
  while (true) {
    Work work;
    CallbackStream* new_stream = nullptr;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &CallbackHub::HasWork),
                           std::min(kIdleWake, kFallbackPollInterval));
      if (stopping_) return;
      ReapEndedStreamsLocked();
      work = TakeWork();
      if (work.start_stream) {
        streams_.push_back(std::make_unique<CallbackStream>(stub_, this));
        new_stream = streams_.back().get();
        stream_ = new_stream;
        stream_confirmed_ = false;
        next_poll_ = absl::Now() + kFallbackPollInterval;
      }
    }
    // Started outside the lock: gRPC may run reactions inline.
    if (new_stream != nullptr) new_stream->Start();
    for (v1::Task& task : work.finished) {
      std::string task_id = task.task_id();
      ResolveAll(task_id, std::move(task));
    }
    for (const std::string& task_id : work.to_check) {
      Check(task_id, work.recheck_later);
    }
  }
}

void CallbackHub::Check(const std::string& task_id, bool keep_checking) {
  absl::StatusOr<v1::Task> task = get_task_(task_id);
  if (task.ok() && IsTerminal(task->state())) {
    ResolveAll(task_id, *std::move(task));
    return;
  }
  if (!task.ok() && task.status().code() == absl::StatusCode::kNotFound) {
    ResolveAll(task_id, task.status());  // it will never end for us
    return;
  }
  absl::MutexLock lock(&mu_);
  // A failed check proves nothing; try again (after confirmation or poll).
  if ((keep_checking || !task.ok()) && watched_.contains(task_id)) {
    to_check_.insert(task_id);
  }
}

void CallbackHub::ResolveAll(const std::string& task_id,
                             absl::StatusOr<v1::Task> outcome) {
  std::vector<std::shared_ptr<FutureState>> states;
  {
    absl::MutexLock lock(&mu_);
    auto it = watched_.find(task_id);
    if (it == watched_.end()) return;
    states = std::move(it->second);
    watched_.erase(it);
    to_check_.erase(task_id);
  }
  for (auto& state : states) state->Resolve(outcome);
}

}  // namespace execd::internal
