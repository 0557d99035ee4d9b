#include "server/functions/wire_reader.h"

#include <cstddef>
#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace execd {

bool ForEachLengthDelimited(absl::string_view bytes, int field,
                            absl::FunctionRef<bool(absl::string_view)> visit) {
  using google::protobuf::internal::WireFormatLite;
  const uint32_t wanted =
      WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  while (true) {
    const uint32_t tag = input.ReadTag();
    // 0 at the end, and for a malformed tag before it.
    if (tag == 0)
      return static_cast<size_t>(input.CurrentPosition()) == bytes.size();
    if (tag != wanted) {
      if (!WireFormatLite::SkipField(&input, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    if (!input.ReadVarint32(&length)) return false;
    const size_t at = static_cast<size_t>(input.CurrentPosition());
    if (length > bytes.size() - at || !input.Skip(static_cast<int>(length))) {
      return false;
    }
    if (!visit(bytes.substr(at, length))) return true;
  }
}

}  // namespace execd
