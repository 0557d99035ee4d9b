#ifndef EXECD_SERVER_CORE_TASK_OBSERVER_H_
#define EXECD_SERVER_CORE_TASK_OBSERVER_H_

#include "execd/v1/execd.pb.h"
#include "server/core/event_encoding.h"
#include "server/core/task_record.h"

namespace execd {

// Receives STARTED and FINISHED events. Delivery is two-phase so that events
// of one task reach an observer in order without the store lock being held
// while anything is written to a network stream:
//   1. OnTaskEvent runs with the store lock held: buffer only, never block,
//      never call back into the store. Return true to be kicked.
//   2. Kick runs after the lock is released: start the write, finish the RPC.
//
// An observer that only forwards events over the wire may take them encoded
// (wants_encoded_events): the store then encodes them straight from the
// record for it and calls OnEncodedTaskEvent instead.
class TaskObserver {
 public:
  virtual ~TaskObserver() = default;
  virtual bool OnTaskEvent(const TaskEventPtr& event) = 0;
  virtual bool OnEncodedTaskEvent(const EncodedEventPtr& event) {
    return false;
  }
  virtual void Kick() {}
  bool wants_encoded_events() const { return wants_encoded_events_; }

 protected:
  TaskObserver() = default;
  explicit TaskObserver(bool wants_encoded_events)
      : wants_encoded_events_(wants_encoded_events) {}

 private:
  const bool wants_encoded_events_ = false;
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_OBSERVER_H_
