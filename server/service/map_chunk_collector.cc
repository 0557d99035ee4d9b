#include "server/service/map_chunk_collector.h"

#include <algorithm>
#include <utility>

#include "server/functions/map_chunk.h"
#include "server/service/wire_batch.h"

namespace execd {

MapChunkCollector::MapChunkCollector(std::shared_ptr<Outbox> outbox,
                                     std::vector<TaskPtr> chunks,
                                     bool unordered, bool batched)
    : TaskObserver(/*wants_encoded_events=*/false),
      chunks_(std::move(chunks)),
      batched_(batched),
      release_(std::move(outbox), chunks_, unordered) {
  first_index_.reserve(chunks_.size());
  int64_t next_item = 0;
  for (const TaskPtr& chunk : chunks_) {
    first_index_.push_back(next_item);
    next_item += chunk->chunksize;
  }
}

bool MapChunkCollector::OnTaskEvent(const TaskEventPtr& event) {
  // Watches are only for FINISHED, so every event is one.
  std::optional<size_t> chunk = release_.SlotOf(event->task().task_id());
  if (!chunk.has_value()) return false;
  MapResultRelease::Results results = Results(*chunk, event->task());
  if (results.empty()) {
    // Our own worker or pool thread wrote them: a bug.
    return release_.Fail(
        grpc::Status(grpc::StatusCode::INTERNAL,
                     "Map: a chunk's outcomes do not match its items"));
  }
  return release_.Done(*chunk, std::move(results));
}

MapResultRelease::Results MapChunkCollector::Results(size_t chunk,
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
  MapResultRelease::Results results;
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
      // Sized once for the rest of the chunk (or a batch's bytes): growing
      // by appends would copy it over and over.
      const size_t outcome_bytes_left =
          outcomes.size() - static_cast<size_t>(task.data() - outcomes.data());
      const size_t entries_left =
          static_cast<size_t>(first_index_[chunk] + items - index);
      batch->bytes.reserve(std::min(
          outcome_bytes_left + entries_left * kMaxMapResultEntryOverhead,
          kWireBatchLimits.max_bytes));
    }
    AppendMapResultEntry(index++, task, &batch->bytes);
  });
  if (!parsed || index != first_index_[chunk] + items) return {};
  if (batch != nullptr) results.push_back(std::move(batch));
  return results;
}

}  // namespace execd
