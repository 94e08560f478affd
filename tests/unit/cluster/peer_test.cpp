// Whole peers in the twin: clusters of 1 to 6 form and replicate, licences pool
// and are borrowed for 14 days, and configuration mistakes raise the guide's alarms.

#include "runtime/peer.hpp"

#include <gtest/gtest.h>

#include <map>

#include "runtime/core/random.hpp"
#include "runtime/env/tls/pki.hpp"
#include "simulator/simulation.hpp"
#include "tests/unit/sip/sip_samples.hpp"

namespace tandem {
namespace {

using namespace std::chrono_literals;
using cluster::AlarmId;
using cluster::DatabaseStatus;
using cluster::PeerState;

class PeerTest : public ::testing::Test {
 protected:
  explicit PeerTest(std::uint64_t seed = 3) : sim_(sim::SimulationOptions{.seed = seed}) {}

  // n hosts on 10.0.0.1..n; every peer lists the first `listed` of them.
  void build(int n, int listed) {
    const WallTime epoch = sim_.wall_epoch();
    cert_ = make_self_signed(CertificateRequest{"peer", {}, {}, epoch - 24h, epoch + 24h * 365, false}).value();
    for (int i = 0; i < n; ++i) {
      auto host = sim_.add_host("h" + std::to_string(i + 1), {IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i + 1))});
      ASSERT_TRUE(host.ok());
      hosts_.push_back(*host);
      std::vector<config::Change> install = {{"SystemUnit Name", "vcs-" + std::to_string(i + 1)}};
      if (listed > 0) {
        install.push_back({"Alternates Cluster Name", "cluster.tandem.test"});
        for (int p = 0; p < listed; ++p) {
          install.push_back({"Alternates Peer " + std::to_string(p + 1) + " Address", "10.0.0." + std::to_string(p + 1)});
        }
      }
      installs_.push_back(install);
    }
  }

  void start(int slot, std::vector<config::Change> extra = {}) {
    auto install = installs_[static_cast<std::size_t>(slot - 1)];
    install.insert(install.end(), extra.begin(), extra.end());
    installs_[static_cast<std::size_t>(slot - 1)] = install;
    const IssuedCertificate cert = cert_;
    const Duration interval = interval_;
    host(slot).start(sim::process_factory<Peer>([install, cert, interval](Env& env) {
      {  // what the operator configured before this boot (the install wizard, System > Clustering)
        auto store = config::Store::open(env.files(), config::vcs_schema()).value();
        TANDEM_ASSERT(store->apply(install, "install", env.wall_now()).ok());
      }
      PeerOptions options;
      options.software_version = "X8.9.1";
      options.tls = TlsConfig{cert.certificate_pem, cert.private_key_pem, {}, TlsVerifyMode::Permissive};
      options.membership.interval = interval;
      options.membership.failure_after = interval * 5;
      options.replication.pull_interval = interval * 10;
      return Peer::start(env, options).value();
    }));
  }

  sim::SimHost& host(int slot) { return *hosts_[static_cast<std::size_t>(slot - 1)]; }
  Peer& peer(int slot) { return *host(slot).process<Peer>(); }
  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }

  sim::Simulation sim_;
  IssuedCertificate cert_;
  std::vector<sim::SimHost*> hosts_;
  std::vector<std::vector<config::Change>> installs_;
  Duration interval_ = 1s;
};

TEST_F(PeerTest, AStandAlonePeerIsNotClusteredAndConfiguresLocally) {
  build(1, 0);
  start(1);
  EXPECT_FALSE(peer(1).clustered());
  EXPECT_EQ(peer(1).database_status(), DatabaseStatus::Inactive);
  ASSERT_TRUE(peer(1).configure({{"H323 Gatekeeper TimeToLive", "60"}}, "admin").ok());
  EXPECT_EQ(*peer(1).get("H323 Gatekeeper TimeToLive"), "60");
  EXPECT_EQ(peer(1).alarms().size(), 0u);
}

