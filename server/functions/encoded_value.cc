#include "server/functions/encoded_value.h"

#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace execd {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

// Field numbers of struct.proto.
constexpr int kValueStruct = 5;
constexpr int kValueList = 6;
constexpr int kStructFields = 1;
constexpr int kEntryKey = 1;
constexpr int kEntryValue = 2;

size_t DelimitedSize(size_t body) {
  return 1 + CodedOutputStream::VarintSize64(body) + body;  // tag < 16
}

void WriteHeader(int field, size_t body, CodedOutputStream& out) {
  out.WriteTag(WireFormatLite::MakeTag(
      field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out.WriteVarint64(body);
}

// One Struct.fields entry whose value is a Value holding `body` (a ListValue
// or a Struct) as its field `kind`.
struct Entry {
  absl::string_view key;
  int kind;
  const google::protobuf::MessageLite* body;
  size_t body_size;

  size_t ValueSize() const { return DelimitedSize(body_size); }
  size_t Size() const {
    return DelimitedSize(key.size()) + DelimitedSize(ValueSize());
  }
  void Write(CodedOutputStream& out) const {
    WriteHeader(kStructFields, Size(), out);
    WriteHeader(kEntryKey, key.size(), out);
    out.WriteRaw(key.data(), static_cast<int>(key.size()));
    WriteHeader(kEntryValue, ValueSize(), out);
    WriteHeader(kind, body_size, out);
    body->SerializeWithCachedSizes(&out);
  }
};

// Length of the well-formed UTF-8 sequence `text` starts with (no overlong
// forms, surrogates or code points past U+10FFFF), or 0.
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [text](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t second_min = 0x80;
  uint8_t second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < second_min || byte(1) > second_max) {
    return 0;
  }
  for (size_t i = 2; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

std::string ValidUtf8(absl::string_view text) {
  constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string valid;
  valid.reserve(text.size());
  while (!text.empty()) {
    size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      valid.append(kReplacement.data(), kReplacement.size());
      length = 1;
    } else {
      valid.append(text.data(), length);
    }
    text.remove_prefix(length);
  }
  return valid;
}

std::string EncodeValue(const google::protobuf::Value& value) {
  return value.SerializeAsString();
}

std::string EncodeNumber(double number) {
  google::protobuf::Value value;
  value.set_number_value(number);
  return value.SerializeAsString();
}

std::string EncodeArgsAndKwargs(const google::protobuf::ListValue& args,
                                const google::protobuf::Struct& kwargs) {
  // ByteSizeLong also caches the sizes SerializeWithCachedSizes needs.
  const Entry entries[] = {
      {"args", kValueList, &args, args.ByteSizeLong()},
      {"kwargs", kValueStruct, &kwargs, kwargs.ByteSizeLong()},
  };
  size_t struct_size = 0;
  for (const Entry& entry : entries) struct_size += DelimitedSize(entry.Size());
  std::string bytes;
  bytes.reserve(DelimitedSize(struct_size));
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    CodedOutputStream out(&stream);
    WriteHeader(kValueStruct, struct_size, out);
    for (const Entry& entry : entries) entry.Write(out);
  }
  return bytes;
}

std::string EncodeList(const google::protobuf::ListValue& list) {
  const size_t list_size = list.ByteSizeLong();  // caches the sizes too
  std::string bytes;
  bytes.reserve(DelimitedSize(list_size));
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    CodedOutputStream out(&stream);
    WriteHeader(kValueList, list_size, out);
    list.SerializeWithCachedSizes(&out);
  }
  return bytes;
}

bool DecodeValue(absl::string_view bytes, google::protobuf::Value* out) {
  return out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

google::protobuf::Value DecodedValue(absl::string_view bytes) {
  google::protobuf::Value value;
  if (!DecodeValue(bytes, &value)) value.Clear();
  return value;
}

}  // namespace execd
