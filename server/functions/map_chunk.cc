#include "server/functions/map_chunk.h"

#include <exception>
#include <new>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "server/functions/wire_writer.h"

namespace execd {
namespace {

constexpr int kOutcomesField = 1;  // the `repeated v1.Task = 1` entries

void AppendTask(v1::TaskState state, const std::string* result,
                absl::string_view output, const v1::TaskError* error,
                std::string* outcomes) {
  size_t size = WireWriter::IntFieldSize(state);
  if (result != nullptr) size += WireWriter::FieldSize(result->size());
  if (!output.empty()) size += WireWriter::FieldSize(output.size());
  if (error != nullptr) size += WireWriter::FieldSize(error->ByteSizeLong());
  // The headers up to the result's body in one append: a chunk is hundreds
  // of outcomes of a few bytes each.
  uint8_t headers[2 * WireWriter::kMaxMessageHeaderBytes +
                  WireWriter::kMaxIntFieldBytes];
  uint8_t* end =
      WireWriter::MessageHeaderToArray(kOutcomesField, size, headers);
  end = WireWriter::IntFieldToArray(kState, state, end);
  if (result != nullptr) {
    // Present even when empty, as for a task's result.
    end = WireWriter::MessageHeaderToArray(kResult, result->size(), end);
  }
  outcomes->append(reinterpret_cast<const char*>(headers), end - headers);
  if (result != nullptr) outcomes->append(*result);
  WireWriter wire(outcomes);
  wire.StringField(kOutput, output);
  if (error != nullptr) wire.Message(kError, *error);
}

// The headers of a chunk item whose ListValue is `item_size` bytes.
void AppendChunkItemHeaders(size_t item_size, std::string* chunk_items) {
  constexpr int kListValuesField = 1;  // google.protobuf.ListValue.values
  constexpr int kValueListField = 6;   // google.protobuf.Value.list_value
  // One append for both: a chunk is hundreds of items of a few bytes each.
  uint8_t headers[2 * WireWriter::kMaxMessageHeaderBytes];
  uint8_t* end = WireWriter::MessageHeaderToArray(
      kListValuesField, WireWriter::FieldSize(item_size), headers);
  end = WireWriter::MessageHeaderToArray(kValueListField, item_size, end);
  chunk_items->append(reinterpret_cast<const char*>(headers), end - headers);
}

}  // namespace

void AppendChunkItem(const google::protobuf::ListValue& item,
                     std::string* chunk_items) {
  const size_t item_size = item.ByteSizeLong();
  AppendChunkItemHeaders(item_size, chunk_items);
  const size_t at = chunk_items->size();
  chunk_items->resize(at + item_size);
  item.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(chunk_items->data() + at));
}

void AppendEncodedChunkItem(absl::string_view item_bytes,
                            std::string* chunk_items) {
  AppendChunkItemHeaders(item_bytes.size(), chunk_items);
  chunk_items->append(item_bytes.data(), item_bytes.size());
}

std::string RunMapChunk(const FunctionSpec& function,
                        const google::protobuf::ListValue& items,
                        const google::protobuf::Struct& kwargs,
                        TaskContext& context) {
  std::string outcomes;
  static const std::string kNoInput;
  for (const google::protobuf::Value& item : items.values()) {
    if (context.IsCancelled()) break;
    absl::StatusOr<CallResult> run;
    try {
      run =
          function.run(CallArgs{item.list_value(), kwargs, kNoInput}, context);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& error) {
      run = absl::InternalError(
          absl::StrCat("function threw an exception: ", error.what()));
    }
    AppendOutcome(run, &outcomes);
  }
  return outcomes;
}

void AppendOutcome(const absl::StatusOr<CallResult>& run,
                   std::string* outcomes) {
  if (run.ok()) {
    AppendTask(v1::TASK_STATE_SUCCEEDED, &run->result, run->output, nullptr,
               outcomes);
    return;
  }
  const v1::TaskError error = TaskErrorOf(run.status());
  AppendTask(v1::TASK_STATE_FAILED, nullptr, {}, &error, outcomes);
}

void AppendEndedOutcome(v1::TaskState state, const v1::TaskError& error,
                        std::string* outcomes) {
  AppendTask(state, nullptr, {}, &error, outcomes);
}

bool ForEachOutcome(absl::string_view outcomes,
                    absl::FunctionRef<void(absl::string_view task)> visit) {
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(outcomes.data()),
      static_cast<int>(outcomes.size()));
  constexpr uint32_t kEntryTag = (kOutcomesField << 3) | 2;
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) return input.CurrentPosition() == outcomes.size();
    uint32_t length = 0;
    if (tag != kEntryTag || !input.ReadVarint32(&length)) return false;
    const size_t at = static_cast<size_t>(input.CurrentPosition());
    if (length > outcomes.size() - at || !input.Skip(length)) return false;
    visit(outcomes.substr(at, length));
  }
}

}  // namespace execd