TEST_F(PeerTest, ACertificateOrKeyThatDoesNotParseIsRefusedAndChangesNothing) {
  build(1, 0);
  start(1);
  for (const char* item : {"Certificates Server Certificate", "Certificates Server PrivateKey", "Certificates TrustedCA"}) {
    auto refused = peer(1).configure({{"H323 Gatekeeper TimeToLive", "61"}, {item, "not a PEM at all"}}, "admin");
    ASSERT_FALSE(refused.ok()) << item;
    EXPECT_NE(refused.error().message.find(item), std::string::npos) << refused.error().message;
    EXPECT_NE(refused.error().message.find("nothing was changed"), std::string::npos);
    EXPECT_EQ(*peer(1).get(item), "");
    EXPECT_NE(*peer(1).get("H323 Gatekeeper TimeToLive"), "61");
  }
  const auto other = make_self_signed(CertificateRequest{"other", {}, {}, sim_.wall_epoch() - 1h, sim_.wall_epoch() + 24h, false}).value();
  EXPECT_TRUE(peer(1).configure({{"Certificates Server Certificate", other.certificate_pem}}, "admin").ok());  // parses: a key may follow
}

TEST_F(PeerTest, AnInstalledPairThatDoesNotMatchIsAlarmedAndTheStandInCertificateServes) {
  build(1, 0);
  const auto other = make_self_signed(CertificateRequest{"other", {}, {}, sim_.wall_epoch() - 1h, sim_.wall_epoch() + 24h, false}).value();
  start(1, {{"Certificates Server Certificate", other.certificate_pem},
            {"Certificates Server PrivateKey", cert_.private_key_pem}});  // a key of another certificate
  const cluster::Alarm* unusable = peer(1).alarms().find(AlarmId::CertificateUnusable);
  ASSERT_NE(unusable, nullptr);
  EXPECT_NE(unusable->detail.find("does not match"), std::string::npos) << unusable->detail;
  auto tls = peer(1).tls_config();
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(tls->certificate_pem, cert_.certificate_pem);  // the stand-in (PeerOptions::tls)
  EXPECT_TRUE(validate_tls_config(*tls).ok());
}

// An endpoint on its own twin host that registers over TCP 5060 and keeps what it hears.
struct SipPhone {
  Handle dialing;
  std::unique_ptr<Stream> stream;
  std::string heard;
};

// A phone host at 10.0.0.<octet> registering `reg` to the peer in `slot` over TCP.
sim::SimHost* start_phone(sim::Simulation& sim, std::uint8_t octet, int slot, const std::string& reg) {
  auto* phone_host = sim.add_host("phone" + std::to_string(octet), {IpAddress::v4(10, 0, 0, octet)}).value();
  const IpAddress peer = IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(slot));
  phone_host->start(sim::process_factory<SipPhone>([reg, peer](Env& env) {
    auto phone = std::make_unique<SipPhone>();
    phone->dialing = env.connect(ConnectOptions{Endpoint{peer, sip::kSipPort}}, nullptr,
                                 [p = phone.get(), reg](Result<std::unique_ptr<Stream>> s) {
                                   if (!s) return;
                                   p->stream = std::move(s.value());
                                   p->stream->start({[p](ByteView b) { p->heard.append(b.begin(), b.end()); }, {}});
                                   p->stream->send(ByteView(reinterpret_cast<const std::uint8_t*>(reg.data()), reg.size()));
                                 });
    return phone;
  }));
  return phone_host;
}

std::string tcp_register(const std::string& user, std::uint8_t octet) {
  const std::string at = "10.0.0." + std::to_string(octet) + ":5060";
  return sip::test::register_text({.aor = "sip:" + user + "@example.com",
                                   .contacts = {"<sip:" + user + "@" + at + ";transport=tcp>"},
                                   .sent_by = at, .transport = "TCP"});
}

