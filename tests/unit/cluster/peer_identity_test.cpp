// TLS Enforce's identity check, piece by piece: which certificate names are
// looked up, what a refusal says, the asynchronous check on the twin's DNS, and
// the link that holds frames until its peer is verified.

#include "runtime/cluster/peer_identity.hpp"

#include <gtest/gtest.h>

#include "runtime/env/tls/pki.hpp"
#include "tests/unit/simulator/twin_fixture.hpp"

namespace tandem::cluster {
namespace {

using namespace std::chrono_literals;
using AddressList = Result<std::vector<IpAddress>>;

const IpAddress kPeer = IpAddress::v4(10, 0, 0, 2);
constexpr std::uint16_t kPort = 4371;

IpAddress ip(std::string_view text) { return IpAddress::parse(text).value(); }

CertificateInfo certificate(std::string cn, std::vector<std::string> sans, std::vector<IpAddress> ips = {}) {
  CertificateInfo info;
  info.subject_cn = std::move(cn);
  info.issuer_cn = "Example CA";
  info.dns_names = std::move(sans);
  info.ip_addresses = std::move(ips);
  return info;
}

std::vector<std::string> spelled(const CertificateNames& names) {
  std::vector<std::string> out;
  for (const auto& n : names.names) out.push_back(n.name);
  return out;
}

// ---- which names, and what a refusal says (pure) ------------------------------------

TEST(CertificateNames, TheCnComesFirstThenTheSansWithoutRepeats) {
  const auto names = certificate_names(
      certificate("cluster.example.test", {"vcs2.example.test", "CLUSTER.Example.test."}, {ip("10.0.0.2")}));
  EXPECT_EQ(spelled(names), (std::vector<std::string>{"cluster.example.test", "vcs2.example.test", "10.0.0.2"}));
  EXPECT_FALSE(names.names[0].addresses);  // to be looked up
  EXPECT_FALSE(names.names[1].addresses);
  ASSERT_TRUE(names.names[2].addresses);  // a SAN IP entry compares as it is
  EXPECT_EQ(names.names[2].addresses->value(), std::vector<IpAddress>{ip("10.0.0.2")});
  EXPECT_EQ(names.unchecked, 0u);
}

TEST(CertificateNames, IpLiteralsAndWildcardsNeedNoLookup) {
  const auto names = certificate_names(certificate("10.0.0.2", {"*.example.test"}));
  ASSERT_EQ(names.names.size(), 2u);
  EXPECT_EQ(names.names[0].addresses->value(), std::vector<IpAddress>{kPeer});
  ASSERT_TRUE(names.names[1].addresses);
  EXPECT_EQ(names.names[1].addresses->error().message, "a wildcard names no single host");
}

TEST(CertificateNames, AtMostEightAreCheckedAndTheRestAreCounted) {
  std::vector<std::string> sans;
  for (int i = 1; i <= 12; ++i) sans.push_back("vcs" + std::to_string(i) + ".example.test");
  const auto names = certificate_names(certificate("vcs1.example.test", sans));
  EXPECT_EQ(names.names.size(), kCertificateNamesMax);
  EXPECT_EQ(names.unchecked, 4u);
  EXPECT_EQ(certificate_names(certificate("", {})).names.size(), 0u);
}

TEST(JudgeNames, AcceptsANameThatResolvesToTheConnectingAddress) {
  CertificateNames names{{{"cluster.example.test", AddressList(make_error("no such name"))},
                          {"vcs2.example.test", AddressList(std::vector<IpAddress>{ip("10.0.0.9"), kPeer})}},
                         0};
  const auto verdict = judge_names(names, kPeer);
  EXPECT_TRUE(verdict.accepted());
  EXPECT_EQ(verdict.message, "certificate name vcs2.example.test resolves to 10.0.0.2");
}

TEST(JudgeNames, SaysWhichNamesResolveWhereAndWhichDoNotResolve) {
  CertificateNames names{{{"vcs2.example.test", AddressList(std::vector<IpAddress>{ip("10.0.0.9")})},
                          {"cluster.example.test", AddressList(make_error("no such name cluster.example.test"))}},
                         0};
  auto verdict = judge_names(names, kPeer);
  EXPECT_EQ(verdict.check, IdentityCheck::WrongAddress);
  EXPECT_EQ(verdict.message,
            "certificate name vcs2.example.test resolves to 10.0.0.9, not 10.0.0.2; "
            "certificate name cluster.example.test does not resolve: no such name cluster.example.test");

  names.names[1].addresses = AddressList(std::vector<IpAddress>{ip("10.0.0.9"), ip("10.0.0.8")});
  names.unchecked = 3;
  verdict = judge_names(names, kPeer);
  EXPECT_EQ(verdict.message,
            "certificate names vcs2.example.test, cluster.example.test resolve to 10.0.0.9, 10.0.0.8, not 10.0.0.2"
            " (3 more certificate names not checked)");

  names.names = {{"vcs2.example.test", AddressList(make_error("DNS lookup of vcs2.example.test timed out"))}};
  names.unchecked = 0;
  verdict = judge_names(names, kPeer);
  EXPECT_EQ(verdict.check, IdentityCheck::NameDoesNotResolve);
  EXPECT_EQ(verdict.message,
            "certificate name vcs2.example.test does not resolve: DNS lookup of vcs2.example.test timed out");

  verdict = judge_names(CertificateNames{}, kPeer);
  EXPECT_EQ(verdict.check, IdentityCheck::NoName);
  EXPECT_EQ(verdict.message, "no certificate name to check");
}

// ---- the check, on the twin's DNS -----------------------------------------------------

class PeerIdentityCheckTest : public sim::TwinTest {
 protected:
  // What a TLS handshake under Enforce reports for a trusted, in-date certificate.
  TlsSessionInfo session(CertificateInfo info) const {
    TlsSessionInfo s;
    s.encrypted = true;
    s.verify_mode = TlsVerifyMode::Enforce;
    info.not_before = sim_.wall_epoch() - 1h;
    info.not_after = sim_.wall_epoch() + 24h;
    s.peer_certificate = std::move(info);
    s.chain = ChainVerdict{true, {}};
    return s;
  }

