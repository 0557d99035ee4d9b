#ifndef EXECD_SERVER_SERVICE_SUBMIT_STREAM_REACTOR_H_
#define EXECD_SERVER_SERVICE_SUBMIT_STREAM_REACTOR_H_

#include <string>

#include "execd/v1/execd.pb.h"
#include "server/service/service_context.h"
#include "server/service/submitting_reactor.h"

namespace execd {

// SubmitStream: per request, in order, ACCEPTED or REJECTED; later one
// FINISHED per accepted task. The stream ends (OK) once the client has
// half-closed and every accepted task has been reported. One SubmitRequest
// in and one TaskEvent out per message, as raw bytes.
class SubmitStreamReactor : public SubmittingReactor {
 public:
  SubmitStreamReactor(const ServiceContext& service, std::string owner);
  void OnReadDone(bool ok) override;

 private:
  v1::SubmitRequest request_;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SUBMIT_STREAM_REACTOR_H_
