#include "server/core/submit_validation.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/proto_time.h"
#include "server/functions/map_chunk.h"

namespace execd {
namespace {

constexpr int64_t kMaxDurationSeconds = 315576000000;  // protobuf's bound

// INVALID_ARGUMENT for a negative or malformed duration; unset is zero.
absl::StatusOr<absl::Duration> ReadDuration(
    const google::protobuf::Duration& duration, absl::string_view field) {
  const bool mixed_signs = (duration.seconds() > 0 && duration.nanos() < 0) ||
                           (duration.seconds() < 0 && duration.nanos() > 0);
  if (duration.seconds() < 0 || duration.nanos() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must not be negative"));
  }
  if (mixed_signs || duration.nanos() > 999999999 ||
      duration.seconds() > kMaxDurationSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not a valid duration"));
  }
  return FromProto(duration);
}

absl::StatusOr<const FunctionSpec*> FindFunction(
    const std::string& name, const FunctionRegistry& registry) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "function is required (see ListFunctions for what can be called)");
  }
  return registry.Find(name);
}

absl::StatusOr<v1::Pool> ChoosePool(v1::Pool requested,
                                    const FunctionSpec& spec) {
  if (!v1::Pool_IsValid(requested)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool ", static_cast<int>(requested),
                     " is not a Pool value; use POOL_THREAD or POOL_PROCESS"));
  }
  if (requested == v1::POOL_UNSPECIFIED) return spec.default_pool;
  if (!spec.AllowsPool(requested)) {
    std::vector<std::string> allowed;
    for (v1::Pool pool : spec.pools) allowed.push_back(v1::Pool_Name(pool));
    return absl::InvalidArgumentError(absl::StrCat(
        "function \"", spec.name, "\" cannot run on ", v1::Pool_Name(requested),
        "; allowed: ", absl::StrJoin(allowed, ", ")));
  }
  return requested;
}

absl::StatusOr<absl::Duration> ChooseTimeout(
    const google::protobuf::Duration& requested, bool has_timeout,
    absl::Duration default_timeout) {
  absl::StatusOr<absl::Duration> timeout = ReadDuration(requested, "timeout");
  if (!timeout.ok()) return timeout.status();
  if (!has_timeout || *timeout == absl::ZeroDuration()) return default_timeout;
  return *timeout;
}

// Containers (lists, objects) nested in `value`, counting stops past
// kMaxValueDepth so the walk itself stays shallow.
int ContainerDepth(const google::protobuf::Value& value, int depth = 0) {
  if (depth > kMaxValueDepth) return depth;
  int deepest = depth;
  if (value.has_list_value()) {
    for (const google::protobuf::Value& item : value.list_value().values()) {
      deepest = std::max(deepest, ContainerDepth(item, depth + 1));
      if (deepest > kMaxValueDepth) break;
    }
    return std::max(deepest, depth + 1);
  }
  if (value.has_struct_value()) {
    for (const auto& [key, item] : value.struct_value().fields()) {
      deepest = std::max(deepest, ContainerDepth(item, depth + 1));
      if (deepest > kMaxValueDepth) break;
    }
    return std::max(deepest, depth + 1);
  }
  return depth;
}

absl::Status TooDeep(absl::string_view where) {
  return absl::InvalidArgumentError(
      absl::StrCat(where, " is nested too deeply: more than ", kMaxValueDepth,
                   " levels of lists/objects (at most ", kMaxValueDepth, ")"));
}

// A label key short enough to quote in an error message.
std::string QuoteKey(absl::string_view key) {
  constexpr size_t kShown = 32;
  if (key.size() <= kShown) return absl::StrCat("\"", key, "\"");
  return absl::StrCat("\"", key.substr(0, kShown), "...\"");
}

