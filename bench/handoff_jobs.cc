#include "bench/handoff_jobs.h"

#include <utility>

namespace execd::bench {

HandOffJobs::HandOffJobs() : worker_([this] { Work(); }) {}

HandOffJobs::~HandOffJobs() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  worker_.join();
}

uint64_t HandOffJobs::HandOff(std::string payload) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  jobs_[id].payload = std::move(payload);
  queue_.push_back(id);
  return id;
}

bool HandOffJobs::Collect(uint64_t id, Done done) {
  std::string payload;
  {
    absl::MutexLock lock(&mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second.waiter != nullptr) return false;
    if (!it->second.done) {
      it->second.waiter = std::move(done);
      return true;
    }
    payload = std::move(it->second.payload);
    jobs_.erase(it);
  }
  done(std::move(payload));
  return true;
}

void HandOffJobs::Work() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  };
  while (true) {
    Done waiter;
    std::string payload;
    {
      absl::MutexLock lock(&mu_, absl::Condition(&has_work));
      if (stopping_) return;
      const uint64_t id = queue_.front();
      queue_.pop_front();
      // The job itself does nothing: its payload is its result.
      auto it = jobs_.find(id);
      if (it->second.waiter == nullptr) {
        it->second.done = true;
        continue;
      }
      waiter = std::move(it->second.waiter);
      payload = std::move(it->second.payload);
      jobs_.erase(it);
    }
    waiter(std::move(payload));
  }
}

}  // namespace execd::bench
