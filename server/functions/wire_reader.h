#ifndef EXECD_SERVER_FUNCTIONS_WIRE_READER_H_
#define EXECD_SERVER_FUNCTIONS_WIRE_READER_H_

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace execd {

// Calls `visit` with the body of each length-delimited field `field` of the
// serialized message `bytes`, in order, skipping every other field (and a
// field `field` of another wire type, which a parser keeps as unknown),
// until `visit` returns false. Returns false if `bytes` is not well-formed
// wire format up to where the walk ended. The bodies are views into
// `bytes`: what the server forwards or copies without parsing it.
bool ForEachLengthDelimited(absl::string_view bytes, int field,
                            absl::FunctionRef<bool(absl::string_view)> visit);

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_WIRE_READER_H_
