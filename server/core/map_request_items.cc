#include "server/core/map_request_items.h"

#include <cstddef>
#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace execd {

std::vector<absl::string_view> EncodedMapItems(absl::string_view request) {
  using google::protobuf::internal::WireFormatLite;
  constexpr int kItemsField = 2;  // v1.MapRequest.items
  constexpr uint32_t kItemTag = WireFormatLite::MakeTag(
      kItemsField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  std::vector<absl::string_view> items;
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(request.data()),
      static_cast<int>(request.size()));
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) break;  // the end, or a malformed tag (checked below)
    if (tag != kItemTag) {
      // Other fields, and a field 2 of another wire type (which the parser
      // keeps as an unknown field, not an item).
      if (!WireFormatLite::SkipField(&input, tag)) return {};
      continue;
    }
    uint32_t length = 0;
    if (!input.ReadVarint32(&length)) return {};
    const size_t at = static_cast<size_t>(input.CurrentPosition());
    if (!input.Skip(static_cast<int>(length))) return {};
    items.push_back(request.substr(at, length));
  }
  if (static_cast<size_t>(input.CurrentPosition()) != request.size()) return {};
  return items;
}

}  // namespace execd
