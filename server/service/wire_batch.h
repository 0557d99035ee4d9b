#ifndef EXECD_SERVER_SERVICE_WIRE_BATCH_H_
#define EXECD_SERVER_SERVICE_WIRE_BATCH_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/grpcpp.h"

namespace execd {

// Encodes `messages` as field 1 (`repeated M ... = 1`) of a batch message
// such as TaskEventBatch, straight into one gRPC slice. Shared messages are
// serialized in place: building the batch message would copy each of them.
// `known_sizes`, when not empty, holds each message's ByteSizeLong.
template <typename Message>
grpc::ByteBuffer EncodeAsBatch(
    const std::vector<std::shared_ptr<const Message>>& messages,
    const std::vector<size_t>& known_sizes) {
  using google::protobuf::io::CodedOutputStream;
  using google::protobuf::internal::WireFormatLite;
  const uint32_t tag = WireFormatLite::MakeTag(
      1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  std::vector<uint32_t> sizes;
  sizes.reserve(messages.size());
  size_t total = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto size = static_cast<uint32_t>(
        known_sizes.empty() ? messages[i]->ByteSizeLong() : known_sizes[i]);
    sizes.push_back(size);
    total += CodedOutputStream::VarintSize32(tag) +
             CodedOutputStream::VarintSize32(size) + size;
  }
  grpc::Slice slice(total);
  auto* out = const_cast<uint8_t*>(slice.begin());
  for (size_t i = 0; i < messages.size(); ++i) {
    out = CodedOutputStream::WriteVarint32ToArray(tag, out);
    out = CodedOutputStream::WriteVarint32ToArray(sizes[i], out);
    out = messages[i]->SerializeWithCachedSizesToArray(out);
  }
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_WIRE_BATCH_H_
