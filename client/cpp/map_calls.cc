#include "client/cpp/map_calls.h"

#include <algorithm>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/codegen/rpc_method.h"
#include "grpcpp/support/slice.h"

namespace execd {
namespace {

using google::protobuf::internal::WireFormatLite;

// The generated stub's name for the method: the two cannot differ.
constexpr char kMapBatchStreamMethod[] = "/execd.v1.Executor/MapBatchStream";

int64_t ItemsPerCall(int items_per_call, int32_t chunksize) {
  const int64_t chunk = std::max<int64_t>(chunksize, 1);
  return (items_per_call + chunk - 1) / chunk * chunk;
}

}  // namespace

MapRequestOnArena::MapRequestOnArena()
    : arena_(std::make_unique<google::protobuf::Arena>()),
      request_(google::protobuf::Arena::CreateMessage<v1::MapRequest>(
          arena_.get())) {}

MapCallPlan::MapCallPlan(const v1::MapRequest& request, int items_per_call)
    : MapCallPlan(
          [&request] {
            MapRequestOnArena copy;
            *copy = request;
            return copy;
          }(),
          items_per_call) {}

MapCallPlan::MapCallPlan(MapRequestOnArena request, int items_per_call)
    : request_(std::move(request)) {
  {
    // Every field but the items, serialized once for all calls. The items
    // step aside into a field on the same arena, which swaps pointers only.
    google::protobuf::RepeatedPtrField<google::protobuf::ListValue> items(
        request_->GetArena());
    items.Swap(request_->mutable_items());
    fields_ = request_->SerializeAsString();
    items.Swap(request_->mutable_items());
  }
  const int count = request_->items_size();
  // Sizes every item once: Serialize reads them back (GetCachedSize), and
  // the request does not change after this.
  if (items_per_call <= 0 || count == 0) {
    for (const google::protobuf::ListValue& item : request_->items()) {
      item.ByteSizeLong();
    }
    calls_.push_back(MapCall{0, count});
    return;
  }
  const int64_t per_call = ItemsPerCall(items_per_call, request_->chunksize());
  size_t call_bytes = 0;
  for (int index = 0; index < count; ++index) {
    const size_t item_bytes = request_->items(index).ByteSizeLong();
    const bool starts_call = calls_.empty() ||
                             calls_.back().items >= per_call ||
                             call_bytes + item_bytes > kMapCallMaxItemBytes;
    if (starts_call) {
      calls_.push_back(MapCall{index, 0});
      call_bytes = 0;
    }
    ++calls_.back().items;
    call_bytes += item_bytes;
  }
}

grpc::ByteBuffer MapCallPlan::Serialize(const MapCall& call) const {
  std::string bytes = fields_;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    const int end = static_cast<int>(call.first_index) + call.items;
    for (int index = static_cast<int>(call.first_index); index < end; ++index) {
      const google::protobuf::ListValue& item = request_->items(index);
      WireFormatLite::WriteTag(v1::MapRequest::kItemsFieldNumber,
                               WireFormatLite::WIRETYPE_LENGTH_DELIMITED, &out);
      out.WriteVarint32(static_cast<uint32_t>(item.GetCachedSize()));
      item.SerializeWithCachedSizes(&out);
    }
  }  // `out` flushes into `bytes` here
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> StartMapBatchStream(
    grpc::ChannelInterface* channel, grpc::ClientContext* context,
    const grpc::ByteBuffer& request) {
  const grpc::internal::RpcMethod method(
      kMapBatchStreamMethod, grpc::internal::RpcMethod::SERVER_STREAMING);
  return std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>>(
      grpc::internal::ClientReaderFactory<v1::MapResultBatch>::Create(
          channel, method, context, request));
}

}  // namespace execd