absl::Status CheckArgs(
    const google::protobuf::RepeatedPtrField<google::protobuf::Value>& args) {
  if (args.size() > kMaxArgs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "too many args: ", args.size(), " (at most ", kMaxArgs, ")"));
  }
  for (int i = 0; i < args.size(); ++i) {
    if (ContainerDepth(args.Get(i)) > kMaxValueDepth) {
      return TooDeep(absl::StrCat("args[", i, "]"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKwargs(const google::protobuf::Struct& kwargs) {
  if (kwargs.fields_size() > kMaxKwargs) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many kwargs: ", kwargs.fields_size(), " (at most ",
                     kMaxKwargs, ")"));
  }
  for (const auto& [key, value] : kwargs.fields()) {
    if (ContainerDepth(value) > kMaxValueDepth) {
      return TooDeep(absl::StrCat("kwargs ", QuoteKey(key)));
    }
  }
  return absl::OkStatus();
}

// Caps on the shape of a request, so one call cannot cost the server
// unbounded memory, CPU or stack.
absl::Status CheckSizeLimits(const v1::SubmitRequest& request) {
  if (absl::Status status = CheckArgs(request.args()); !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckKwargs(request.kwargs()); !status.ok()) {
    return status;
  }
  if (request.labels_size() > kMaxLabels) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many labels: ", request.labels_size(), " (at most ",
                     kMaxLabels, ")"));
  }
  for (const auto& [key, value] : request.labels()) {
    if (key.empty()) {
      return absl::InvalidArgumentError("label keys must not be empty");
    }
    if (key.size() > kMaxLabelKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("label key ", QuoteKey(key), " is ", key.size(),
                       " bytes (at most ", kMaxLabelKeyBytes, ")"));
    }
    if (value.size() > kMaxLabelValueBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label ", QuoteKey(key), " has a value of ", value.size(),
          " bytes (at most ", kMaxLabelValueBytes, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TaskPtr> BuildTaskRecord(v1::SubmitRequest& request,
                                        const FunctionRegistry& registry,
                                        const FunctionLimits& limits,
                                        absl::Duration default_timeout) {
  absl::StatusOr<const FunctionSpec*> spec =
      FindFunction(request.function(), registry);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<v1::Pool> pool = ChoosePool(request.pool(), **spec);
  if (!pool.ok()) return pool.status();
  absl::StatusOr<absl::Duration> timeout =
      ChooseTimeout(request.timeout(), request.has_timeout(), default_timeout);
  if (!timeout.ok()) return timeout.status();
  if (absl::StatusOr<absl::Duration> delay =
          ReadDuration(request.delay(), "delay");
      !delay.ok()) {
    return delay.status();
  }
  if (request.max_retries() < 0 || request.max_retries() > kMaxRetries) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_retries must be between 0 and ", kMaxRetries,
                     ", got ", request.max_retries()));
  }
  if (request.request_id().size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id is longer than ", kMaxRequestIdLength, " bytes"));
  }
  if (absl::Status status = CheckSizeLimits(request); !status.ok()) {
    return status;
  }

  auto task = std::make_shared<TaskRecord>();
  if (request.args_size() > 0 || request.kwargs().fields_size() > 0 ||
      !request.input().empty()) {
    TaskInputs& inputs = task->mutable_inputs();
    inputs.args.mutable_values()->Swap(request.mutable_args());
    inputs.kwargs.Swap(request.mutable_kwargs());
    inputs.input.swap(*request.mutable_input());
  }
  if (absl::Status valid = (*spec)->validate(task->call_args(), limits);
      !valid.ok()) {
    return valid;
  }
  task->function = *spec;
  task->pool = *pool;
  task->priority = request.priority();
  task->timeout = *timeout;
  task->max_retries = request.max_retries();
  if (request.labels_size() > 0 || !request.request_id().empty()) {
    TaskTags& tags = task->mutable_tags();
    tags.labels.swap(*request.mutable_labels());
    tags.request_id = std::move(*request.mutable_request_id());
  }
  return task;
}