  struct Outcome {
    std::optional<IdentityVerdict> verdict;
    Duration took{};  // virtual time from the start of the check to its verdict
  };
  Outcome check(const TlsSessionInfo& s, const IpAddress& remote, TlsVerifyMode mode = TlsVerifyMode::Enforce) {
    Env& e = env(a_);
    const MonoTime start = e.now();
    Outcome out;
    PeerIdentityCheck c(e, s, remote, mode, [&](IdentityVerdict v) {
      out.verdict = std::move(v);
      out.took = e.now() - start;
    });
    EXPECT_FALSE(out.verdict) << "the verdict came from inside the constructor";
    run(10s);
    return out;
  }
};

TEST_F(PeerIdentityCheckTest, AcceptsWhenASanResolvesToTheConnectingAddress) {
  sim_.dns().set_addresses("vcs2.example.test", {kPeer});  // the cluster name has no record: that is fine
  const auto out = check(session(certificate("cluster.example.test", {"vcs2.example.test"})), kPeer);
  ASSERT_TRUE(out.verdict);
  EXPECT_TRUE(out.verdict->accepted()) << out.verdict->message;
  EXPECT_EQ(out.took, sim_.dns().round_trip());
}

TEST_F(PeerIdentityCheckTest, RefusesNamesThatResolveElsewhereNamingTheAddresses) {
  sim_.dns().set_addresses("vcs2.example.test", {ip("10.0.0.9"), ip("10.0.0.8")});
  sim_.dns().set_addresses("cluster.example.test", {ip("10.0.0.7")});
  const auto out = check(session(certificate("cluster.example.test", {"vcs2.example.test"})), kPeer);
  ASSERT_TRUE(out.verdict);
  EXPECT_EQ(out.verdict->check, IdentityCheck::WrongAddress);
  EXPECT_EQ(out.verdict->message,
            "certificate names cluster.example.test, vcs2.example.test resolve to 10.0.0.7, 10.0.0.9, 10.0.0.8, "
            "not 10.0.0.2");
}

TEST_F(PeerIdentityCheckTest, RefusesANameThatDoesNotResolveWithTheDnsError) {
  sim_.dns().set_fault("vcs2.example.test", sim::DnsFault::ServerFailure);
  const auto out = check(session(certificate("vcs2.example.test", {})), kPeer);
  ASSERT_TRUE(out.verdict);
  EXPECT_EQ(out.verdict->check, IdentityCheck::NameDoesNotResolve);
  EXPECT_EQ(out.verdict->message,
            "certificate name vcs2.example.test does not resolve: DNS server failed looking up vcs2.example.test");
}

TEST_F(PeerIdentityCheckTest, LooksUpTheRemotesFamily) {
  sim_.dns().set_addresses("vcs2.example.test", {kPeer, ip("fd00::2")});
  auto out = check(session(certificate("vcs2.example.test", {})), ip("fd00::2"));
  ASSERT_TRUE(out.verdict);
  EXPECT_TRUE(out.verdict->accepted()) << out.verdict->message;
  sim_.dns().set_addresses("vcs6.example.test", {ip("fd00::6")});
  out = check(session(certificate("vcs6.example.test", {})), ip("10.0.0.6"));
  ASSERT_TRUE(out.verdict);
  EXPECT_EQ(out.verdict->message, "certificate name vcs6.example.test does not resolve: no A record");
}

TEST_F(PeerIdentityCheckTest, WhatNeedsNoDnsIsDecidedWithoutIt) {
  sim_.dns().set_fault_all(sim::DnsFault::Timeout);  // any lookup would take seconds
  // Permissive: anyone, even without a certificate.
  auto out = check(TlsSessionInfo{}, kPeer, TlsVerifyMode::Permissive);
  ASSERT_TRUE(out.verdict);
  EXPECT_TRUE(out.verdict->accepted());
  EXPECT_EQ(out.took, Duration::zero());
  // Enforce: the certificate's own faults, a SAN IP entry, no name at all.
  out = check(TlsSessionInfo{}, kPeer);
  EXPECT_EQ(out.verdict->check, IdentityCheck::NoCertificate);
  auto untrusted = session(certificate("vcs2.example.test", {}));
  untrusted.chain = ChainVerdict{false, "self-signed certificate"};
  out = check(untrusted, kPeer);
  EXPECT_EQ(out.verdict->check, IdentityCheck::Untrusted);
  EXPECT_NE(out.verdict->message.find("does not chain to a trusted CA"), std::string::npos);
  auto expired = session(certificate("vcs2.example.test", {}));
  expired.peer_certificate->not_after = sim_.wall_epoch() - 1h;
  out = check(expired, kPeer);
  EXPECT_EQ(out.verdict->check, IdentityCheck::Expired);
  out = check(session(certificate("vcs2.example.test", {}, {kPeer})), kPeer);
  EXPECT_TRUE(out.verdict->accepted());
  EXPECT_EQ(out.took, Duration::zero());
  out = check(session(certificate("", {})), kPeer);
  EXPECT_EQ(out.verdict->message, "no certificate name to check");
  EXPECT_EQ(out.took, Duration::zero());
}

TEST_F(PeerIdentityCheckTest, DestroyingTheCheckCancelsIt) {
  sim_.dns().set_round_trip(500ms);
  sim_.dns().set_addresses("vcs2.example.test", {kPeer});
  bool called = false;
  auto c = std::make_unique<PeerIdentityCheck>(env(a_), session(certificate("vcs2.example.test", {})), kPeer,
                                               TlsVerifyMode::Enforce, [&](IdentityVerdict) { called = true; });
  run(100ms);
  c.reset();
  run(2s);
  EXPECT_FALSE(called);
}

// ---- a link that waits for its peer's verdict ----------------------------------------------

class VerifiedLinkTest : public sim::TwinTest {
 protected:
  void SetUp() override {
    TwinTest::SetUp();
    const WallTime epoch = sim_.wall_epoch();
    const auto ca =
        make_self_signed(CertificateRequest{"Example CA", {}, {}, epoch - 24h, epoch + 24h * 365, true}).value();
    const auto context = [&](const std::string& name, sim::SimHost* host) {
      const auto cert =
          issue_certificate(CertificateRequest{name, {name}, {}, epoch - 1h, epoch + 24h, false}, ca).value();
      sim_.dns().set_addresses(name, {host->addresses().front()});
      return env(host).make_tls_context(TlsConfig{cert.certificate_pem, cert.private_key_pem, {ca.certificate_pem},
                                                  TlsVerifyMode::Enforce}).value();
    };
    auto server_tls = context("a.example.test", a_);
    client_tls_ = context("b.example.test", b_);
    sim_.dns().set_round_trip(300ms);  // a slow resolver keeps the verdict pending a while
    listener_ = env(a_).listen(at(a_, kPort), server_tls, [this](std::unique_ptr<Stream> s) {
      link_ = std::make_unique<VerifiedLink>(
          env(a_), std::move(s), TlsVerifyMode::Enforce, [this](const IdentityVerdict& v) { verdict_ = v; },
          [this](const wire::Frame& f) {
            EXPECT_TRUE(verdict_) << "a frame was acted on before the verdict";
            frames_.push_back(f.type);
          },
          [this](const Status& why) {
            closed_ = why.ok() ? "ok" : why.error().message;
            link_.reset();
          });
    }).value();
  }

