#ifndef EXECD_CLIENT_CPP_CALLBACK_HUB_H_
#define EXECD_CLIENT_CPP_CALLBACK_HUB_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/cpp/callback_stream.h"
#include "client/cpp/future_state.h"
#include "execd/v1/execd.grpc.pb.h"

namespace execd::internal {

// Resolves watched futures from ONE shared `Callback(all_tasks)` stream per
// client, opened on the first Watch and reopened (with backoff) if it breaks.
//
// No ending is missed: a watched task is checked once with GetTask after it
// is registered AND the stream is confirmed (the server answered), so a task
// that ended before the subscription is seen by GetTask and one that ends
// after it by the stream. Until a stream is confirmed, unchecked tasks are
// polled as a fallback. Callbacks run on the hub's own thread, never on gRPC's.
class CallbackHub : public CallbackStreamListener {
 public:
  using GetTaskFn =
      std::function<absl::StatusOr<v1::Task>(const std::string& task_id)>;

  CallbackHub(v1::Executor::Stub* stub, GetTaskFn get_task);
  ~CallbackHub() override;

  // Resolves `state` when its task ends. No-op after Stop.
  void Watch(std::shared_ptr<FutureState> state) ABSL_LOCKS_EXCLUDED(mu_);

  // Ends the stream and the thread; unresolved watches are dropped.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  void OnStreamConfirmed(CallbackStream* stream) override
      ABSL_LOCKS_EXCLUDED(mu_);
  void OnStreamEvent(CallbackStream* stream,
                     const v1::TaskEvent& event) override
      ABSL_LOCKS_EXCLUDED(mu_);
  void OnStreamDone(CallbackStream* stream, const grpc::Status& status) override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Work {
    std::vector<v1::Task> finished;
    std::vector<std::string> to_check;
    bool recheck_later = false;  // checks are only a fallback poll
    bool start_stream = false;
  };

  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Work TakeWork() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReapEndedStreamsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ResolveAll(const std::string& task_id, absl::StatusOr<v1::Task> outcome)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Check(const std::string& task_id, bool keep_checking)
      ABSL_LOCKS_EXCLUDED(mu_);

  v1::Executor::Stub* const stub_;
  const GetTaskFn get_task_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<FutureState>>>
      watched_ ABSL_GUARDED_BY(mu_);
  // Watched tasks still to be checked with GetTask after confirmation.
  absl::flat_hash_set<std::string> to_check_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::Task> finished_ ABSL_GUARDED_BY(mu_);
  CallbackStream* stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Every stream started and not yet reaped; ended ones are deleted by the
  // hub thread or Stop, never on a gRPC thread.
  std::vector<std::unique_ptr<CallbackStream>> streams_ ABSL_GUARDED_BY(mu_);
  std::vector<CallbackStream*> ended_streams_ ABSL_GUARDED_BY(mu_);
  bool stream_confirmed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time next_stream_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration stream_backoff_ ABSL_GUARDED_BY(mu_);
  absl::Time next_poll_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace execd::internal

#endif  // EXECD_CLIENT_CPP_CALLBACK_HUB_H_
