#include "server/service/wire_batch.h"

#include <cstdint>
#include <cstring>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace execd {

grpc::ByteBuffer EncodeEventBatch(const std::vector<EncodedEventPtr>& events) {
  using google::protobuf::io::CodedOutputStream;
  using google::protobuf::internal::WireFormatLite;
  const uint32_t tag = WireFormatLite::MakeTag(
      1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  size_t total = 0;
  for (const EncodedEventPtr& event : events) {
    const size_t size = event->bytes.size();
    total += CodedOutputStream::VarintSize32(tag) +
             CodedOutputStream::VarintSize64(size) + size;
  }
  grpc::Slice slice(total);
  auto* out = const_cast<uint8_t*>(slice.begin());
  for (const EncodedEventPtr& event : events) {
    out = CodedOutputStream::WriteVarint32ToArray(tag, out);
    out = CodedOutputStream::WriteVarint64ToArray(event->bytes.size(), out);
    std::memcpy(out, event->bytes.data(), event->bytes.size());
    out += event->bytes.size();
  }
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace execd
