#include "server/service/map_reactor.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "server/core/map_request_items.h"
#include "server/core/task_observer.h"
#include "server/service/map_chunk_collector.h"
#include "server/service/map_result_release.h"
#include "server/service/status_convert.h"
#include "server/service/wire_batch.h"

namespace execd {

// Collects the encoded FINISHED events of the Map's tasks and releases them
// as encoded MapResults.
class MapReactor::Collector : public TaskObserver {
 public:
  Collector(std::shared_ptr<Outbox> outbox, const std::vector<TaskPtr>& tasks,
            bool unordered)
      : TaskObserver(/*wants_encoded_events=*/true),
        release_(std::move(outbox), tasks, unordered) {}

  bool OnTaskEvent(const TaskEventPtr&) override { return false; }

  bool OnEncodedTaskEvent(const EncodedEventPtr& event) override {
    std::optional<EncodedTask> task = FindEncodedTask(*event);
    // Watches are only for FINISHED, so every event is one; an event that
    // holds no task would be a bug in the encoder.
    if (!task.has_value()) {
      return release_.Fail(grpc::Status(grpc::StatusCode::INTERNAL,
                                        "Map: a task event without a task"));
    }
    std::optional<size_t> index = release_.SlotOf(task->task_id);
    if (!index.has_value()) return false;
    return release_.Done(*index, {EncodeMapResult(*index, task->bytes)});
  }
  void Kick() override { release_.Kick(); }

 private:
  MapResultRelease release_;
};

MapReactor::MapReactor(const ServiceContext& service,
                       const grpc::ByteBuffer& request,
                       const std::string& owner, Framing framing)
    : service_(service), owner_(owner) {
  // Items are parsed into an arena: a Map of many small items would
  // otherwise cost several mallocs and frees per item for a request that
  // lives only until its items are in the tasks.
  google::protobuf::Arena arena;
  auto* map_request =
      google::protobuf::Arena::CreateMessage<v1::MapRequest>(&arena);
  // In one piece: parsed from, and an outcomes Map's chunks copy their
  // items' bytes from it.
  const std::string request_bytes = FlattenByteBuffer(request);
  const bool parsed =
      request.Valid() &&
      map_request->ParseFromArray(request_bytes.data(),
                                  static_cast<int>(request_bytes.size()));
  const size_t items = static_cast<size_t>(map_request->items_size());
  // Every item's result must fit: the request itself bounds this.
  outbox_ = std::make_shared<Outbox>(
      std::max(items + 1, service.max_stream_buffer), kResumeHint,
      framing == Framing::kBatched ? kWireBatchLimits : Outbox::BatchLimits{});
  if (!parsed) {
    outbox_->Close(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat("malformed MapRequest: not a valid ",
                                  v1::MapRequest::descriptor()->full_name())));
  } else {
    std::vector<absl::string_view> encoded_items;
    if (map_request->outcomes_only()) {
      encoded_items = EncodedMapItems(request_bytes);
      // Parsed items only, should the two ever disagree.
      if (encoded_items.size() != items) encoded_items.clear();
    }
    Start(*map_request, encoded_items, framing);
  }
  Launch(framing);
}

void MapReactor::Start(v1::MapRequest& request,
                       absl::Span<const absl::string_view> encoded_items,
                       Framing framing) {
  const bool unordered = request.unordered();
  const bool outcomes_only = request.outcomes_only();
  absl::StatusOr<std::vector<TaskPtr>> tasks =
      service_.executor->SubmitMap(request, owner_, encoded_items);
  if (!tasks.ok()) {
    outbox_->Close(ToGrpcStatus(tasks.status()));
    return;
  }
  if (tasks->empty()) {
    outbox_->Close(grpc::Status::OK);
    return;
  }
  std::shared_ptr<TaskObserver> collector;
  if (outcomes_only) {
    collector = std::make_shared<MapChunkCollector>(
        outbox_, *tasks, unordered, framing == Framing::kBatched);
  } else {
    collector = std::make_shared<Collector>(outbox_, *tasks, unordered);
  }
  for (const TaskPtr& task : *tasks) {
    service_.executor->store().Watch(task, collector, false).IgnoreError();
  }
  tasks_ = *std::move(tasks);
}

void MapReactor::Launch(Framing framing) {
  auto finish = [this](grpc::Status status) { Finish(std::move(status)); };
  if (framing == Framing::kBatched) {
    outbox_->AttachBatched(
        [this](const Outbox::Batch& results) {
          write_buffer_ = EncodeBatch(results);
          StartWrite(&write_buffer_);
        },
        finish);
  } else {
    outbox_->Attach(
        [this](const EncodedEvent* result) {
          write_buffer_ = EncodeSingle(*result);
          StartWrite(&write_buffer_);
        },
        finish);
  }
  std::shared_ptr<Outbox> outbox = outbox_;
  outbox->Kick();  // may end in Finish: touch no member after it
}

void MapReactor::OnCancel() {
  for (const TaskPtr& task : tasks_) {
    // Already finished items answer "not cancelled": nothing to do.
    service_.executor->Cancel(task->id(), owner_).IgnoreError();
  }
  if (outbox_->Close(grpc::Status::CANCELLED)) outbox_->Kick();
}

void MapReactor::OnDone() {
  outbox_->Detach();
  delete this;
}

}  // namespace execd