namespace {

struct MapTarget {
  const FunctionSpec* function;
  v1::Pool pool;
};

// What every Map checks up front, so that an empty Map still reports a bad
// chunksize, function or pool.
absl::StatusOr<MapTarget> CheckMapTarget(const v1::MapRequest& request,
                                         const FunctionRegistry& registry) {
  if (request.chunksize() < 0 || request.chunksize() > kMaxChunksize) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunksize must be between 0 and ", kMaxChunksize,
                     ", got ", request.chunksize()));
  }
  absl::StatusOr<const FunctionSpec*> spec =
      FindFunction(request.function(), registry);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<v1::Pool> pool = ChoosePool(request.pool(), **spec);
  if (!pool.ok()) return pool.status();
  return MapTarget{*spec, *pool};
}

absl::Status ItemError(int index, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("item ", index, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::vector<TaskPtr>> BuildMapTasks(
    v1::MapRequest& request, const FunctionRegistry& registry,
    const FunctionLimits& limits, absl::Duration default_timeout,
    uint64_t group) {
  if (absl::StatusOr<MapTarget> target = CheckMapTarget(request, registry);
      !target.ok()) {
    return target.status();
  }
  std::vector<TaskPtr> tasks;
  tasks.reserve(request.items_size());
  for (int i = 0; i < request.items_size(); ++i) {
    v1::SubmitRequest item;
    item.set_function(request.function());
    item.mutable_args()->Swap(request.mutable_items(i)->mutable_values());
    *item.mutable_kwargs() = request.kwargs();
    item.set_pool(request.pool());
    *item.mutable_timeout() = request.timeout();
    absl::StatusOr<TaskPtr> task =
        BuildTaskRecord(item, registry, limits, default_timeout);
    if (!task.ok()) return ItemError(i, task.status());
    (*task)->map_group = group;
    (*task)->chunksize = std::max(1, request.chunksize());
    tasks.push_back(std::move(*task));
  }
  return tasks;
}

absl::StatusOr<std::vector<TaskPtr>> BuildMapChunks(
    const v1::MapRequest& request, const FunctionRegistry& registry,
    const FunctionLimits& limits, absl::Duration default_timeout,
    absl::Span<const absl::string_view> encoded_items) {
  if (!encoded_items.empty() &&
      encoded_items.size() != static_cast<size_t>(request.items_size())) {
    return absl::InternalError(
        absl::StrCat("Map: ", encoded_items.size(), " encoded items for ",
                     request.items_size(), " parsed ones"));
  }
  absl::StatusOr<MapTarget> target = CheckMapTarget(request, registry);
  if (!target.ok()) return target.status();
  absl::StatusOr<absl::Duration> item_timeout =
      ChooseTimeout(request.timeout(), request.has_timeout(), default_timeout);
  if (!item_timeout.ok()) return item_timeout.status();
  if (absl::Status status = CheckKwargs(request.kwargs()); !status.ok()) {
    return status;
  }
  static const std::string kNoInput;
  for (int i = 0; i < request.items_size(); ++i) {
    const google::protobuf::ListValue& item = request.items(i);
    absl::Status status = CheckArgs(item.values());
    if (status.ok()) {
      status = target->function->validate(
          CallArgs{item, request.kwargs(), kNoInput}, limits);
    }
    if (!status.ok()) return ItemError(i, status);
  }
  const int chunksize = std::max(1, request.chunksize());
  std::vector<TaskPtr> chunks;
  chunks.reserve((request.items_size() + chunksize - 1) / chunksize);
  for (int first = 0; first < request.items_size(); first += chunksize) {
    const int count = std::min(chunksize, request.items_size() - first);
    auto chunk = std::make_shared<TaskRecord>();
    TaskInputs& inputs = chunk->mutable_inputs();
    for (int i = first; i < first + count; ++i) {
      if (encoded_items.empty()) {
        AppendChunkItem(request.items(i), &inputs.chunk_items);
      } else {
        AppendEncodedChunkItem(encoded_items[i], &inputs.chunk_items);
      }
    }
    inputs.kwargs = request.kwargs();
    chunk->function = target->function;
    chunk->pool = target->pool;
    // Per item, as for Map's tasks: the chunk may take all its items' time.
    chunk->timeout = *item_timeout * count;
    chunk->map_chunk = true;
    chunk->chunksize = count;
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

}  // namespace execd
