// Request targets, URL decoding, error bodies and timestamps: the pieces every
// route shares.

#include "runtime/admin/http.hpp"

#include <gtest/gtest.h>

namespace tandem::admin {
namespace {

TEST(HttpTest, QueryValuesAreUrlDecoded) {
  auto target = parse_target("/api/v1/configuration?path=H323%20Gatekeeper+TimeToLive&x=%41%2b");
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->path, "/api/v1/configuration");
  EXPECT_EQ(target->query.at("path"), "H323 Gatekeeper TimeToLive");
  EXPECT_EQ(target->query.at("x"), "A+");
}

TEST(HttpTest, BadPercentEncodingIsRefusedByName) {
  for (const char* bad : {"/a?path=%", "/a?path=%2", "/a?path=%zz", "/a?p%4=1"}) {
    auto target = parse_target(bad);
    ASSERT_FALSE(target.ok()) << bad;
    EXPECT_NE(target.error().message.find("bad percent-encoding"), std::string::npos) << target.error().message;
  }
}

TEST(HttpTest, AParameterGivenTwiceOrTooManyIsRefused) {
  EXPECT_EQ(parse_target("/a?limit=1&limit=2").error().message, "query parameter 'limit' is given twice");
  std::string many = "/a?";
  for (std::size_t i = 0; i <= kMaxQueryParameters; ++i) many += "p" + std::to_string(i) + "=1&";
  EXPECT_FALSE(parse_target(many).ok());
  EXPECT_TRUE(parse_target("/a?&&x=1&").ok());  // empty pairs are nothing
}

TEST(HttpTest, ErrorsAreOneJsonFieldAndInvalidUtf8DoesNotThrow) {
  const Response r = error_response(404, "no such thing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"no such thing"})");
  EXPECT_NO_THROW((void)to_text(Json{{"detail", std::string("caf\xe9")}}));
}

TEST(HttpTest, TimestampsAreIso8601Utc) {
  EXPECT_EQ(iso8601(WallTime(std::chrono::seconds(1767225600))), "2026-01-01T00:00:00Z");
  EXPECT_EQ(iso8601(WallTime(std::chrono::seconds(1767225600 + 86399) + std::chrono::milliseconds(999))),
            "2026-01-01T23:59:59Z");
}

}  // namespace
}  // namespace tandem::admin
