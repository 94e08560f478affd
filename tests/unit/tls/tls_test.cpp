// The TLS policy both Envs share: what a certificate says, whether a chain is
// trusted, and the Permissive/Enforce verdict.

#include "runtime/env/tls/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tests/unit/tls/test_certs.hpp"

namespace tandem {
namespace {

using test::issued_by;
using test::kDay;
using test::kEpoch;
using test::request;
using test::self_signed;

// SHA-256 of the DER, computed apart from tls.cpp's own path.
std::string der_sha256_hex(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(cert, &der);
  X509_free(cert);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_Digest(der, static_cast<std::size_t>(der_size), digest, &digest_size, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  std::string hex;
  char byte[3];
  for (unsigned i = 0; i < digest_size; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

// A CA, an intermediate CA under it, a leaf under each, and strangers.
class TlsPolicyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new IssuedCertificate(self_signed(request("Tandem Test Root", true)));
    intermediate_ = new IssuedCertificate(issued_by(request("Tandem Test Intermediate", true), *ca_));
    leaf_ = new IssuedCertificate(issued_by(request("peer1.tandem.test"), *ca_));
    deep_leaf_ = new IssuedCertificate(issued_by(request("peer2.tandem.test"), *intermediate_));
    other_ca_ = new IssuedCertificate(self_signed(request("Some Other Root", true)));
    stranger_ = new IssuedCertificate(issued_by(request("stranger.example"), *other_ca_));
    self_signed_leaf_ = new IssuedCertificate(self_signed(request("lonely.tandem.test")));
  }
  static void TearDownTestSuite() {
    for (IssuedCertificate* c : {ca_, intermediate_, leaf_, deep_leaf_, other_ca_, stranger_, self_signed_leaf_}) delete c;
  }

  static TlsSessionInfo enforce_session(const IssuedCertificate& cert, std::vector<std::string> chain_tail = {}) {
    TlsSessionInfo session;
    session.encrypted = true;
    session.verify_mode = TlsVerifyMode::Enforce;
    session.peer_certificate = parse_certificate(cert.certificate_pem).value();
    std::vector<std::string> chain{cert.certificate_pem};
    chain.insert(chain.end(), chain_tail.begin(), chain_tail.end());
    session.chain = verify_chain(chain, {ca_->certificate_pem});
    return session;
  }

  static inline IssuedCertificate* ca_ = nullptr;
  static inline IssuedCertificate* intermediate_ = nullptr;
  static inline IssuedCertificate* leaf_ = nullptr;
  static inline IssuedCertificate* deep_leaf_ = nullptr;
  static inline IssuedCertificate* other_ca_ = nullptr;
  static inline IssuedCertificate* stranger_ = nullptr;
  static inline IssuedCertificate* self_signed_leaf_ = nullptr;
};

TEST_F(TlsPolicyTest, ParseReadsNamesDatesSerialAndFingerprint) {
  CertificateRequest r = request("peer3.tandem.test");
  r.dns_names = {"peer3.tandem.test", "sip.tandem.test"};
  r.ip_addresses = {*IpAddress::parse("127.0.0.3"), *IpAddress::parse("fd00::3")};
  r.not_before = kEpoch + std::chrono::seconds(17);
  r.not_after = kEpoch + 30 * kDay;
  const IssuedCertificate cert = issued_by(r, *ca_);

  auto info = parse_certificate(cert.certificate_pem);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->subject_cn, "peer3.tandem.test");
  EXPECT_EQ(info->issuer_cn, "Tandem Test Root");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"peer3.tandem.test", "sip.tandem.test"}));
  EXPECT_EQ(info->ip_addresses, r.ip_addresses);
  EXPECT_EQ(info->not_before, r.not_before);
  EXPECT_EQ(info->not_after, r.not_after);
  EXPECT_EQ(info->serial_hex.size(), 32u);  // 128 random bits
  EXPECT_EQ(info->fingerprint_sha256, der_sha256_hex(cert.certificate_pem));
  EXPECT_FALSE(info->is_ca);
  EXPECT_TRUE(parse_certificate(ca_->certificate_pem)->is_ca);
}

TEST_F(TlsPolicyTest, EachCertificateGetsItsOwnSerial) {
  const auto a = parse_certificate(self_signed(request("a.tandem.test")).certificate_pem);
  const auto b = parse_certificate(self_signed(request("a.tandem.test")).certificate_pem);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->serial_hex, b->serial_hex);
  EXPECT_NE(a->fingerprint_sha256, b->fingerprint_sha256);
}

