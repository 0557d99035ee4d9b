#include "bench/pipelined_submit.h"

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/target.h"
#include "client/cpp/task_status.h"
#include "grpcpp/grpcpp.h"

namespace execd::bench {
namespace {

// The state of one call; a slot is reused once its call has answered.
struct Call {
  grpc::ClientContext context;
  v1::SubmitResponse response;
};

class Pipeline {
 public:
  Pipeline(v1::Executor::Stub* stub, const v1::SubmitRequest& request,
           int window)
      : stub_(stub), request_(request), calls_(window) {
    for (int i = 0; i < window; ++i) free_.push_back(i);
  }

  SubmitBatchResult Run(int64_t count) {
    const absl::Time start = absl::Now();
    for (int64_t i = 0; i < count; ++i) {
      int slot;
      {
        absl::MutexLock lock(&mu_);
        auto has_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !free_.empty();
        };
        mu_.Await(absl::Condition(&has_free));
        slot = free_.back();
        free_.pop_back();
      }
      // The previous call of this slot has answered: its context may go.
      calls_[slot] = std::make_unique<Call>();
      Call* call = calls_[slot].get();
      SetDeadline(&call->context);
      stub_->async()->Submit(
          &call->context, &request_, &call->response,
          [this, slot](grpc::Status status) { Answered(slot, status); });
    }
    absl::MutexLock lock(&mu_);
    auto all_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return free_.size() == calls_.size();
    };
    mu_.Await(absl::Condition(&all_free));
    result_.elapsed = absl::Now() - start;
    return result_;
  }

 private:
  void Answered(int slot, const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      ++result_.ok;
    } else {
      ++result_.failed;
      if (result_.first_error.ok()) {
        result_.first_error = FromGrpcStatus(status);
      }
    }
    free_.push_back(slot);
  }

  v1::Executor::Stub* const stub_;
  const v1::SubmitRequest request_;
  std::vector<std::unique_ptr<Call>> calls_;  // touched by Run only
  absl::Mutex mu_;
  std::vector<int> free_ ABSL_GUARDED_BY(mu_);
  SubmitBatchResult result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

SubmitBatchResult SubmitPipelined(v1::Executor::Stub* stub,
                                  const v1::SubmitRequest& request,
                                  int64_t count, int window) {
  Pipeline pipeline(stub, request, window);
  return pipeline.Run(count);
}

}  // namespace execd::bench
