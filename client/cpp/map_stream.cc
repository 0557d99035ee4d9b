#include "client/cpp/map_stream.h"

#include <utility>

#include "client/cpp/task_status.h"

namespace execd {

MapStream::MapStream(std::unique_ptr<grpc::ClientContext> context,
                     std::unique_ptr<grpc::ClientReader<v1::MapResult>> reader)
    : context_(std::move(context)), reader_(std::move(reader)) {}

MapStream::~MapStream() {
  if (reader_ != nullptr && !finished_) Cancel();
}

bool MapStream::Next(v1::MapResult* result) {
  if (finished_) return false;
  if (reader_->Read(result)) return true;
  finished_ = true;
  status_ = FromGrpcStatus(reader_->Finish());
  return false;
}

void MapStream::Cancel() {
  if (finished_) return;
  context_->TryCancel();
  v1::MapResult ignored;
  while (reader_->Read(&ignored)) {
  }
  finished_ = true;
  status_ = FromGrpcStatus(reader_->Finish());
}

}  // namespace execd
