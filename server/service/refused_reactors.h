#ifndef EXECD_SERVER_SERVICE_REFUSED_REACTORS_H_
#define EXECD_SERVER_SERVICE_REFUSED_REACTORS_H_

#include <utility>

#include "grpcpp/grpcpp.h"

namespace execd {

// Streaming calls refused before they start (e.g. UNAUTHENTICATED): the
// reactor only finishes with the status and deletes itself when done.
template <typename Response>
class RefusedWriteReactor : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedWriteReactor(grpc::Status status) {
    this->Finish(std::move(status));
  }
  void OnDone() override { delete this; }
};

template <typename Request, typename Response>
class RefusedBidiReactor : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit RefusedBidiReactor(grpc::Status status) {
    this->Finish(std::move(status));
  }
  void OnDone() override { delete this; }
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_REFUSED_REACTORS_H_
