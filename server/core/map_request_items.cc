#include "server/core/map_request_items.h"

#include "server/functions/wire_reader.h"

namespace execd {

std::vector<absl::string_view> EncodedMapItems(absl::string_view request) {
  constexpr int kItemsField = 2;  // v1.MapRequest.items
  std::vector<absl::string_view> items;
  const bool well_formed =
      ForEachLengthDelimited(request, kItemsField, [&items](auto item) {
        items.push_back(item);
        return true;
      });
  if (!well_formed) items.clear();
  return items;
}

}  // namespace execd
