#ifndef EXECD_SERVER_SERVICE_WIRE_BATCH_H_
#define EXECD_SERVER_SERVICE_WIRE_BATCH_H_

#include <vector>

#include "grpcpp/grpcpp.h"
#include "server/core/event_encoding.h"

namespace execd {

// A TaskEventBatch on the wire: each encoded event as an entry of its
// `repeated TaskEvent events = 1`, in one gRPC slice.
grpc::ByteBuffer EncodeEventBatch(const std::vector<EncodedEventPtr>& events);

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_WIRE_BATCH_H_