  // Connects from b and sends `frames` frames at once.
  void connect_and_send(int frames) {
    const auto send = [this, frames](Result<std::unique_ptr<Stream>> s) {
      client_.attach(std::move(s.value()));
      for (int i = 1; i <= frames; ++i) client_.stream->send(wire::encode_frame(static_cast<std::uint8_t>(i), {}));
    };
    connecting_ = env(b_).connect(ConnectOptions{at(a_, kPort)}, client_tls_, send);
  }

  std::shared_ptr<const TlsContext> client_tls_;
  std::unique_ptr<StreamListener> listener_;
  Handle connecting_;
  sim::StreamProbe client_;
  std::unique_ptr<VerifiedLink> link_;
  std::optional<IdentityVerdict> verdict_;
  std::vector<std::uint8_t> frames_;
  std::optional<std::string> closed_;
};

TEST_F(VerifiedLinkTest, FramesWaitForTheVerdictThenArriveInOrder) {
  connect_and_send(3);
  run(100ms);
  ASSERT_TRUE(link_);
  EXPECT_FALSE(verdict_);
  EXPECT_TRUE(frames_.empty());
  run(1s);
  ASSERT_TRUE(verdict_);
  EXPECT_TRUE(verdict_->accepted()) << verdict_->message;
  EXPECT_EQ(frames_, (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST_F(VerifiedLinkTest, AStreamThatClosesWhileItsPeerIsCheckedIsDropped) {
  connect_and_send(1);
  run(100ms);
  ASSERT_TRUE(link_);
  client_.stream.reset();  // b goes away before a's DNS answers
  run(2s);
  EXPECT_EQ(closed_, std::optional<std::string>("ok"));
  EXPECT_FALSE(link_);
  EXPECT_FALSE(verdict_);  // the check was cancelled with the link
  EXPECT_TRUE(frames_.empty());
}

TEST_F(VerifiedLinkTest, APeerThatSaysTooMuchBeforeItIsVerifiedIsDropped) {
  connect_and_send(static_cast<int>(VerifiedLink::kHeldFramesMax) + 1);
  run(2s);
  ASSERT_TRUE(closed_);
  EXPECT_NE(closed_->find("before the peer's certificate was verified"), std::string::npos) << *closed_;
  EXPECT_FALSE(verdict_);
  EXPECT_TRUE(frames_.empty());
}

TEST_F(VerifiedLinkTest, ARefusedPeerGetsItsStreamClosed) {
  sim_.dns().set_addresses("b.example.test", {IpAddress::v4(10, 0, 0, 9)});
  connect_and_send(1);
  run(2s);
  ASSERT_TRUE(verdict_);
  EXPECT_EQ(verdict_->check, IdentityCheck::WrongAddress);
  EXPECT_TRUE(frames_.empty());
  EXPECT_TRUE(client_.closed);
}

}  // namespace
}  // namespace tandem::cluster
