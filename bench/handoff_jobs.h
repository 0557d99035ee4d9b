#ifndef EXECD_BENCH_HANDOFF_JOBS_H_
#define EXECD_BENCH_HANDOFF_JOBS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace execd::bench {

// The executor pattern with nothing else: jobs handed to one worker thread
// and collected by id. The bare echo server runs it behind HandOff and
// Collect, the floor under execd's Submit + Result (a wake-up of another
// thread between two RPCs, and a notification if the second one waits).
class HandOffJobs {
 public:
  using Done = std::function<void(std::string payload)>;

  HandOffJobs();
  ~HandOffJobs();  // stops the worker; jobs not collected are dropped

  // Queues a job that gives `payload` back; returns its id.
  uint64_t HandOff(std::string payload);
  // Calls `done` once the job is done (here, if it already is) and forgets
  // the job. False, and `done` never called, for an unknown id.
  bool Collect(uint64_t id, Done done);

 private:
  struct Job {
    bool done = false;
    std::string payload;
    Done waiter;  // set by a Collect that came first
  };
  void Work();

  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::deque<uint64_t> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace execd::bench

#endif  // EXECD_BENCH_HANDOFF_JOBS_H_