TEST_F(TlsPolicyTest, GarbageIsAnErrorNotACrash) {
  const std::vector<std::string> inputs{"", "hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                       std::string(4096, '\0')};
  for (const std::string& garbage : inputs) {
    auto info = parse_certificate(garbage);
    ASSERT_FALSE(info.ok());
    EXPECT_NE(info.error().message.find("not a PEM certificate"), std::string::npos) << info.error().message;
  }
  // A valid certificate cut in half.
  const std::string& pem = leaf_->certificate_pem;
  EXPECT_FALSE(parse_certificate(pem.substr(0, pem.size() / 2)).ok());
}

TEST_F(TlsPolicyTest, SplitBundleKeepsOrderAndRejectsBrokenEntries) {
  auto parts = split_pem_certificates("junk before\n" + leaf_->certificate_pem + ca_->certificate_pem + "junk after");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ(parse_certificate((*parts)[0])->subject_cn, "peer1.tandem.test");
  EXPECT_EQ(parse_certificate((*parts)[1])->subject_cn, "Tandem Test Root");

  auto none = split_pem_certificates("no certificate here");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no PEM certificate"), std::string::npos);

  const std::string& pem = ca_->certificate_pem;
  auto unterminated = split_pem_certificates(leaf_->certificate_pem + pem.substr(0, pem.size() - 30));
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.error().message.find("certificate 2 has no END line"), std::string::npos)
      << unterminated.error().message;

  auto garbled = split_pem_certificates("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
  ASSERT_FALSE(garbled.ok());
  EXPECT_NE(garbled.error().message.find("certificate 1 is garbled"), std::string::npos) << garbled.error().message;
}

TEST_F(TlsPolicyTest, ChainToTrustedCaIsTrusted) {
  const ChainVerdict verdict = verify_chain({leaf_->certificate_pem}, {ca_->certificate_pem});
  EXPECT_TRUE(verdict.trusted) << verdict.reason;
  EXPECT_TRUE(verdict.reason.empty());
}

TEST_F(TlsPolicyTest, IntermediatesComeFromTheChain) {
  const ChainVerdict with = verify_chain({deep_leaf_->certificate_pem, intermediate_->certificate_pem}, {ca_->certificate_pem});
  EXPECT_TRUE(with.trusted) << with.reason;
  const ChainVerdict without = verify_chain({deep_leaf_->certificate_pem}, {ca_->certificate_pem});
  EXPECT_FALSE(without.trusted);
  EXPECT_EQ(without.reason, "unable to get local issuer certificate");
}

TEST_F(TlsPolicyTest, OtherCaOrSelfSignedIsUntrustedWithOpenSslsReason) {
  const ChainVerdict other = verify_chain({stranger_->certificate_pem}, {ca_->certificate_pem});
  EXPECT_FALSE(other.trusted);
  EXPECT_EQ(other.reason, "unable to get local issuer certificate");

  const ChainVerdict lonely = verify_chain({self_signed_leaf_->certificate_pem}, {ca_->certificate_pem});
  EXPECT_FALSE(lonely.trusted);
  EXPECT_NE(lonely.reason.find("self"), std::string::npos) << lonely.reason;

  const ChainVerdict no_cas = verify_chain({leaf_->certificate_pem}, {});
  EXPECT_FALSE(no_cas.trusted);
  EXPECT_FALSE(no_cas.reason.empty());
}

TEST_F(TlsPolicyTest, ChainVerdictIgnoresDates) {
  CertificateRequest old = request("old.tandem.test");
  old.not_before = kEpoch - 1000 * kDay;
  old.not_after = kEpoch - 900 * kDay;  // long expired on any clock
  const ChainVerdict verdict = verify_chain({issued_by(old, *ca_).certificate_pem}, {ca_->certificate_pem});
  EXPECT_TRUE(verdict.trusted) << verdict.reason;
}

TEST_F(TlsPolicyTest, BrokenChainsAreUntrustedNotCrashes) {
  EXPECT_EQ(verify_chain({}, {ca_->certificate_pem}).reason, "no certificate presented");
  EXPECT_FALSE(verify_chain({"garbage"}, {ca_->certificate_pem}).trusted);
  EXPECT_FALSE(verify_chain({leaf_->certificate_pem, "garbage"}, {ca_->certificate_pem}).trusted);
  // A CA that does not parse trusts nothing, and breaks nothing.
  EXPECT_TRUE(verify_chain({leaf_->certificate_pem}, {"garbage", ca_->certificate_pem}).trusted);
}

TEST_F(TlsPolicyTest, PermissiveAcceptsAnything) {
  TlsSessionInfo session;  // no certificate at all
  session.verify_mode = TlsVerifyMode::Permissive;
  EXPECT_TRUE(evaluate_peer(session, kEpoch).accepted());
  session = enforce_session(*stranger_);
  session.verify_mode = TlsVerifyMode::Permissive;
  EXPECT_TRUE(evaluate_peer(session, kEpoch - 5000 * kDay).accepted());
}

TEST_F(TlsPolicyTest, EnforceMatrix) {
  const WallTime inside = kEpoch + 10 * kDay;
  TlsSessionInfo none;
  none.verify_mode = TlsVerifyMode::Enforce;
  EXPECT_EQ(evaluate_peer(none, inside).check, PeerCheck::NoCertificate);

  const PeerVerdict untrusted = evaluate_peer(enforce_session(*stranger_), inside);
  EXPECT_EQ(untrusted.check, PeerCheck::Untrusted);
  EXPECT_NE(untrusted.message.find("stranger.example"), std::string::npos) << untrusted.message;
  EXPECT_NE(untrusted.message.find("unable to get local issuer certificate"), std::string::npos) << untrusted.message;

  const TlsSessionInfo good = enforce_session(*leaf_);
  EXPECT_TRUE(evaluate_peer(good, inside).accepted());
  EXPECT_TRUE(evaluate_peer(good, kEpoch).accepted());  // bounds are inclusive
  EXPECT_TRUE(evaluate_peer(good, kEpoch + 365 * kDay).accepted());

  const PeerVerdict early = evaluate_peer(good, kEpoch - std::chrono::seconds(1));
  EXPECT_EQ(early.check, PeerCheck::NotYetValid);
  EXPECT_NE(early.message.find("peer1.tandem.test"), std::string::npos);
  EXPECT_NE(early.message.find("not valid before 2026-01-01T00:00:00Z"), std::string::npos) << early.message;

  const PeerVerdict late = evaluate_peer(good, kEpoch + 366 * kDay);
  EXPECT_EQ(late.check, PeerCheck::Expired);
  EXPECT_NE(late.message.find("peer1.tandem.test"), std::string::npos);
  EXPECT_NE(late.message.find("expired at 2027-01-01T00:00:00Z"), std::string::npos) << late.message;

  // Trust is judged before dates: an untrusted expired certificate is "untrusted".
  EXPECT_EQ(evaluate_peer(enforce_session(*stranger_), kEpoch + 1000 * kDay).check, PeerCheck::Untrusted);
  EXPECT_TRUE(evaluate_peer(enforce_session(*deep_leaf_, {intermediate_->certificate_pem}), inside).accepted());
}

TEST_F(TlsPolicyTest, ValidateAcceptsAMatchingConfig) {
  TlsConfig config{deep_leaf_->certificate_pem + intermediate_->certificate_pem, deep_leaf_->private_key_pem,
                   {ca_->certificate_pem}, TlsVerifyMode::Enforce};
  auto validated = validate_tls_config(config);
  ASSERT_TRUE(validated.ok()) << validated.error().message;
  EXPECT_EQ(validated->chain_pem.size(), 2u);
  EXPECT_EQ(validated->certificate.subject_cn, "peer2.tandem.test");
}

TEST_F(TlsPolicyTest, ValidateNamesTheBadPart) {
  const auto error_of = [](const TlsConfig& config) {
    auto validated = validate_tls_config(config);
    return validated.ok() ? std::string("(accepted)") : validated.error().message;
  };
  const std::string mismatch = error_of({leaf_->certificate_pem, stranger_->private_key_pem, {}});
  EXPECT_NE(mismatch.find("does not match the certificate CN 'peer1.tandem.test'"), std::string::npos) << mismatch;

  const std::string bad_ca = error_of({leaf_->certificate_pem, leaf_->private_key_pem, {ca_->certificate_pem, "nonsense"}});
  EXPECT_NE(bad_ca.find("trusted CA 2"), std::string::npos) << bad_ca;

  const std::string bad_cert = error_of({"nonsense", leaf_->private_key_pem, {}});
  EXPECT_EQ(bad_cert.rfind("TLS certificate:", 0), 0u) << bad_cert;

  const std::string bad_key = error_of({leaf_->certificate_pem, "nonsense", {}});
  EXPECT_EQ(bad_key.rfind("TLS private key:", 0), 0u) << bad_key;
}

TEST(TlsNames, EnumsPrint) {
  EXPECT_EQ(to_string(TlsVerifyMode::Permissive), "Permissive");
  EXPECT_EQ(to_string(TlsVerifyMode::Enforce), "Enforce");
  EXPECT_EQ(to_string(PeerCheck::Accepted), "accepted");
  EXPECT_EQ(to_string(PeerCheck::NoCertificate), "no certificate");
  EXPECT_EQ(to_string(PeerCheck::Untrusted), "untrusted");
  EXPECT_EQ(to_string(PeerCheck::NotYetValid), "not yet valid");
  EXPECT_EQ(to_string(PeerCheck::Expired), "expired");
}

}  // namespace
}  // namespace tandem
