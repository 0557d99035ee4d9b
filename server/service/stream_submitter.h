#ifndef EXECD_SERVER_SERVICE_STREAM_SUBMITTER_H_
#define EXECD_SERVER_SERVICE_STREAM_SUBMITTER_H_

#include <memory>
#include <string>

#include "execd/v1/execd.pb.h"
#include "server/core/event_encoding.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"

namespace execd {

// What SubmitStream and SubmitBatchStream share: each request becomes an
// ACCEPTED or REJECTED event, in order, and each accepted task is watched
// for its FINISHED event. The stream is closed (OK) once reads have ended
// and every accepted task has been reported. Events are wire bytes encoded
// straight from the task records (EncodedEvent): these streams only
// forward them.
class StreamSubmitter {
 public:
  using Outbox = StreamOutbox<EncodedEvent>;

  StreamSubmitter(const ServiceContext& service, std::string owner,
                  std::shared_ptr<Outbox> outbox);

  // Submits one request; true when the caller should Kick the outbox.
  bool Submit(v1::SubmitRequest&& request);
  // The client half-closed (or left); true when the caller should Kick.
  bool ReadsEnded();

 private:
  class Observer;

  ServiceContext service_;
  const std::string owner_;
  std::shared_ptr<Outbox> outbox_;
  std::shared_ptr<Observer> observer_;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_STREAM_SUBMITTER_H_
