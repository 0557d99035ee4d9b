#ifndef EXECD_SERVER_CORE_TASK_OBSERVER_H_
#define EXECD_SERVER_CORE_TASK_OBSERVER_H_

#include "execd/v1/execd.pb.h"
#include "server/core/task_record.h"

namespace execd {

// Receives STARTED and FINISHED events. Delivery is two-phase so that events
// of one task reach an observer in order without the store lock being held
// while anything is written to a network stream:
//   1. OnTaskEvent runs with the store lock held: buffer only, never block,
//      never call back into the store. Return true to be kicked.
//   2. Kick runs after the lock is released: start the write, finish the RPC.
class TaskObserver {
 public:
  virtual ~TaskObserver() = default;
  virtual bool OnTaskEvent(const TaskEventPtr& event) = 0;
  virtual void Kick() {}
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_OBSERVER_H_
