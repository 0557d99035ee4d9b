// Fuzzes the Submit/Map request validation (server/core/submit_validation.h)
// with requests parsed from the bytes as protobuf wire format and built
// field by field from them, so both malformed encodings and well-formed but
// hostile arguments reach every built-in's validate.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/struct.pb.h"
#include "server/core/map_request_items.h"
#include "server/core/submit_validation.h"
#include "server/functions/registry.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/fuzz/fuzz_input.h"

namespace execd::fuzz {
namespace {

// What an accepted record must satisfy whatever the request was.
void CheckRecord(const TaskRecord& task, const std::string& function) {
  Check(task.function != nullptr);
  Check(task.function->name == function);
  Check(task.pool == v1::POOL_THREAD || task.pool == v1::POOL_PROCESS);
  Check(task.function->AllowsPool(task.pool));
  Check(task.timeout > absl::ZeroDuration());
  Check(task.max_retries >= 0 && task.max_retries <= kMaxRetries);
  Check(task.request_id().size() <= kMaxRequestIdLength);
  Check(task.chunksize >= 1 && task.chunksize <= kMaxChunksize);
}

void SetDuration(FuzzInput& in, google::protobuf::Duration* duration) {
  switch (in.Below(4)) {
    case 0:
      return;
    case 1:
      duration->set_seconds(in.Below(100));
      duration->set_nanos(static_cast<int32_t>(in.Below(1000)) * 1000000);
      return;
    default:
      duration->set_seconds(in.Raw<int64_t>());
      duration->set_nanos(in.Raw<int32_t>());
  }
}

const std::vector<std::string>& FunctionNames() {
  static const auto* names = new std::vector<std::string>{
      "echo",  "noop", "sleep",    "primes", "fail",
      "crash", "exec", "allocate", ""};
  return *names;
}

v1::Pool AnyPool(FuzzInput& in) {
  return in.Below(8) == 0 ? static_cast<v1::Pool>(in.Raw<int32_t>())
                          : static_cast<v1::Pool>(in.Below(3));
}

void BuildSubmit(FuzzInput& in, v1::SubmitRequest* request) {
  request->set_function(in.OneOf(FunctionNames(), 16));
  google::protobuf::ListValue args;
  in.List(&args, 3);
  request->mutable_args()->Swap(args.mutable_values());
  in.Struct(request->mutable_kwargs(), 2);
  request->set_input(in.String(32));
  request->set_pool(AnyPool(in));
  request->set_priority(in.Raw<int32_t>());
  if (in.Bool()) SetDuration(in, request->mutable_timeout());
  if (in.Bool()) SetDuration(in, request->mutable_delay());
  request->set_request_id(in.Bool() ? std::string(in.Below(300), 'r')
                                    : in.String(16));
  request->set_max_retries(in.Bool() ? static_cast<int32_t>(in.Below(128)) - 8
                                     : in.Raw<int32_t>());
  (*request->mutable_labels())[in.String(8)] = in.String(8);
}

void BuildMap(FuzzInput& in, v1::MapRequest* request) {
  request->set_function(in.OneOf(FunctionNames(), 16));
  for (uint32_t i = in.Below(5); i > 0 && !in.empty(); --i) {
    in.List(request->add_items(), 2);
  }
  in.Struct(request->mutable_kwargs(), 2);
  request->set_pool(AnyPool(in));
  request->set_chunksize(in.Bool() ? static_cast<int32_t>(in.Below(20)) - 2
                                   : in.Raw<int32_t>());
  if (in.Bool()) SetDuration(in, request->mutable_timeout());
  request->set_outcomes_only(in.Bool());
}

absl::Duration DefaultTimeout(uint8_t byte) {
  switch (byte % 3) {
    case 0:
      return absl::InfiniteDuration();
    case 1:
      return absl::Seconds(1);
    default:
      return absl::Milliseconds(byte);
  }
}

void RunSubmit(v1::SubmitRequest& request, absl::Duration default_timeout) {
  const std::string function = request.function();
  absl::StatusOr<TaskPtr> task =
      BuildTaskRecord(request, Registry(), Limits(), default_timeout);
  if (task.ok()) {
    CheckRecord(**task, function);
  } else {
    Check(!task.status().message().empty());
  }
}

// Bytes of `message` with map entries in key order, so that equal messages
// compare equal (also with a NaN, which MessageDifferencer calls unequal).
std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

// outcomes_only: chunks that hold every item once, in order, and refuse
// what one task per item would refuse.
void RunMapChunks(v1::MapRequest& request, absl::Duration default_timeout) {
  const std::string function = request.function();
  const v1::MapRequest original = request;
  absl::StatusOr<std::vector<TaskPtr>> chunks =
      BuildMapChunks(request, Registry(), Limits(), default_timeout);
  // The same from the items' bytes, as the server takes them off the wire:
  // the same verdict, and chunks byte for byte those of the parsed items.
  const std::string request_bytes = request.SerializeAsString();
  absl::StatusOr<std::vector<TaskPtr>> from_bytes =
      BuildMapChunks(request, Registry(), Limits(), default_timeout,
                     EncodedMapItems(request_bytes));
  Check(from_bytes.ok() == chunks.ok());
  if (chunks.ok()) {
    Check(from_bytes->size() == chunks->size());
    for (size_t i = 0; i < chunks->size(); ++i) {
      Check((*from_bytes)[i]->chunk_items() == (*chunks)[i]->chunk_items());
    }
  }
  if (original.items_size() > 0) {
    v1::MapRequest as_tasks = original;  // its items move into the tasks
    Check(
        chunks.ok() ==
        BuildMapTasks(as_tasks, Registry(), Limits(), default_timeout, 7).ok());
  }
  if (!chunks.ok()) {
    Check(!chunks.status().message().empty());
    return;
  }
  const int chunksize = std::max(1, original.chunksize());
  Check(static_cast<int>(chunks->size()) ==
        (original.items_size() + chunksize - 1) / chunksize);
  for (const TaskPtr& chunk : *chunks) {
    Check(chunk->map_chunk && chunk->function->name == function);
  }
  // A request built here may hold strings that are not UTF-8, which no
  // request parsed off the wire does; such items do not parse back (nor
  // would a task's arguments in its worker).
  v1::MapRequest reparsed;
  if (!reparsed.ParseFromString(original.SerializeAsString())) return;
  int next_item = 0;
  for (const TaskPtr& chunk : *chunks) {
    google::protobuf::ListValue items;
    Check(items.ParseFromString(chunk->chunk_items()));
    Check(items.values_size() == chunk->chunksize);
    for (const google::protobuf::Value& item : items.values()) {
      Check(DeterministicBytes(item.list_value()) ==
            DeterministicBytes(original.items(next_item++)));
    }
  }
  Check(next_item == original.items_size());
}

void RunMap(v1::MapRequest& request, absl::Duration default_timeout) {
  if (request.outcomes_only()) {
    RunMapChunks(request, default_timeout);
    return;
  }
  const std::string function = request.function();
  const int items = request.items_size();
  absl::StatusOr<std::vector<TaskPtr>> tasks =
      BuildMapTasks(request, Registry(), Limits(), default_timeout, 7);
  if (!tasks.ok()) {
    Check(!tasks.status().message().empty());
    return;
  }
  Check(static_cast<int>(tasks->size()) == items);
  for (const TaskPtr& task : *tasks) {
    CheckRecord(*task, function);
    Check(task->map_group == 7);
  }
}

}  // namespace
}  // namespace execd::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace execd;  // NOLINT(build/namespaces)
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const absl::Duration default_timeout = fuzz::DefaultTimeout(data[1]);
  data += 2;
  size -= 2;
  switch (mode % 4) {
    case 0: {  // wire format, as a client may send it
      v1::SubmitRequest request;
      if (request.ParseFromArray(data, static_cast<int>(size))) {
        fuzz::RunSubmit(request, default_timeout);
      }
      break;
    }
    case 1: {
      v1::MapRequest request;
      if (request.ParseFromArray(data, static_cast<int>(size)) &&
          request.items_size() <= 64) {
        fuzz::RunMap(request, default_timeout);
      }
      break;
    }
    case 2: {  // built field by field
      fuzz::FuzzInput in(data, size);
      v1::SubmitRequest request;
      fuzz::BuildSubmit(in, &request);
      fuzz::RunSubmit(request, default_timeout);
      break;
    }
    default: {
      fuzz::FuzzInput in(data, size);
      v1::MapRequest request;
      fuzz::BuildMap(in, &request);
      fuzz::RunMap(request, default_timeout);
      break;
    }
  }
  return 0;
}
