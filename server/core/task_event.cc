#include "server/core/task_event.h"

#include "google/protobuf/arena.h"

namespace execd {
namespace {

// Sized for a finished no-op task (ids, times, a small result, the arena's
// own bookkeeping); larger events get further arena blocks.
constexpr size_t kFirstBlockBytes = 1280;

struct ArenaEvent {
  explicit ArenaEvent(std::shared_ptr<const google::protobuf::Value> result)
      : arena(Options(first_block)), borrowed_result(std::move(result)) {
    event = google::protobuf::Arena::CreateMessage<v1::TaskEvent>(&arena);
    if (borrowed_result != nullptr) {
      // Read-only from here on, like the whole event.
      event->mutable_task()->unsafe_arena_set_allocated_result(
          const_cast<google::protobuf::Value*>(borrowed_result.get()));
    }
  }
  ~ArenaEvent() {
    // The result belongs to the task record, not to the arena.
    if (borrowed_result != nullptr) {
      event->mutable_task()->unsafe_arena_release_result();
    }
  }

  static google::protobuf::ArenaOptions Options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kFirstBlockBytes;
    return options;
  }

  alignas(16) char first_block[kFirstBlockBytes];  // before the arena uses it
  google::protobuf::Arena arena;
  v1::TaskEvent* event = nullptr;
  std::shared_ptr<const google::protobuf::Value> borrowed_result;
};

}  // namespace

NewTaskEvent MakeTaskEvent(
    std::shared_ptr<const google::protobuf::Value> result) {
  auto holder = std::make_shared<ArenaEvent>(std::move(result));
  v1::TaskEvent* event = holder->event;
  // Aliasing: the pointer is the event, the ownership the whole holder.
  return NewTaskEvent{event, TaskEventPtr(std::move(holder), event)};
}

}  // namespace execd
