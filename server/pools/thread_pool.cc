#include "server/pools/thread_pool.h"

#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/core/attempt_result.h"
#include "server/functions/map_chunk.h"

namespace execd {
namespace {

AttemptResult ToAttemptResult(absl::StatusOr<CallResult> outcome) {
  AttemptResult result;
  if (outcome.ok()) {
    result.ok = true;
    result.result = std::move(outcome->result);
    result.output = std::move(outcome->output);
    return result;
  }
  result.error = TaskErrorOf(outcome.status());
  return result;
}

// A Map chunk's items travel encoded (for workers); parsed here, on the
// pool thread that runs them.
absl::StatusOr<CallResult> RunChunk(const TaskRecord& chunk,
                                    TaskContext& context) {
  google::protobuf::ListValue items;
  if (!items.ParseFromString(chunk.chunk_items())) {
    return absl::InternalError("a Map chunk's items do not parse");
  }
  return CallResult{
      RunMapChunk(*chunk.function, items, chunk.kwargs(), context), ""};
}

}  // namespace

ThreadPool::ThreadPool(int threads, TaskQueue* queue, PoolHost* host,
                       const FunctionLimits* limits)
    : thread_count_(threads), queue_(queue), host_(host), limits_(limits) {}

ThreadPool::~ThreadPool() { Stop(); }

void ThreadPool::Start() {
  threads_.reserve(thread_count_);
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this, i] { WorkerLoop(i); });
  }
}

void ThreadPool::WorkerLoop(int index) {
  const std::string worker_name = absl::StrCat("thread-", index);
  while (TaskPtr task = queue_->Pop()) {
    std::shared_ptr<CancellationToken> token =
        host_->BeginAttempt(task, worker_name);
    if (token == nullptr) continue;  // cancelled while queued
    busy_.fetch_add(1, std::memory_order_relaxed);
    TaskContext context(token.get(), limits_);
    absl::StatusOr<CallResult> outcome;
    try {
      if (task->map_chunk) {
        outcome = RunChunk(*task, context);
      } else {
        outcome = task->function->run(task->call_args(), context);
      }
    } catch (const std::exception& error) {
      outcome = absl::InternalError(
          absl::StrCat("function threw an exception: ", error.what()));
    }
    busy_.fetch_sub(1, std::memory_order_relaxed);
    host_->EndAttempt(task, token.get(), ToAttemptResult(std::move(outcome)));
  }
}

WorkerCounts ThreadPool::Counts() const {
  WorkerCounts counts;
  counts.workers = thread_count_;
  counts.busy = busy_.load(std::memory_order_relaxed);
  counts.idle = counts.workers - counts.busy;
  return counts;
}

void ThreadPool::Stop() {
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace execd