TEST_F(PeerTest, EndpointsRegisterWithAnyPeerAndTheCountReachesTheOthers) {
  build(2, 2);
  start(1);
  start(2);
  run(3s);
  const std::string reg = tcp_register("alice", 50);
  auto* phone_host = start_phone(sim_, 50, 2, reg);
  run(2s);
  EXPECT_EQ(phone_host->process<SipPhone>()->heard.rfind("SIP/2.0 200", 0), 0u) << phone_host->process<SipPhone>()->heard;
  ASSERT_NE(peer(2).sip(), nullptr);
  EXPECT_EQ(peer(2).sip()->registrar().counts().bindings, 1u);
  EXPECT_EQ(peer(2).local_usage().registrations, 1u);
  const cluster::PeerUsage seen = peer(1).resource_usage()->peer(2);  // on the other peer, over UDP 1719
  ASSERT_TRUE(seen.usage.has_value());
  EXPECT_EQ(seen.usage->registrations, 1u);

  peer(2).set_maintenance(true);  // the guide: endpoints move to another peer
  std::string refresh = reg;
  refresh.replace(refresh.find("CSeq: 1"), 7, "CSeq: 2");
  phone_host->process<SipPhone>()->heard.clear();
  phone_host->process<SipPhone>()->stream->send(ByteView(reinterpret_cast<const std::uint8_t*>(refresh.data()), refresh.size()));
  run(1s);
  EXPECT_EQ(phone_host->process<SipPhone>()->heard.rfind("SIP/2.0 503", 0), 0u) << phone_host->process<SipPhone>()->heard;
  EXPECT_NE(phone_host->process<SipPhone>()->heard.find("Retry-After:"), std::string::npos);
}

// The lookup call routing makes before it forwards a call: which peers have the alias.
TEST_F(PeerTest, AnAliasIsLocatedAcrossTheClusterAndCountsTravelInHeartbeats) {
  build(3, 3);
  for (int slot = 1; slot <= 3; ++slot) start(slot);
  run(3s);
  start_phone(sim_, 50, 2, tcp_register("alice", 50));
  start_phone(sim_, 51, 3, tcp_register("bob", 51));
  run(3s);
  ASSERT_TRUE(peer(1).membership()->peer(2).last.has_value());
  EXPECT_EQ(peer(1).membership()->peer(2).last->registrations, 1u);  // the heartbeat says so, on TCP 4371

  std::optional<std::vector<cluster::PeerLocation>> found;
  ASSERT_TRUE(peer(1).locate("sip:alice@example.com", [&found](auto peers) { found = std::move(peers); }).ok());
  EXPECT_FALSE(found.has_value());  // always later, never from inside the call
  run(100ms);
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ((*found)[0].result, cluster::LocateResult::NotFound);
  EXPECT_EQ((*found)[1].result, cluster::LocateResult::Found);
  EXPECT_EQ((*found)[2].result, cluster::LocateResult::NotFound);
  ASSERT_EQ((*found)[1].registrations.size(), 1u);
  EXPECT_EQ((*found)[1].registrations[0].contact, "<sip:alice@10.0.0.50:5060;transport=tcp>");
  EXPECT_EQ((*found)[1].registrations[0].transport, "TCP");
  EXPECT_EQ((*found)[1].address, "10.0.0.2");

  // A peer that cannot answer is NoAnswer, not "not registered", once the timeout passes.
  host(3).crash();
  found.reset();
  ASSERT_TRUE(peer(1).locate("sip:bob@example.com", [&found](auto peers) { found = std::move(peers); }).ok());
  run(1s);
  EXPECT_FALSE(found.has_value());  // still waiting for peer 3
  run(2s);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ((*found)[1].result, cluster::LocateResult::NotFound);
  EXPECT_EQ((*found)[2].result, cluster::LocateResult::NoAnswer);

  EXPECT_FALSE(peer(1).locate("", [](auto) {}).ok());
  EXPECT_FALSE(peer(1).locate(std::string(300, 'a'), [](auto) {}).ok());
}

TEST_F(PeerTest, AStandAlonePeerLocatesAmongItsOwnRegistrations) {
  build(1, 0);
  start(1);
  run(1s);
  start_phone(sim_, 50, 1, tcp_register("alice", 50));
  run(1s);
  std::optional<std::vector<cluster::PeerLocation>> found;
  ASSERT_TRUE(peer(1).locate("sip:alice@EXAMPLE.com", [&found](auto peers) { found = std::move(peers); }).ok());
  run(10ms);
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].slot, 1);
  EXPECT_EQ((*found)[0].address, "10.0.0.1");
  EXPECT_EQ((*found)[0].result, cluster::LocateResult::Found);
}

class ClusterSizeTest : public PeerTest, public ::testing::WithParamInterface<int> {};

