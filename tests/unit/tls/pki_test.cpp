// Making certificates: what the request asks for is what the certificate says.

#include "runtime/env/tls/pki.hpp"

#include <gtest/gtest.h>

#include "tests/unit/tls/test_certs.hpp"

namespace tandem {
namespace {

using test::kDay;
using test::kEpoch;
using test::request;
using test::self_signed;

TEST(Pki, SelfSignedCertificateMatchesItsKey) {
  const IssuedCertificate cert = self_signed(request("peer1.tandem.test"));
  EXPECT_NE(cert.private_key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);  // PKCS#8
  auto validated = validate_tls_config(TlsConfig{cert.certificate_pem, cert.private_key_pem, {}});
  ASSERT_TRUE(validated.ok()) << validated.error().message;
  EXPECT_EQ(validated->certificate.subject_cn, "peer1.tandem.test");
  EXPECT_EQ(validated->certificate.issuer_cn, "peer1.tandem.test");
  EXPECT_FALSE(validated->certificate.is_ca);
  // A self-signed leaf trusts itself only if pinned as a CA.
  EXPECT_FALSE(verify_chain({cert.certificate_pem}, {}).trusted);
}

TEST(Pki, CaIssuesLeavesItCanVerify) {
  const IssuedCertificate ca = self_signed(request("Lab Root", true));
  CertificateRequest leaf_request = request("peer2.tandem.test");
  leaf_request.ip_addresses = {IpAddress::v4(127, 0, 0, 2)};
  auto leaf = issue_certificate(leaf_request, ca);
  ASSERT_TRUE(leaf.ok()) << leaf.error().message;
  auto info = parse_certificate(leaf->certificate_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->issuer_cn, "Lab Root");
  EXPECT_EQ(info->ip_addresses, leaf_request.ip_addresses);
  EXPECT_EQ(info->not_after, kEpoch + 365 * kDay);
  EXPECT_TRUE(verify_chain({leaf->certificate_pem}, {ca.certificate_pem}).trusted);
}

TEST(Pki, RefusesBadRequests) {
  const IssuedCertificate ca = self_signed(request("Lab Root", true));
  const IssuedCertificate leaf = self_signed(request("leaf.tandem.test"));

  auto not_a_ca = issue_certificate(request("x.tandem.test"), leaf);
  ASSERT_FALSE(not_a_ca.ok());
  EXPECT_NE(not_a_ca.error().message.find("not a CA"), std::string::npos) << not_a_ca.error().message;

  auto wrong_key = issue_certificate(request("x.tandem.test"), IssuedCertificate{ca.certificate_pem, leaf.private_key_pem});
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_NE(wrong_key.error().message.find("does not match"), std::string::npos) << wrong_key.error().message;

  auto garbage = issue_certificate(request("x.tandem.test"), IssuedCertificate{"junk", "junk"});
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("issuer certificate"), std::string::npos) << garbage.error().message;

  EXPECT_FALSE(make_self_signed(request("")).ok());
  CertificateRequest backwards = request("b.tandem.test");
  backwards.not_after = backwards.not_before;
  auto refused = make_self_signed(backwards);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("ends before it starts"), std::string::npos);
}

}  // namespace
}  // namespace tandem
