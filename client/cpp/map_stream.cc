#include "client/cpp/map_stream.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "client/cpp/task_status.h"

namespace execd {
namespace {

// A batch holds up to 1 MiB on the wire. The arena's first block is ours
// and survives each Reset, so a typical batch is parsed without a malloc
// (and without the page faults of fresh memory); a larger one takes a few
// more blocks.
constexpr size_t kArenaBlockBytes = 1 << 20;

google::protobuf::ArenaOptions ArenaOptionsForBatches(char* first_block) {
  google::protobuf::ArenaOptions options;
  options.initial_block = first_block;
  options.initial_block_size = kArenaBlockBytes;
  options.max_block_size = kArenaBlockBytes;
  return options;
}

// Cancels a call and waits for gRPC to end it; its status.
absl::Status CancelCall(grpc::ClientContext& context,
                        grpc::ClientReader<v1::MapResultBatch>& reader) {
  context.TryCancel();
  v1::MapResultBatch rest;
  while (reader.Read(&rest)) {
  }
  return FromGrpcStatus(reader.Finish());
}

}  // namespace

MapStream::MapStream(std::unique_ptr<grpc::ClientContext> context,
                     std::unique_ptr<Reader> reader)
    : arena_block_(std::make_unique<char[]>(kArenaBlockBytes)),
      arena_(std::make_unique<google::protobuf::Arena>(
          ArenaOptionsForBatches(arena_block_.get()))) {
  open_.push_back(OpenCall{std::move(context), std::move(reader), 0, 0});
}

MapStream::MapStream(StartCall start_call, MapCallPlan plan,
                     int calls_in_flight)
    : start_call_(std::move(start_call)),
      plan_(std::move(plan)),
      calls_in_flight_(static_cast<size_t>(std::max(calls_in_flight, 1))),
      arena_block_(std::make_unique<char[]>(kArenaBlockBytes)),
      arena_(std::make_unique<google::protobuf::Arena>(
          ArenaOptionsForBatches(arena_block_.get()))) {
  OpenWaitingCalls();
}

MapStream::~MapStream() {
  if (arena_ != nullptr && !finished_) Cancel();  // not moved from
}

void MapStream::OpenWaitingCalls() {
  if (!plan_.has_value()) return;
  while (next_call_ < plan_->calls().size() &&
         open_.size() < calls_in_flight_) {
    const MapCall& next = plan_->calls()[next_call_++];
    OpenCall call;
    call.context = std::make_unique<grpc::ClientContext>();
    call.reader = start_call_(call.context.get(), plan_->Serialize(next));
    call.first_index = next.first_index;
    call.items = next.items;
    open_.push_back(std::move(call));
  }
}

bool MapStream::Next(v1::MapResult* result) {
  const v1::MapResult* next = NextResult();
  if (next == nullptr) return false;
  *result = *next;
  return true;
}

const v1::MapResult* MapStream::NextResult() {
  if (finished_) return nullptr;
  if (batch_ == nullptr || next_ >= batch_->results_size()) {
    if (!ReadBatch()) return nullptr;
  }
  v1::MapResult* result = batch_->mutable_results(next_++);
  // The server numbers a call's items from 0.
  result->set_index(result->index() + open_.front().first_index);
  return result;
}

bool MapStream::ReadBatch() {
  while (!open_.empty()) {
    next_ = 0;
    arena_->Reset();  // the previous batch, handed out already
    batch_ = google::protobuf::Arena::CreateMessage<v1::MapResultBatch>(
        arena_.get());
    OpenCall& call = open_.front();
    if (call.reader->Read(batch_)) {
      if (batch_->results_size() > 0) return true;
      continue;
    }
    batch_ = nullptr;
    arena_->Reset();
    absl::Status status = FromGrpcStatus(call.reader->Finish());
    if (!status.ok()) {
      absl::Status failed = InCallTerms(std::move(status), call);
      open_.pop_front();
      End(std::move(failed));
      return false;
    }
    open_.pop_front();
    OpenWaitingCalls();
  }
  End(absl::OkStatus());
  return false;
}

void MapStream::End(absl::Status status) {
  for (OpenCall& call : open_) {
    CancelCall(*call.context, *call.reader).IgnoreError();
  }
  open_.clear();
  plan_.reset();  // nothing more to send: let go of the items
  batch_ = nullptr;
  arena_->Reset();
  finished_ = true;
  status_ = std::move(status);
}

void MapStream::Cancel() {
  if (finished_) return;
  absl::Status status = absl::CancelledError("Map cancelled");
  if (!open_.empty()) {
    status = CancelCall(*open_.front().context, *open_.front().reader);
    open_.pop_front();
  }
  End(std::move(status));
}

absl::Status MapStream::InCallTerms(absl::Status status,
                                    const OpenCall& call) const {
  // Before End: plan_ is still there.
  if (!plan_.has_value() || plan_->calls().size() <= 1) return status;
  absl::Status in_call(
      status.code(),
      absl::StrCat(status.message(), " (in the Map's call of items ",
                   call.first_index, "-", call.first_index + call.items - 1,
                   "; item numbers above count from ", call.first_index, ")"));
  status.ForEachPayload(
      [&in_call](absl::string_view url, const absl::Cord& payload) {
        in_call.SetPayload(url, payload);
      });
  return in_call;
}

}  // namespace execd
