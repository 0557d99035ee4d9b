#include "server/core/task_event.h"

#include "google/protobuf/arena.h"

namespace execd {
namespace {

// Sized for a finished no-op task (ids, times, a small result, the arena's
// own bookkeeping); larger events get further arena blocks.
constexpr size_t kFirstBlockBytes = 1280;

struct ArenaEvent {
  ArenaEvent() : arena(Options(first_block)) {
    event = google::protobuf::Arena::CreateMessage<v1::TaskEvent>(&arena);
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
};

}  // namespace

NewTaskEvent MakeTaskEvent() {
  auto holder = std::make_shared<ArenaEvent>();
  v1::TaskEvent* event = holder->event;
  // Aliasing: the pointer is the event, the ownership the whole holder.
  return NewTaskEvent{event, TaskEventPtr(std::move(holder), event)};
}

}  // namespace execd