TEST_P(ClusterSizeTest, FormsAndReplicatesFromThePrimary) {
  const int n = GetParam();
  build(n, n);
  for (int slot = 1; slot <= n; ++slot) start(slot);
  run(3s);
  for (int slot = 1; slot <= n; ++slot) {
    EXPECT_EQ(peer(slot).this_system(), slot);
    EXPECT_EQ(peer(slot).database_status(), DatabaseStatus::Active) << "peer " << slot;
    for (const auto& view : peer(slot).membership()->peers()) {
      EXPECT_EQ(view.state, view.slot == slot ? PeerState::ThisSystem : PeerState::Active);
    }
    EXPECT_EQ(peer(slot).alarms().size(), 0u) << "peer " << slot;
  }
  ASSERT_TRUE(peer(1).configure({{"Zones Zone 1 Name", "Partner"}}, "admin").ok());
  run(100ms);
  for (int slot = 1; slot <= n; ++slot) EXPECT_EQ(*peer(slot).get("Zones Zone 1 Name"), "Partner") << slot;
}

INSTANTIATE_TEST_SUITE_P(OneToSix, ClusterSizeTest, ::testing::Range(1, 7));

TEST_F(PeerTest, LicencesPoolAndAreBorrowedForFourteenDaysAcrossRestarts) {
  interval_ = 60s;  // a long outage is simulated: fewer heartbeats keep the run short
  build(3, 3);
  start(1, {{"Option 1 Key", "LIC-TRAVERSAL-10"}, {"Option 2 Key", "LIC-NONTRAVERSAL-100"}});
  start(2, {{"Option 1 Key", "LIC-TRAVERSAL-5"}});
  start(3, {{"Option 1 Key", "LIC-TRAVERSAL-20"}, {"Option 2 Key", "LIC-TURN-50"}});
  run(10min);
  EXPECT_EQ(peer(1).licence_pool().total, (cluster::Licences{35, 100, 50}));
  host(3).crash();  // out of contact from here
  run(24h * 13);
  host(1).crash();  // this peer restarts: what it knew of peer 3 must survive
  start(1);
  run(10min);
  auto pool = peer(1).licence_pool();
  EXPECT_EQ(pool.total, (cluster::Licences{35, 100, 50}));
  EXPECT_EQ(pool.borrowed_from, std::vector<int>{3});
  ASSERT_TRUE(peer(1).alarms().active(AlarmId::LicenceCapacityBorrowed));
  EXPECT_EQ(peer(1).alarms().find(AlarmId::LicenceCapacityBorrowed)->detail, "peer 3 (0 days left)");
  EXPECT_TRUE(peer(2).alarms().active(AlarmId::LicenceCapacityBorrowed));
  run(24h * 2);
  pool = peer(1).licence_pool();
  EXPECT_EQ(pool.total, (cluster::Licences{15, 100, 0}));
  EXPECT_EQ(pool.expired, std::vector<int>{3});
  EXPECT_FALSE(peer(1).alarms().active(AlarmId::LicenceCapacityBorrowed));  // the borrowing is over
  EXPECT_EQ(cluster::usable_on(pool, cluster::Platform::SmallVm), (cluster::Licences{15, 75, 0}));
}

TEST_F(PeerTest, ThePrerequisiteCheckSeesTheWholeCluster) {
  build(3, 3);
  sim_.network().set_link(0, 2, sim::LinkSpec{20ms});  // 40 ms round trip between peers 1 and 3
  start(1, {{"IP DNS Server 1 Address", "10.0.0.53"}, {"Zones Zone 1 Name", "Partner"},
            {"Zones Zone 1 Neighbor Peer 1 Address", "10.0.0.2"}});
  start(2, {{"IP DNS Server 1 Address", "10.0.0.53"}});
  start(3);
  run(3s);
  const auto items = peer(1).prerequisites();
  std::map<std::string, cluster::CheckItem> by_name;
  for (const auto& i : items) by_name[i.name] = i;
  EXPECT_TRUE(by_name["All peers run the same software version"].passed);
  EXPECT_TRUE(by_name["Each peer has its own LAN addresses"].passed);
  EXPECT_TRUE(by_name["Each peer has its own system name"].passed);
  EXPECT_EQ(by_name["Every peer has a DNS server"].detail, "10.0.0.3: no DNS server configured");
  EXPECT_EQ(by_name["Every peer is within 30 ms round trip"].detail, "10.0.0.3: round trip 40 ms");
  // Zones are replicated, so every peer carries the mistake.
  EXPECT_EQ(by_name["No peer is also configured as a neighbour"].detail,
            "10.0.0.1 has peer 10.0.0.2 in a neighbour zone; 10.0.0.2 has peer 10.0.0.2 in a neighbour zone; "
            "10.0.0.3 has peer 10.0.0.2 in a neighbour zone");
  EXPECT_FALSE(cluster::all_passed(items));
}

