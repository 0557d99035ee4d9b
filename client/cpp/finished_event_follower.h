#ifndef EXECD_CLIENT_CPP_FINISHED_EVENT_FOLLOWER_H_
#define EXECD_CLIENT_CPP_FINISHED_EVENT_FOLLOWER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "client/cpp/batch_submit.h"
#include "client/cpp/callback_hub.h"
#include "client/cpp/future_state.h"

namespace execd::internal {

// Resolves the futures of one SubmitMany call from the FINISHED events of
// its own SubmitBatchStream, on a thread of its own: many futures then cost
// no Result or GetTask call each. The futures come marked as watched, so
// their done callbacks wait for this stream rather than the callback hub.
// If the stream ends first (its deadline, the server gone), the futures
// with callbacks waiting go to `hub`; the others are left to Result.
class FinishedEventFollower {
 public:
  FinishedEventFollower(SubmittedBatches submitted,
                        std::vector<std::shared_ptr<FutureState>> futures,
                        CallbackHub* hub);
  ~FinishedEventFollower();
  FinishedEventFollower(const FinishedEventFollower&) = delete;
  FinishedEventFollower& operator=(const FinishedEventFollower&) = delete;

  // Ends the stream and waits for the thread. The futures left unresolved
  // stay so: the client is going away.
  void Stop();
  // The thread has ended: nothing left to follow.
  bool done() const { return done_.load(); }

 private:
  void Run();
  void Resolve(const v1::Task& task);
  void HandOverToHub();

  SubmittedBatches submitted_;
  CallbackHub* const hub_;
  // Touched by the thread only, once started.
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<FutureState>>>
      unresolved_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;  // last: starts once the rest is set
};

}  // namespace execd::internal

#endif  // EXECD_CLIENT_CPP_FINISHED_EVENT_FOLLOWER_H_
