#ifndef EXECD_SERVER_CORE_MAP_REQUEST_ITEMS_H_
#define EXECD_SERVER_CORE_MAP_REQUEST_ITEMS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace execd {

// The bytes of each `items` entry of the serialized v1::MapRequest
// `request`, in order: views into `request`. Empty if `request` is not
// well-formed wire format (it would not parse either). An outcomes Map
// copies these into its chunks (BuildMapChunks) rather than serializing
// the parsed items again.
std::vector<absl::string_view> EncodedMapItems(absl::string_view request);

}  // namespace execd

#endif  // EXECD_SERVER_CORE_MAP_REQUEST_ITEMS_H_