TEST_F(PeerTest, DifferentFeatureKeysAreAlarmed) {
  build(2, 2);
  start(1, {{"Option 1 Key", "FEATURE-H323-INTERWORKING"}});
  start(2);
  run(3s);
  EXPECT_TRUE(peer(1).alarms().active(AlarmId::OptionKeysMismatch));
  EXPECT_TRUE(peer(2).alarms().active(AlarmId::OptionKeysMismatch));
}

TEST_F(PeerTest, ConfigurationMistakesRaiseTheGuidesAlarms) {
  build(3, 3);
  start(1);
  start(2, {{"H323 Mode", "Off"}});
  installs_[2].erase(installs_[2].begin() + 1);  // peer 3 has no cluster name
  start(3);
  run(3s);
  // Peer 2 booted with H.323 off, but replication brought the primary's On:
  // the alarm follows the configuration.
  EXPECT_FALSE(peer(2).alarms().active(AlarmId::InvalidClusteringH323Off));
  EXPECT_TRUE(peer(3).alarms().active(AlarmId::ClusterNameNotConfigured));
  EXPECT_FALSE(peer(3).clustered());
  ASSERT_TRUE(peer(1).configure({{"H323 Mode", "Off"}}, "admin").ok());  // the primary turns it off for all
  run(100ms);
  EXPECT_TRUE(peer(1).alarms().active(AlarmId::InvalidClusteringH323Off));
  EXPECT_TRUE(peer(2).alarms().active(AlarmId::InvalidClusteringH323Off));
  ASSERT_TRUE(peer(1).configure({{"H323 Mode", "On"}}, "admin").ok());
  run(100ms);
  EXPECT_FALSE(peer(2).alarms().active(AlarmId::InvalidClusteringH323Off));
  ASSERT_TRUE(peer(1).configure({{"Alternates Cluster TlsVerificationMode", "Enforce"}}, "admin").ok());
  EXPECT_EQ(peer(1).alarms().find(AlarmId::RestartRequired)->detail, "Alternates Cluster TlsVerificationMode");
  // The event log kept the story of peer 2's H.323 alarm: up at boot, cleared by
  // replication, then up and down again with the primary's changes.
  auto events = peer(2).store().events(20);
  ASSERT_TRUE(events.ok());
  int raised = 0, cleared = 0;
  for (const auto& e : *events) {
    if (e.detail.rfind("20009 ", 0) != 0) continue;
    raised += e.kind == "alarm.raised";
    cleared += e.kind == "alarm.cleared";
  }
  EXPECT_EQ(raised, 2);
  EXPECT_EQ(cleared, 2);
  EXPECT_EQ(events->back().kind, "peer.start");
}

TEST_F(PeerTest, ADiskThatCannotBeWrittenRaisesDatabaseFailureUntilItRecovers) {
  build(2, 2);
  start(1);
  start(2);
  run(3s);
  host(2).disk().set_fail_writes(true);
  ASSERT_TRUE(peer(1).configure({{"H323 Gatekeeper TimeToLive", "600"}}, "admin").ok());
  run(100ms);
  const cluster::Alarm* failure = peer(2).alarms().find(AlarmId::DatabaseFailure);
  ASSERT_NE(failure, nullptr);
  EXPECT_NE(failure->detail.find("cannot apply the primary's configuration"), std::string::npos) << failure->detail;
  EXPECT_EQ(peer(2).replication()->status(), DatabaseStatus::Failed);
  host(2).disk().set_fail_writes(false);
  run(interval_ * 11);  // the next pull
  EXPECT_FALSE(peer(2).alarms().active(AlarmId::DatabaseFailure));
  EXPECT_EQ(peer(2).replication()->status(), DatabaseStatus::Active);
  EXPECT_EQ(*peer(2).store().get("H323 Gatekeeper TimeToLive"), "600");
}

