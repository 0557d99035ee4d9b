// The token file format: names, comments, errors that never show a token.
#include "server/service/token_file.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace execd {
namespace {

TEST(TokenFileTest, ParsesTokensNamesAndComments) {
  absl::StatusOr<std::vector<TokenEntry>> entries = ParseTokenFile(
      "# comment\n\n  abcdefgh12345678   \nsecond-token-x\talice\r\n");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2);
  // sha256("abcdefgh12345678") starts with 25f94a2a.
  EXPECT_EQ((*entries)[0].principal, "token-25f94a2a");
  EXPECT_EQ((*entries)[0].digest, Sha256("abcdefgh12345678"));
  EXPECT_EQ((*entries)[1].principal, "alice");
  EXPECT_EQ((*entries)[1].digest, Sha256("second-token-x"));
}

TEST(TokenFileTest, ErrorsNameTheLineNotTheToken) {
  const std::string secret = "hidden-secret-token";
  for (const std::string& text :
       {secret + " a b\n", "# x\n" + secret + " a\n" + secret + " b\n",
        secret + "\xff name\n", secret + " na\"me\n"}) {
    absl::StatusOr<std::vector<TokenEntry>> entries = ParseTokenFile(text);
    ASSERT_FALSE(entries.ok()) << text;
    EXPECT_EQ(entries.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(entries.status().message(), "line "))
        << entries.status();
    EXPECT_FALSE(absl::StrContains(entries.status().message(), secret));
  }
  EXPECT_FALSE(ParseTokenFile("").ok());
  EXPECT_FALSE(ParseTokenFile("# only\n\n").ok());
  EXPECT_FALSE(ParseTokenFile("short\n").ok());
}

TEST(TokenFileTest, UnreadableFileIsAnError) {
  absl::StatusOr<std::vector<TokenEntry>> entries =
      LoadTokenFile("/nonexistent/execd-tokens");
  ASSERT_FALSE(entries.ok());
  EXPECT_TRUE(absl::StrContains(entries.status().message(),
                                "/nonexistent/execd-tokens"));
}

}  // namespace
}  // namespace execd
