#ifndef EXECD_SERVER_SERVICE_MAP_CHUNK_COLLECTOR_H_
#define EXECD_SERVER_SERVICE_MAP_CHUNK_COLLECTOR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "server/core/event_encoding.h"
#include "server/core/task_observer.h"
#include "server/core/task_record.h"
#include "server/service/map_result_release.h"

namespace execd {

// Map with outcomes_only: watches the Map's chunk records and, as each
// ends, releases its items' outcomes as encoded MapResults (index, lean
// task), in input order unless `unordered`. A chunk that did not succeed
// (lost worker, timeout, cancel) ends each of its items the same way.
// Batched, a chunk's results go as batch entries in pieces of at most a
// batch's bytes; otherwise one MapResult per message.
class MapChunkCollector : public TaskObserver {
 public:
  using Outbox = MapResultRelease::Outbox;

  MapChunkCollector(std::shared_ptr<Outbox> outbox, std::vector<TaskPtr> chunks,
                    bool unordered, bool batched);

  // With the store lock held, so the chunk's record may be read.
  bool OnTaskEvent(const TaskEventPtr& event) override;
  void Kick() override { release_.Kick(); }

 private:
  // The chunk's results, from its outcomes or its own end; empty if its
  // outcomes do not hold one entry per item.
  MapResultRelease::Results Results(size_t chunk, const v1::Task& ended);

  const std::vector<TaskPtr> chunks_;
  const bool batched_;
  std::vector<int64_t> first_index_;  // of each chunk's first item; fixed
  MapResultRelease release_;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_MAP_CHUNK_COLLECTOR_H_
