// Membership in the twin: peers find each other, notice failures and returns,
// and raise (then clear) the guide's alarms as the causes come and go.

#include "runtime/cluster/membership.hpp"

#include <gtest/gtest.h>

#include "runtime/env/tls/pki.hpp"
#include "simulator/simulation.hpp"

namespace tandem::cluster {
namespace {

using namespace std::chrono_literals;

struct Member {
  AlarmSet alarms;
  std::unique_ptr<Membership> membership;
};

class MembershipTest : public ::testing::Test {
 protected:
  // Creates `hosts` hosts on 10.0.0.1..; settings list `listed` peers.
  void build(int hosts, int listed) {
    settings_.cluster_name = "cluster.tandem.test";
    for (int i = 0; i < listed; ++i) settings_.peers[static_cast<std::size_t>(i)] = "10.0.0." + std::to_string(i + 1);
    const WallTime epoch = sim_.wall_epoch();
    ca_ = make_self_signed(CertificateRequest{"Test CA", {}, {}, epoch - 24h, epoch + 24h * 365, true}).value();
    for (int i = 0; i < hosts; ++i) {
      auto host = sim_.add_host("h" + std::to_string(i + 1), {IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i + 1))});
      ASSERT_TRUE(host.ok());
      hosts_.push_back(*host);
      settings_of_.push_back(settings_);
      certs_.push_back(issue_certificate(CertificateRequest{"h" + std::to_string(i + 1), {}, {}, epoch - 1h, epoch + 24h * 30, false}, ca_).value());
      // Each certificate's name resolves to its host, as TLS Enforce checks.
      sim_.dns().set_addresses("h" + std::to_string(i + 1), {IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i + 1))});
    }
  }

  void start(int i) {
    const int slot = i + 1;
    const ClusteringSettings settings = settings_of_[static_cast<std::size_t>(i)];
    const IssuedCertificate cert = certs_[static_cast<std::size_t>(i)];
    const std::string trust = ca_.certificate_pem;
    hosts_[static_cast<std::size_t>(i)]->start(sim::process_factory<Member>([=](Env& env) {
      auto member = std::make_unique<Member>();
      auto tls = env.make_tls_context(TlsConfig{cert.certificate_pem, cert.private_key_pem, {trust}, settings.tls_mode});
      TANDEM_ASSERT(tls.ok());
      Membership::LocalInfo local = [slot] {
        Heartbeat h;
        h.system_name = "vcs-" + std::to_string(slot);
        h.software_version = "X8.9.1";
        h.primary = 1;
        h.applied_revision = 40 + slot;
        h.feature_keys_hash = "keys";
        return h;
      };
      auto m = Membership::start(env, settings, slot, *tls, local, member->alarms);
      TANDEM_ASSERT(m.ok());
      member->membership = std::move(m.value());
      return member;
    }));
  }
  void start_all() {
    for (int i = 0; i < static_cast<int>(hosts_.size()); ++i) start(i);
  }

  Member& member(int slot) { return *hosts_[static_cast<std::size_t>(slot - 1)]->process<Member>(); }
  PeerState state(int viewer, int slot) { return member(viewer).membership->peer(slot).state; }
  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }

  sim::Simulation sim_{sim::SimulationOptions{.seed = 11}};
  ClusteringSettings settings_;
  IssuedCertificate ca_;
  std::vector<sim::SimHost*> hosts_;
  std::vector<ClusteringSettings> settings_of_;
  std::vector<IssuedCertificate> certs_;
};

TEST_F(MembershipTest, ThreePeersSeeEachOtherActiveWithRoundTrips) {
  build(3, 3);
  sim_.network().set_default_link(sim::LinkSpec{2ms});
  start_all();
  run(3s);
  for (int viewer = 1; viewer <= 3; ++viewer) {
    for (int slot = 1; slot <= 3; ++slot) {
      EXPECT_EQ(state(viewer, slot), viewer == slot ? PeerState::ThisSystem : PeerState::Active)
          << viewer << " sees " << slot;
    }
    EXPECT_EQ(member(viewer).alarms.size(), 0u);
  }
  const PeerView& two = member(1).membership->peer(2);
  ASSERT_TRUE(two.rtt);
  EXPECT_EQ(*two.rtt, Duration(4ms));
  ASSERT_TRUE(two.last);
  EXPECT_EQ(two.last->system_name, "vcs-2");
  EXPECT_EQ(two.last->applied_revision, 42);
  EXPECT_EQ(two.last->settings_hash, settings_.hash());
}

