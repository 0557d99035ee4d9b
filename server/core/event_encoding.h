#ifndef EXECD_SERVER_CORE_EVENT_ENCODING_H_
#define EXECD_SERVER_CORE_EVENT_ENCODING_H_

#include <cstddef>
#include <memory>
#include <string>

#include "execd/v1/execd.pb.h"
#include "server/core/task_record.h"

namespace execd {

// A task event already in wire form (a serialized v1::TaskEvent), for
// streams that only forward events: encoding it straight from the task
// record skips building, sizing and freeing a TaskEvent message, about a
// third of a batch-streamed task's server CPU.
struct EncodedEvent {
  std::string bytes;
  // `bytes` are already entries of a batch's `repeated ... = 1` field, each
  // with its tag and length (a Map chunk's MapResults): a batch copies them
  // as they are, and they never go as a message of their own.
  bool batch_entries = false;

  // As a message's: what StreamOutbox weighs against its byte budget.
  size_t ByteSizeLong() const { return bytes.size(); }
};
using EncodedEventPtr = std::shared_ptr<const EncodedEvent>;

// The same bytes as serializing MakeEvent's TaskEvent of `kind` for `task`
// (the event's kind, the task's public view as FillTask makes it, its
// request id). The caller holds TaskStore's mutex, or is the only one who
// can reach the record.
EncodedEventPtr EncodeTaskEvent(v1::TaskEvent::Kind kind,
                                const TaskRecord& task);

// The ACCEPTED event of a task just submitted: its id, function, pool,
// priority, request id and state PENDING (fields fixed at Submit, so no
// lock is needed).
EncodedEventPtr EncodeAcceptedEvent(const TaskRecord& task);

}  // namespace execd

#endif  // EXECD_SERVER_CORE_EVENT_ENCODING_H_
