// Password hashes, the base64 they are written in, and the cache that spares a
// peer from re-hashing the same credentials on every request.

#include "runtime/admin/password.hpp"

#include <gtest/gtest.h>

#include "runtime/admin/base64.hpp"
#include "runtime/admin/credential_cache.hpp"

namespace tandem::admin {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(PasswordTest, AHashVerifiesItsPasswordAndDescribesItself) {
  Random random(1);
  const std::string stored = hash_password("correct horse", random);
  EXPECT_TRUE(stored.starts_with("pbkdf2-sha256$" + std::to_string(kPasswordIterations) + "$")) << stored;
  EXPECT_EQ(stored.find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password("correct horse", stored));
}

TEST(PasswordTest, AWrongPasswordDoesNotVerify) {
  Random random(2);
  const std::string stored = hash_password("correct horse", random);
  EXPECT_FALSE(verify_password("correct horsE", stored));
  EXPECT_FALSE(verify_password("", stored));
  EXPECT_FALSE(verify_password("correct horse ", stored));
}

TEST(PasswordTest, TwoHashesOfOnePasswordDifferByTheirSalt) {
  Random random(3);
  const std::string a = hash_password("same", random);
  const std::string b = hash_password("same", random);
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password("same", a));
  EXPECT_TRUE(verify_password("same", b));
}

TEST(PasswordTest, AMalformedStoredHashVerifiesFalse) {
  Random random(4);
  const std::string good = hash_password("pw", random);
  const std::string salt_and_digest = good.substr(good.find('$', good.find('$') + 1));  // "$salt$digest"
  const std::string digest = good.substr(good.rfind('$'));
  for (const std::string& bad : {
           std::string(),                                      // nothing stored
           std::string("pw"),                                  // a password in clear is not a hash
           "sha1$150000" + salt_and_digest,                    // unknown scheme
           "pbkdf2-sha256$lots" + salt_and_digest,             // iterations not a number
           "pbkdf2-sha256$10" + salt_and_digest,               // too few iterations to mean anything
           "pbkdf2-sha256$99999999999" + salt_and_digest,      // so many it would stall the peer
           "pbkdf2-sha256$150000$not*base64" + digest,         // bad salt
           "pbkdf2-sha256$150000$AAAA" + digest,               // salt too short
           good.substr(0, good.size() - 4),                    // digest cut short
           good + "$extra",                                    // a fifth part
           good.substr(0, good.rfind('$')),                    // no digest
       }) {
    EXPECT_FALSE(verify_password("pw", bad)) << bad;
  }
  EXPECT_TRUE(verify_password("pw", good));
}

TEST(Base64Test, RoundTripsEveryPaddingCase) {
  for (const std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const std::string encoded = base64_encode(bytes(text));
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(std::string(decoded->begin(), decoded->end()), text);
  }
  EXPECT_EQ(base64_encode(bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(bytes("fo")), "Zm8=");
}

TEST(Base64Test, DecodingIsStrict) {
  EXPECT_FALSE(base64_decode("Zm8").ok());        // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm=8").ok());       // padding in the middle
  EXPECT_FALSE(base64_decode("Zm8=Zm8=").ok());   // padding before the end
  EXPECT_FALSE(base64_decode("Zm 8").ok());       // a space
  EXPECT_FALSE(base64_decode("Zm8*").ok());       // outside the alphabet
  EXPECT_TRUE(base64_decode("Zm8=").ok());
}

TEST(CredentialCacheTest, RemembersExactlyTheVerifiedCredentialsForItsLifetime) {
  Random random(5);
  CredentialCache cache(random);
  const MonoTime t0{};
  cache.remember("admin", "pw", "hash-1", t0);
  EXPECT_TRUE(cache.contains("admin", "pw", "hash-1", t0 + 1min));
  EXPECT_FALSE(cache.contains("admin", "pw2", "hash-1", t0));   // another password
  EXPECT_FALSE(cache.contains("admin", "pw", "hash-2", t0));    // the password was changed
  EXPECT_FALSE(cache.contains("admin2", "pw", "hash-1", t0));   // another user
  EXPECT_FALSE(cache.contains("adminp", "w", "hash-1", t0));    // fields do not run into each other
  EXPECT_FALSE(cache.contains("admin", "pw", "hash-1", t0 + kCredentialLifetime));
}

TEST(CredentialCacheTest, StaysBoundedAndKeepsTheNewest) {
  Random random(6);
  CredentialCache cache(random);
  const MonoTime t0{};
  for (int i = 0; i < 200; ++i) cache.remember("user" + std::to_string(i), "pw", "h", t0 + std::chrono::seconds(i));
  EXPECT_EQ(cache.size(), kCredentialCacheEntries);
  EXPECT_TRUE(cache.contains("user199", "pw", "h", t0 + 200s));
  EXPECT_FALSE(cache.contains("user0", "pw", "h", t0 + 200s));
}

}  // namespace
}  // namespace tandem::admin