TEST_F(MembershipTest, APeerThatNeverJoinsGoesFromUnknownToFailedWithTheAlarm) {
  build(4, 4);
  for (int i = 0; i < 3; ++i) start(i);  // the fourth listed peer is not there yet
  run(2s);
  EXPECT_EQ(state(1, 4), PeerState::Unknown);
  run(5s);
  EXPECT_EQ(state(1, 4), PeerState::Failed);
  const Alarm* alarm = member(1).alarms.find(AlarmId::ClusterCommunicationFailure);
  ASSERT_NE(alarm, nullptr);
  EXPECT_EQ(alarm->detail, "peer 4 (10.0.0.4)");
  start(3);  // it joins: the alarm clears everywhere
  run(3s);
  for (int viewer = 1; viewer <= 4; ++viewer) {
    EXPECT_FALSE(member(viewer).alarms.active(AlarmId::ClusterCommunicationFailure)) << viewer;
  }
}

TEST_F(MembershipTest, CrashRaisesTheAlarmOnTheOthersAndTheReturnClearsIt) {
  build(3, 3);
  start_all();
  run(3s);
  hosts_[1]->crash();
  run(7s);
  EXPECT_EQ(state(1, 2), PeerState::Failed);
  EXPECT_EQ(state(3, 2), PeerState::Failed);
  EXPECT_TRUE(member(1).alarms.active(AlarmId::ClusterCommunicationFailure));
  EXPECT_EQ(state(1, 3), PeerState::Active);
  const WallTime last_seen = *member(1).membership->peer(2).last_contact;
  EXPECT_LT(last_seen, sim_.host(0).env()->wall_now() - 5s);
  hosts_[1]->restart();
  run(5s);
  EXPECT_EQ(state(1, 2), PeerState::Active);
  EXPECT_EQ(state(2, 1), PeerState::Active);
  EXPECT_FALSE(member(1).alarms.active(AlarmId::ClusterCommunicationFailure));
  EXPECT_FALSE(member(2).alarms.active(AlarmId::ClusterCommunicationFailure));
}

TEST_F(MembershipTest, PartitionIsSeenOnlyByTheCutPeersAndHealClearsIt) {
  build(3, 3);
  start_all();
  run(3s);
  sim_.network().partition(hosts_[0]->index(), hosts_[2]->index());
  run(8s);
  EXPECT_EQ(state(1, 3), PeerState::Failed);
  EXPECT_EQ(state(3, 1), PeerState::Failed);
  EXPECT_EQ(state(2, 1), PeerState::Active);
  EXPECT_EQ(state(2, 3), PeerState::Active);
  EXPECT_FALSE(member(2).alarms.active(AlarmId::ClusterCommunicationFailure));
  EXPECT_EQ(member(1).alarms.find(AlarmId::ClusterCommunicationFailure)->detail, "peer 3 (10.0.0.3)");
  sim_.network().heal(hosts_[0]->index(), hosts_[2]->index());
  run(25s);  // held data flows again, or the links break and redial
  EXPECT_EQ(state(1, 3), PeerState::Active);
  EXPECT_FALSE(member(1).alarms.active(AlarmId::ClusterCommunicationFailure));
  EXPECT_FALSE(member(3).alarms.active(AlarmId::ClusterCommunicationFailure));
}

TEST_F(MembershipTest, DifferentClusteringSettingsAreSeenAndAlarmed) {
  build(3, 3);
  settings_of_[2].tls_mode = TlsVerifyMode::Permissive;  // same as the others...
  settings_of_[2].cluster_name = "other.tandem.test";    // ...but another cluster name
  start_all();
  run(3s);
  const Alarm* mismatch = member(1).alarms.find(AlarmId::ClusteringSettingsMismatch);
  ASSERT_NE(mismatch, nullptr);
  EXPECT_EQ(mismatch->detail, "peer 3 (10.0.0.3)");
  EXPECT_EQ(state(1, 3), PeerState::Active);  // it still talks; replication will refuse it
  EXPECT_NE(member(3).alarms.find(AlarmId::ClusteringSettingsMismatch), nullptr);
  hosts_[2]->crash();
  settings_of_[2] = settings_;  // corrected and restarted
  start(2);
  run(3s);
  EXPECT_FALSE(member(1).alarms.active(AlarmId::ClusteringSettingsMismatch));
  EXPECT_FALSE(member(3).alarms.active(AlarmId::ClusteringSettingsMismatch));
}