TEST_F(PeerTest, ClusterNameAlarmClearsOnceTheNameIsSetAndThePeerRestarts) {
  build(2, 2);
  installs_[1].erase(installs_[1].begin() + 1);  // peer 2 has no cluster name
  start(1);
  start(2);
  run(3s);
  ASSERT_TRUE(peer(2).alarms().active(AlarmId::ClusterNameNotConfigured));
  ASSERT_TRUE(peer(2).configure({{"Alternates Cluster Name", "cluster.tandem.test"}}, "admin").ok());
  EXPECT_TRUE(peer(2).alarms().active(AlarmId::RestartRequired));
  host(2).crash();
  host(2).restart();
  run(3s);
  EXPECT_FALSE(peer(2).alarms().active(AlarmId::ClusterNameNotConfigured));
  EXPECT_FALSE(peer(2).alarms().active(AlarmId::RestartRequired));
  EXPECT_TRUE(peer(2).clustered());
  EXPECT_EQ(peer(2).replication()->status(), DatabaseStatus::Active);
}

TEST_F(PeerTest, AnAcknowledgedAlarmStaysAcknowledgedAcrossARestartWhileItsCauseRemains) {
  build(3, 3);
  start(1);
  start(2);
  start(3);
  run(3s);
  host(3).crash();
  run(10s);
  const cluster::Alarm* failure = peer(1).alarms().find(AlarmId::ClusterCommunicationFailure);
  ASSERT_NE(failure, nullptr);
  const WallTime first_raised = failure->raised_at;
  ASSERT_TRUE(peer(1).alarms().acknowledge(AlarmId::ClusterCommunicationFailure));
  host(1).crash();
  host(1).restart();
  run(10s);
  failure = peer(1).alarms().find(AlarmId::ClusterCommunicationFailure);
  ASSERT_NE(failure, nullptr);  // peer 3 is still away
  EXPECT_TRUE(failure->acknowledged);
  EXPECT_EQ(failure->raised_at, first_raised);
  host(3).restart();
  run(10s);
  EXPECT_FALSE(peer(1).alarms().active(AlarmId::ClusterCommunicationFailure));
  host(3).crash();  // a new failure is a new alarm
  run(10s);
  ASSERT_TRUE(peer(1).alarms().active(AlarmId::ClusterCommunicationFailure));
  EXPECT_FALSE(peer(1).alarms().find(AlarmId::ClusterCommunicationFailure)->acknowledged);
}

TEST_F(PeerTest, PeersListedByNameFindThemselvesThroughDns) {
  // Under TLS Enforce the guide wants FQDNs in the peer list.
  build(3, 0);
  for (int i = 1; i <= 3; ++i) {
    const std::string name = "vcs" + std::to_string(i) + ".example.test";
    sim_.dns().set_addresses(name, {IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i))});
    installs_[static_cast<std::size_t>(i - 1)].push_back({"Alternates Cluster Name", "cluster.example.test"});
    for (int p = 1; p <= 3; ++p) {
      installs_[static_cast<std::size_t>(i - 1)].push_back(
          {"Alternates Peer " + std::to_string(p) + " Address", "vcs" + std::to_string(p) + ".example.test"});
    }
  }
  sim_.dns().set_fault("vcs3.example.test", sim::DnsFault::ServerFailure);  // peer 3 cannot place itself yet
  for (int slot = 1; slot <= 3; ++slot) start(slot);
  run(3s);
  EXPECT_EQ(peer(1).this_system(), 1);
  EXPECT_EQ(peer(2).this_system(), 2);
  EXPECT_TRUE(peer(3).alarms().active(AlarmId::ReplicationLocalPeerNotListed));
  EXPECT_NE(peer(3).alarms().find(AlarmId::ReplicationLocalPeerNotListed)->detail.find("DNS"), std::string::npos);
  sim_.dns().set_fault("vcs3.example.test", sim::DnsFault::None);  // DNS repaired
  run(15s);
  EXPECT_EQ(peer(3).this_system(), 3);
  EXPECT_FALSE(peer(3).alarms().active(AlarmId::ReplicationLocalPeerNotListed));
  ASSERT_TRUE(peer(1).configure({{"Zones Zone 1 Name", "ByName"}}, "admin").ok());
  run(1s);
  for (int slot = 1; slot <= 3; ++slot) {
    EXPECT_EQ(*peer(slot).get("Zones Zone 1 Name"), "ByName") << slot;
    EXPECT_EQ(peer(slot).database_status(), DatabaseStatus::Active) << slot;
  }
}

