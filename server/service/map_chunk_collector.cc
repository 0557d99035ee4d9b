#include "server/service/map_chunk_collector.h"

#include <utility>

#include "server/functions/map_chunk.h"
#include "server/service/wire_batch.h"

namespace execd {

MapChunkCollector::MapChunkCollector(std::shared_ptr<Outbox> outbox,
                                     std::vector<TaskPtr> chunks,
                                     bool unordered, bool batched)
    : TaskObserver(/*wants_encoded_events=*/false),
      outbox_(std::move(outbox)),
      chunks_(std::move(chunks)),
      unordered_(unordered),
      batched_(batched),
      finished_(chunks_.size()) {
  first_index_.reserve(chunks_.size());
  chunk_of_.reserve(chunks_.size());
  int64_t next_item = 0;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    first_index_.push_back(next_item);
    next_item += chunks_[i]->chunksize;
    chunk_of_.emplace(chunks_[i]->id(), i);
  }
}

bool MapChunkCollector::OnTaskEvent(const TaskEventPtr& event) {
  // Watches are only for FINISHED, so every event is one.
  auto it = chunk_of_.find(event->task().task_id());
  if (it == chunk_of_.end()) return false;
  const size_t chunk = it->second;
  std::vector<EncodedEventPtr> results = Results(chunk, event->task());
  if (results.empty()) {
    // Our own worker or pool thread wrote them: a bug, so end the call
    // loudly rather than leave the client waiting for those items.
    return outbox_->Close(
        grpc::Status(grpc::StatusCode::INTERNAL,
                     "Map: a chunk's outcomes do not match its items"));
  }
  absl::MutexLock lock(&mu_);
  bool kick = false;
  auto push = [this, &kick](std::vector<EncodedEventPtr>& ready) {
    for (EncodedEventPtr& result : ready) {
      kick = outbox_->Push(std::move(result)) || kick;
    }
    ready.clear();
  };
  if (unordered_) {
    push(results);
  } else {
    finished_[chunk] = std::move(results);
    while (next_ < chunks_.size() && !finished_[next_].empty()) {
      push(finished_[next_]);
      ++next_;
    }
  }
  if (++emitted_ == chunks_.size()) {
    kick = outbox_->Close(grpc::Status::OK) || kick;
  }
  return kick;
}

std::vector<EncodedEventPtr> MapChunkCollector::Results(size_t chunk,
                                                        const v1::Task& ended) {
  TaskRecord& record = *chunks_[chunk];
  const int items = record.chunksize;
  std::string outcomes;
  if (ended.state() == v1::TASK_STATE_SUCCEEDED && record.outcome != nullptr) {
    // Nobody else reads a chunk's outcomes (its public view leaves them
    // out) and the store lets go of the record now: take them.
    outcomes = std::move(record.outcome->result);
  } else {
    for (int i = 0; i < items; ++i) {
      AppendEndedOutcome(ended.state(), ended.error(), &outcomes);
    }
  }
  std::vector<EncodedEventPtr> results;
  std::shared_ptr<EncodedEvent> batch;  // entries not pushed yet
  int64_t index = first_index_[chunk];
  const bool parsed = ForEachOutcome(outcomes, [&](absl::string_view task) {
    if (!batched_) {
      results.push_back(EncodeMapResult(index++, task));
      return;
    }
    // A chunk's entries go in pieces of at most a batch's bytes, so that
    // no message outgrows what MapBatchStream promises a client.
    if (batch != nullptr &&
        batch->bytes.size() + task.size() > kWireBatchLimits.max_bytes) {
      results.push_back(std::move(batch));
      batch = nullptr;
    }
    if (batch == nullptr) {
      batch = std::make_shared<EncodedEvent>();
      batch->batch_entries = true;
    }
    AppendMapResultEntry(index++, task, &batch->bytes);
  });
  if (!parsed || index != first_index_[chunk] + items) return {};
  if (batch != nullptr) results.push_back(std::move(batch));
  return results;
}

}  // namespace execd
