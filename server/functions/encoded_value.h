#ifndef EXECD_SERVER_FUNCTIONS_ENCODED_VALUE_H_
#define EXECD_SERVER_FUNCTIONS_ENCODED_VALUE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace execd {

// Results travel as encoded google.protobuf.Value bytes from the function
// that made them to the wire: a worker's reply, the task record and every
// event carry the same bytes, and only a reader that wants the public Task
// (GetTask, Result, Callback) parses them. Building, keeping and freeing a
// Value tree per task cost more than the task itself for no-op functions.

// `value`, encoded.
std::string EncodeValue(const google::protobuf::Value& value);
// A number Value, encoded (fits std::string's inline buffer: no allocation).
std::string EncodeNumber(double number);
// echo's result {"args": [...], "kwargs": {...}}, encoded straight from its
// parts without building the Struct.
std::string EncodeArgsAndKwargs(const google::protobuf::ListValue& args,
                                const google::protobuf::Struct& kwargs);
// A list Value holding `list`'s values, encoded without copying them into a
// Value first (noop's result).
std::string EncodeList(const google::protobuf::ListValue& list);
// `text` with every byte sequence that is not UTF-8 replaced by U+FFFD: a
// Value whose strings are not UTF-8 does not parse, so text from outside
// (a program's stderr) goes through this first.
std::string ValidUtf8(absl::string_view text);

// Parses `bytes` into `out`; false if they are not a Value.
bool DecodeValue(absl::string_view bytes, google::protobuf::Value* out);
// The Value in `bytes` (empty if they are not one), for readers that want a
// copy of their own.
google::protobuf::Value DecodedValue(absl::string_view bytes);

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_ENCODED_VALUE_H_