TEST_F(PeerTest, APeerWhoseAddressIsNotListedSaysSo) {
  build(3, 2);  // peers list 10.0.0.1 and .2; the third host is not among them
  start(1);
  start(2);
  start(3);
  run(3s);
  EXPECT_TRUE(peer(3).alarms().active(AlarmId::ReplicationLocalPeerNotListed));
  EXPECT_FALSE(peer(3).clustered());
  EXPECT_EQ(peer(1).database_status(), DatabaseStatus::Active);
}

// ---- chaos at the level of whole peers ----------------------------------------------

class PeerChaosTest : public PeerTest, public ::testing::WithParamInterface<std::uint64_t> {
 protected:
  PeerChaosTest() : PeerTest(GetParam()) {}
};

TEST_P(PeerChaosTest, AfterAnyFaultsEveryPeerConvergesAndAlarmsMatchTheirCauses) {
  Random rng(Random::derive_seed(GetParam(), "peer-chaos"));
  const int n = static_cast<int>(rng.between(2, 6));
  build(n, n);
  for (int slot = 1; slot <= n; ++slot) start(slot);
  run(3s);
  std::map<std::string, std::string> acknowledged;
  for (int step = 0; step < 40; ++step) {
    const int a = static_cast<int>(rng.between(1, n));
    const int b = static_cast<int>(rng.between(1, n));
    switch (rng.below(5)) {
      case 0:
      case 1:
        if (host(1).up()) {
          const std::string path = "Zones Zone " + std::to_string(rng.between(1, 10)) + " Name";
          const std::string value = "z" + std::to_string(rng.below(100));
          ASSERT_TRUE(peer(1).configure({{path, value}}, "chaos").ok());
          acknowledged[path] = value;
        }
        break;
      case 2:
        if (a != b) sim_.network().partition(host(a).index(), host(b).index());
        break;
      case 3: sim_.network().heal_all(); break;
      default:
        if (host(a).up()) {
          host(a).crash();
        } else {
          start(a);
        }
    }
    run(Duration(rng.between(100'000'000, 8'000'000'000)));
  }
  // While faults last, a downed peer is Failed to the others and raises the alarm.
  for (int slot = 1; slot <= n; ++slot) {
    if (!host(slot).up()) continue;
    for (const auto& view : peer(slot).membership()->peers()) {
      if (view.state == PeerState::Failed) {
        EXPECT_TRUE(peer(slot).alarms().active(AlarmId::ClusterCommunicationFailure)) << "seed " << GetParam();
      }
    }
  }
  sim_.network().heal_all();
  for (int slot = 1; slot <= n; ++slot) {
    if (!host(slot).up()) start(slot);
  }
  auto settled = sim_.run_until(
      [&] {
        for (int slot = 1; slot <= n; ++slot) {
          if (peer(slot).database_status() != DatabaseStatus::Active || peer(slot).alarms().size() != 0) return false;
          if (peer(slot).replication()->applied_revision() != peer(1).replication()->applied_revision()) return false;
          for (const auto& view : peer(slot).membership()->peers()) {
            if (view.state != PeerState::ThisSystem && view.state != PeerState::Active) return false;
          }
        }
        return true;
      },
      120s);
  ASSERT_TRUE(settled.ok());
  for (int slot = 1; slot <= n; ++slot) {
    for (const auto& alarm : peer(slot).alarms().list()) {
      ADD_FAILURE() << "seed " << GetParam() << ": peer " << slot << " keeps " << cluster::alarm_spec(alarm.id).text
                    << " (" << alarm.detail << ")";
    }
    EXPECT_EQ(peer(slot).database_status(), DatabaseStatus::Active) << "seed " << GetParam() << " peer " << slot;
    for (const auto& view : peer(slot).membership()->peers()) {
      EXPECT_EQ(view.state, view.slot == slot ? PeerState::ThisSystem : PeerState::Active)
          << "seed " << GetParam() << ": peer " << slot << " sees " << view.slot;
    }
    for (const auto& [path, value] : acknowledged) {
      EXPECT_EQ(*peer(slot).get(path), value) << "seed " << GetParam() << " peer " << slot << " " << path;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, PeerChaosTest, ::testing::Range<std::uint64_t>(1, 21));

}  // namespace
}  // namespace tandem
