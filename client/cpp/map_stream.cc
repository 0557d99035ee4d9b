#include "client/cpp/map_stream.h"

#include <utility>

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

}  // namespace

MapStream::MapStream(
    std::unique_ptr<grpc::ClientContext> context,
    std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> reader)
    : context_(std::move(context)),
      reader_(std::move(reader)),
      arena_block_(std::make_unique<char[]>(kArenaBlockBytes)),
      arena_(std::make_unique<google::protobuf::Arena>(
          ArenaOptionsForBatches(arena_block_.get()))) {}

MapStream::~MapStream() {
  if (reader_ != nullptr && !finished_) Cancel();
}

bool MapStream::Next(v1::MapResult* result) {
  const v1::MapResult* next = NextResult();
  if (next == nullptr) return false;
  *result = *next;
  return true;
}

const v1::MapResult* MapStream::NextResult() {
  if (finished_) return nullptr;
  while (batch_ == nullptr || next_ >= batch_->results_size()) {
    next_ = 0;
    batch_ = nullptr;
    arena_->Reset();  // the previous batch, handed out already
    batch_ = google::protobuf::Arena::CreateMessage<v1::MapResultBatch>(
        arena_.get());
    if (!reader_->Read(batch_)) {
      batch_ = nullptr;
      arena_->Reset();
      finished_ = true;
      status_ = FromGrpcStatus(reader_->Finish());
      return nullptr;
    }
  }
  return &batch_->results(next_++);
}

void MapStream::Cancel() {
  if (finished_) return;
  context_->TryCancel();
  v1::MapResultBatch rest;
  while (reader_->Read(&rest)) {
  }
  batch_ = nullptr;
  arena_->Reset();
  finished_ = true;
  status_ = FromGrpcStatus(reader_->Finish());
}

}  // namespace execd