TEST_F(MembershipTest, APeerWithAnotherPrimaryRaisesPrimaryMismatchUntilFixed) {
  build(3, 3);
  settings_of_[2].primary = 2;  // peer 3 thinks peer 2 is the primary
  start_all();
  run(3s);
  ASSERT_NE(member(1).alarms.find(AlarmId::ClusterPrimaryMismatch), nullptr);
  EXPECT_EQ(member(1).alarms.find(AlarmId::ClusterPrimaryMismatch)->detail, "peer 3 (10.0.0.3)");
  EXPECT_EQ(member(3).alarms.find(AlarmId::ClusterPrimaryMismatch)->detail, "peer 1 (10.0.0.1), peer 2 (10.0.0.2)");
  // The operator fixes peer 3 and restarts it, as the guide says.
  hosts_[2]->crash();
  settings_of_[2].primary = 1;
  start(2);
  run(3s);
  EXPECT_FALSE(member(1).alarms.active(AlarmId::ClusterPrimaryMismatch));
  EXPECT_FALSE(member(3).alarms.active(AlarmId::ClusterPrimaryMismatch));
}

TEST_F(MembershipTest, EnforceRefusesAnUntrustedPeerWithTheAlarm) {
  build(2, 2);
  settings_of_[0].tls_mode = TlsVerifyMode::Enforce;
  settings_of_[1].tls_mode = TlsVerifyMode::Enforce;
  const WallTime epoch = sim_.wall_epoch();
  auto rogue_ca = make_self_signed(CertificateRequest{"Rogue CA", {}, {}, epoch - 24h, epoch + 24h, true}).value();
  certs_[1] = issue_certificate(CertificateRequest{"h2", {}, {}, epoch - 1h, epoch + 24h, false}, rogue_ca).value();
  start_all();
  run(8s);
  const Alarm* refused = member(1).alarms.find(AlarmId::PeerCertificateRefused);
  ASSERT_NE(refused, nullptr);
  EXPECT_NE(refused->detail.find("certificate CN 'h2'"), std::string::npos) << refused->detail;
  EXPECT_EQ(state(1, 2), PeerState::Failed);
  // A certificate from the cluster's CA is installed on h2, which restarts.
  certs_[1] = issue_certificate(CertificateRequest{"h2", {}, {}, epoch - 1h, epoch + 24h, false}, ca_).value();
  hosts_[1]->crash();
  start(1);
  run(5s);
  EXPECT_EQ(state(1, 2), PeerState::Active);
  EXPECT_FALSE(member(1).alarms.active(AlarmId::PeerCertificateRefused));
}

TEST_F(MembershipTest, AHeartbeatClaimingAnotherPeersSlotIsIgnored) {
  build(3, 3);
  start(0);
  start(1);
  run(3s);
  // h3 is not running membership; it connects by hand and pretends to be peer 2.
  hosts_[2]->start(sim::process_factory<int>([](Env&) { return std::make_unique<int>(0); }));
  Env& rogue = *hosts_[2]->env();
  std::unique_ptr<Stream> stream;
  auto tls = rogue.make_tls_context(TlsConfig{certs_[2].certificate_pem, certs_[2].private_key_pem, {}, TlsVerifyMode::Permissive});
  Handle h = rogue.connect(ConnectOptions{Endpoint{IpAddress::v4(10, 0, 0, 1), kRecoveryPort}}, *tls,
                           [&](Result<std::unique_ptr<Stream>> s) {
                             stream = std::move(s.value());
                             stream->start(StreamHandlers{[](ByteView) {}, [](Status) {}});
                             Heartbeat fake;
                             fake.slot = 2;
                             fake.primary = 1;
                             fake.system_name = "impostor";
                             stream->send(encode(fake));
                           });
  run(1s);
  ASSERT_TRUE(stream);
  EXPECT_EQ(member(1).membership->peer(2).last->system_name, "vcs-2");
}

}  // namespace
}  // namespace tandem::cluster
