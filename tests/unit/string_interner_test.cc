#include "server/core/string_interner.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace execd {
namespace {

TEST(StringInternerTest, SharesOneCopyPerString) {
  StringInterner interner;
  std::shared_ptr<const std::string> alice = interner.Intern("alice");
  std::shared_ptr<const std::string> again = interner.Intern("alice");
  std::shared_ptr<const std::string> bob = interner.Intern("bob");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice.get(), again.get());
  EXPECT_EQ(*alice, "alice");
  EXPECT_EQ(*bob, "bob");
  EXPECT_NE(alice.get(), bob.get());
}

TEST(StringInternerTest, EmptyIsNull) {
  StringInterner interner;
  EXPECT_EQ(interner.Intern(""), nullptr);
  EXPECT_EQ(interner.size(), 0u);
}

TEST(StringInternerTest, DropsStringsNobodyHolds) {
  StringInterner interner;
  std::shared_ptr<const std::string> held = interner.Intern("held");
  for (int i = 0; i < 10000; ++i) interner.Intern(absl::StrCat("gone-", i));
  EXPECT_LT(interner.size(), 200u);                      // pruned as it grew
  EXPECT_EQ(interner.Intern("held").get(), held.get());  // kept: still held
}

}  // namespace
}  // namespace execd
