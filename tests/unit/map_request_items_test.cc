// An outcomes Map's items taken as they came on the wire: found in the
// request's bytes, and copied into chunks as the parsed items would be
// serialized.
#include "server/core/map_request_items.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "server/core/submit_validation.h"
#include "server/functions/registry.h"
#include "tests/unit/test_util.h"

namespace execd {
namespace {

using testing::Number;
using testing::String;

// An outcomes Map of `echo` over `count` items: item i is [i, "s<i>"], and
// every other item also holds a struct.
v1::MapRequest EchoMap(int count, int chunksize) {
  v1::MapRequest request;
  request.set_function("echo");
  request.set_outcomes_only(true);
  request.set_chunksize(chunksize);
  for (int i = 0; i < count; ++i) {
    google::protobuf::ListValue* item = request.add_items();
    *item->add_values() = Number(i);
    *item->add_values() = String(absl::StrCat("s", i));
    if (i % 2 == 1) {
      (*item->add_values()->mutable_struct_value()->mutable_fields())["k"] =
          Number(-i);
    }
  }
  (*request.mutable_kwargs()->mutable_fields())["shared"] = String("kw");
  return request;
}

std::vector<std::string> Copies(const std::vector<absl::string_view>& views) {
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(EncodedMapItemsTest, AreEachItemsBytesInOrder) {
  const v1::MapRequest request = EchoMap(5, 2);
  const std::string bytes = request.SerializeAsString();
  const std::vector<absl::string_view> items = EncodedMapItems(bytes);
  ASSERT_EQ(items.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(items[i], request.items(i).SerializeAsString()) << "item " << i;
  }
}

TEST(EncodedMapItemsTest, SkipOtherFieldsWhereverTheyAre) {
  // The other fields written between and after the items, and a field 2
  // of another wire type, which the parser keeps as unknown, not an item.
  const v1::MapRequest request = EchoMap(2, 1);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag((1 << 3) | 2);  // function
    out.WriteVarint32(4);
    out.WriteString("echo");
    for (const google::protobuf::ListValue& item : request.items()) {
      const std::string item_bytes = item.SerializeAsString();
      out.WriteTag((2 << 3) | 2);
      out.WriteVarint32(static_cast<uint32_t>(item_bytes.size()));
      out.WriteString(item_bytes);
      out.WriteTag((5 << 3) | 0);  // chunksize, again
      out.WriteVarint32(1);
    }
    out.WriteTag((2 << 3) | 0);  // field 2 as a varint: unknown
    out.WriteVarint32(7);
    out.WriteTag((8 << 3) | 0);  // outcomes_only
    out.WriteVarint32(1);
  }
  v1::MapRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.items_size(), 2);
  const std::vector<absl::string_view> items = EncodedMapItems(bytes);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], parsed.items(0).SerializeAsString());
  EXPECT_EQ(items[1], parsed.items(1).SerializeAsString());
}

TEST(EncodedMapItemsTest, NoneFromMalformedBytes) {
  const std::string bytes = EchoMap(3, 1).SerializeAsString();
  // Cut inside the last item, a length past the end, a bad wire type.
  EXPECT_TRUE(EncodedMapItems(bytes.substr(0, bytes.size() - 3)).empty());
  EXPECT_TRUE(EncodedMapItems(std::string("\x12\x7f\x0a", 3)).empty());
  EXPECT_TRUE(EncodedMapItems(std::string("\x17\x01", 2)).empty());
  EXPECT_TRUE(EncodedMapItems("").empty());
}

TEST(BuildMapChunksTest, ChunksFromEncodedItemsEqualChunksFromParsedOnes) {
  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  const v1::MapRequest request = EchoMap(7, 3);
  const std::string bytes = request.SerializeAsString();
  absl::StatusOr<std::vector<TaskPtr>> parsed =
      BuildMapChunks(request, registry, {}, absl::InfiniteDuration());
  absl::StatusOr<std::vector<TaskPtr>> encoded = BuildMapChunks(
      request, registry, {}, absl::InfiniteDuration(), EncodedMapItems(bytes));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_EQ(encoded->size(), 3u);  // 3 + 3 + 1 items
  ASSERT_EQ(parsed->size(), encoded->size());
  for (size_t i = 0; i < parsed->size(); ++i) {
    EXPECT_EQ((*encoded)[i]->chunk_items(), (*parsed)[i]->chunk_items())
        << "chunk " << i;
    EXPECT_EQ((*encoded)[i]->chunksize, (*parsed)[i]->chunksize);
  }
}

TEST(BuildMapChunksTest, BadItemsAreRefusedWhateverTheirBytes) {
  // The items are checked on their parsed form: the bytes only travel.
  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  v1::MapRequest request = EchoMap(3, 1);
  request.set_function("primes");
  absl::StatusOr<std::vector<TaskPtr>> chunks =
      BuildMapChunks(request, registry, {}, absl::InfiniteDuration(),
                     EncodedMapItems(request.SerializeAsString()));
  EXPECT_EQ(chunks.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(chunks.status().message().find("item 0"), std::string::npos)
      << chunks.status();
}

TEST(BuildMapChunksTest, EncodedItemsThatDoNotMatchAreAnInternalError) {
  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  const v1::MapRequest request = EchoMap(3, 1);
  const std::string bytes = EchoMap(2, 1).SerializeAsString();
  absl::StatusOr<std::vector<TaskPtr>> chunks = BuildMapChunks(
      request, registry, {}, absl::InfiniteDuration(), EncodedMapItems(bytes));
  EXPECT_EQ(chunks.status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace execd
