// Replication in the twin: the primary's changes reach every subordinate,
// subordinate edits are overwritten, outages heal, and each of the guide's
// reasons to stop replicating raises its alarm until the cause goes.

#include "runtime/cluster/replication.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "runtime/core/random.hpp"
#include "runtime/env/tls/pki.hpp"
#include "simulator/simulation.hpp"

namespace tandem::cluster {
namespace {

using namespace std::chrono_literals;

struct Node {
  AlarmSet alarms;
  std::unique_ptr<config::Store> store;
  std::unique_ptr<Replication> replication;
};

struct HostSetup {
  ClusteringSettings settings;
  int slot = 0;
  std::string version = "X8.9.1";
  std::shared_ptr<bool> ntp = std::make_shared<bool>(true);
  std::string seed_lineage;  // a database from another cluster, if set
};

class ReplicationTest : public ::testing::Test {
 protected:
  explicit ReplicationTest(std::uint64_t seed = 5) : sim_(sim::SimulationOptions{.seed = seed}) {}

  void build(int n) {
    ClusteringSettings settings;
    settings.cluster_name = "cluster.tandem.test";
    for (int i = 0; i < n; ++i) settings.peers[static_cast<std::size_t>(i)] = "10.0.0." + std::to_string(i + 1);
    const WallTime epoch = sim_.wall_epoch();
    cert_ = make_self_signed(CertificateRequest{"peer", {}, {}, epoch - 24h, epoch + 24h * 365, false}).value();
    sim_.network().set_default_link(sim::LinkSpec{1ms});
    for (int i = 0; i < n; ++i) {
      auto host = sim_.add_host("h" + std::to_string(i + 1), {IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i + 1))});
      ASSERT_TRUE(host.ok());
      hosts_.push_back(*host);
      setups_.push_back(HostSetup{settings, i + 1});
    }
  }

  void start(int slot) {
    const HostSetup setup = setups_[static_cast<std::size_t>(slot - 1)];
    const IssuedCertificate cert = cert_;
    hosts_[static_cast<std::size_t>(slot - 1)]->start(sim::process_factory<Node>([setup, cert](Env& env) {
      auto node = std::make_unique<Node>();
      node->store = config::Store::open(env.files(), config::vcs_schema()).value();
      if (!setup.seed_lineage.empty() && node->store->meta("lineage")->empty()) {
        TANDEM_ASSERT(node->store->set_meta("lineage", setup.seed_lineage).ok());
      }
      auto tls = env.make_tls_context(TlsConfig{cert.certificate_pem, cert.private_key_pem, {}, TlsVerifyMode::Permissive});
      auto ntp = setup.ntp;
      ReplicationContext ctx{env, *node->store, node->alarms, setup.settings, setup.slot, setup.version, *tls,
                             [ntp] { return *ntp; }};
      node->replication = Replication::start(ctx, ReplicationOptions{kDatabasePort, 10s, 1s, 3s}).value();
      return node;
    }));
  }
  void start_all() {
    for (int slot = 1; slot <= static_cast<int>(hosts_.size()); ++slot) start(slot);
  }
  void restart(int slot) {
    host(slot).crash();
    start(slot);
  }

  sim::SimHost& host(int slot) { return *hosts_[static_cast<std::size_t>(slot - 1)]; }
  Node& node(int slot) { return *host(slot).process<Node>(); }
  std::string get(int slot, std::string_view path) { return *node(slot).store->get(path); }
  void commit_on(int slot, std::vector<config::Change> changes) {
    auto done = node(slot).replication->commit(changes, "admin");
    ASSERT_TRUE(done.ok()) << done.error().message;
  }
  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }
  bool converged() {
    for (int slot = 2; slot <= static_cast<int>(hosts_.size()); ++slot) {
      if (!host(slot).up() || node(slot).replication->applied_revision() != node(1).replication->applied_revision() ||
          node(slot).replication->status() != DatabaseStatus::Active) {
        return false;
      }
    }
    return true;
  }

  sim::Simulation sim_;
  IssuedCertificate cert_;
  std::vector<sim::SimHost*> hosts_;
  std::vector<HostSetup> setups_;
};

TEST_F(ReplicationTest, AChangeOnThePrimaryReachesEverySubordinateWithinARoundTrip) {
  build(3);
  start_all();
  run(2s);
  ASSERT_TRUE(converged());
  const std::int64_t before = sim_.loop().now_ns();
  commit_on(1, {{"H323 Gatekeeper TimeToLive", "60"}, {"Zones Zone 1 Name", "Partner"}});
  auto done = sim_.run_until([&] { return get(3, "Zones Zone 1 Name") == "Partner" && get(2, "Zones Zone 1 Name") == "Partner"; }, 1s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_LE(sim_.loop().now_ns() - before, 3'000'000);  // pushed at once: one crossing of a 1 ms link
  for (int slot = 2; slot <= 3; ++slot) {
    EXPECT_EQ(get(slot, "H323 Gatekeeper TimeToLive"), "60");
    EXPECT_EQ(node(slot).replication->applied_revision(), 1);
    EXPECT_EQ(node(slot).replication->lineage(), node(1).replication->lineage());
    EXPECT_EQ(node(slot).replication->status(), DatabaseStatus::Active);
    EXPECT_EQ(node(slot).alarms.size(), 0u);
  }
}

TEST_F(ReplicationTest, PeerSpecificItemsStayOnTheirPeer) {
  build(2);
  start_all();
  run(2s);
  commit_on(1, {{"SystemUnit Name", "primary-box"}, {"SIP Mode", "Off"}});
  run(1s);
  EXPECT_EQ(get(2, "SIP Mode"), "Off");
  EXPECT_EQ(get(2, "SystemUnit Name"), "");
}

TEST_F(ReplicationTest, ANewPeerGetsTheWholeConfigurationAsASnapshot) {
  build(3);
  start(1);
  run(1s);
  commit_on(1, {{"Bandwidth Default", "768"}});
  commit_on(1, {{"Transform 4 Pattern String", "^(.*)@example.com"}});
  start(2);
  start(3);
  run(2s);
  EXPECT_TRUE(converged());
  EXPECT_EQ(get(3, "Bandwidth Default"), "768");
  EXPECT_EQ(get(3, "Transform 4 Pattern String"), "^(.*)@example.com");
}

TEST_F(ReplicationTest, ASubordinatesEditToAReplicatedItemIsOverwritten) {
  build(2);
  start_all();
  run(2s);
  commit_on(1, {{"H323 Gatekeeper TimeToLive", "300"}});
  run(1s);
  commit_on(2, {{"H323 Gatekeeper TimeToLive", "120"}, {"Call Loop Detection Mode", "Off"}});
  EXPECT_EQ(get(2, "H323 Gatekeeper TimeToLive"), "120");  // it stands, briefly
  run(1s);
  EXPECT_EQ(get(2, "H323 Gatekeeper TimeToLive"), "300");
  EXPECT_EQ(get(2, "Call Loop Detection Mode"), "On");
  EXPECT_TRUE(converged());
}

TEST_F(ReplicationTest, ChangesMadeDuringAPartitionArriveAfterTheHeal) {
  build(3);
  start_all();
  run(2s);
  sim_.network().partition(host(1).index(), host(3).index());
  commit_on(1, {{"SIP Mode", "Off"}});
  commit_on(1, {{"Zones Zone 9 Name", "Far"}});
  run(5s);
  EXPECT_EQ(get(2, "Zones Zone 9 Name"), "Far");
  EXPECT_EQ(get(3, "Zones Zone 9 Name"), "");
  sim_.network().heal(host(1).index(), host(3).index());
  auto done = sim_.run_until([&] { return converged(); }, 60s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_EQ(get(3, "Zones Zone 9 Name"), "Far");
  EXPECT_EQ(get(3, "SIP Mode"), "Off");
}

TEST_F(ReplicationTest, ARestartedSubordinateCatchesUpAndKeptWhatItHadApplied) {
  build(3);
  start_all();
  run(2s);
  commit_on(1, {{"Bandwidth Default", "1024"}});
  run(1s);
  host(3).crash();
  commit_on(1, {{"FindMe Mode", "On"}});
  run(2s);
  start(3);
  EXPECT_EQ(get(3, "Bandwidth Default"), "1024");  // synced before the crash
  auto done = sim_.run_until([&] { return converged(); }, 30s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_EQ(get(3, "FindMe Mode"), "On");
}

TEST_F(ReplicationTest, SubordinatesFollowAPrimaryThatRestarts) {
  build(3);
  start_all();
  run(2s);
  commit_on(1, {{"Bandwidth Default", "512"}});
  run(1s);
  const std::string lineage = node(1).replication->lineage();
  host(1).crash();
  run(15s);  // the next pull goes unanswered
  EXPECT_EQ(node(2).replication->status(), DatabaseStatus::Failed);
  EXPECT_TRUE(node(2).alarms.active(AlarmId::ReplicationNoPrimaryOrPeerFile));
  start(1);
  EXPECT_EQ(node(1).replication->lineage(), lineage);  // the database outlives the process
  EXPECT_EQ(node(1).replication->applied_revision(), 1);
  commit_on(1, {{"Bandwidth Default", "640"}});
  auto done = sim_.run_until([&] { return converged(); }, 30s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_EQ(get(2, "Bandwidth Default"), "640");
  EXPECT_FALSE(node(2).alarms.active(AlarmId::ReplicationNoPrimaryOrPeerFile));
}

TEST_F(ReplicationTest, DifferentVersionsSuspendReplicationUntilTheUpgradeCompletes) {
  build(2);
  setups_[1].version = "X8.10";
  start_all();
  run(2s);
  commit_on(1, {{"SIP Mode", "Off"}});
  run(2s);
  EXPECT_EQ(get(2, "SIP Mode"), "On");
  ASSERT_TRUE(node(2).alarms.active(AlarmId::ReplicationUpgradeInProgress));
  EXPECT_EQ(node(2).alarms.find(AlarmId::ReplicationUpgradeInProgress)->detail, "primary runs X8.9.1, this peer X8.10");
  EXPECT_EQ(node(2).replication->status(), DatabaseStatus::Failed);
  setups_[1].version = "X8.9.1";  // the peer is brought to the primary's version
  restart(2);
  auto done = sim_.run_until([&] { return converged(); }, 30s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_EQ(get(2, "SIP Mode"), "Off");
  EXPECT_FALSE(node(2).alarms.active(AlarmId::ReplicationUpgradeInProgress));
}

TEST_F(ReplicationTest, APeerThePrimaryDoesNotListIsRefused) {
  build(3);
  setups_[0].settings.peers[2] = "";  // the primary lists two peers; peer 3 lists three
  setups_[1].settings.peers[2] = "";
  start_all();
  run(3s);
  ASSERT_TRUE(node(3).alarms.active(AlarmId::ReplicationLocalPeerNotListed));
  EXPECT_EQ(std::string(alarm_spec(AlarmId::ReplicationLocalPeerNotListed).text),
            "Cluster replication error: the local VCS does not appear in the list of peers");
  EXPECT_EQ(node(2).replication->status(), DatabaseStatus::Active);
  // The operator corrects the list on the primary, then the other peers, and restarts them.
  setups_[0].settings = setups_[2].settings;
  setups_[1].settings = setups_[2].settings;
  restart(1);
  restart(2);
  auto done = sim_.run_until([&] { return converged(); }, 60s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_FALSE(node(3).alarms.active(AlarmId::ReplicationLocalPeerNotListed));
}

TEST_F(ReplicationTest, DifferentClusteringSettingsNeedManualSynchronization) {
  build(2);
  setups_[1].settings.cluster_name = "other.tandem.test";
  start_all();
  run(2s);
  ASSERT_TRUE(node(2).alarms.active(AlarmId::ReplicationManualSyncRequired));
  EXPECT_EQ(node(2).alarms.find(AlarmId::ReplicationManualSyncRequired)->detail,
            "clustering settings differ from the primary's");
  setups_[1].settings.cluster_name = "cluster.tandem.test";
  restart(2);
  auto done = sim_.run_until([&] { return converged(); }, 30s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_FALSE(node(2).alarms.active(AlarmId::ReplicationManualSyncRequired));
}

TEST_F(ReplicationTest, APeerNamingAnotherPrimaryIsToldThePrimaryIdIsInconsistent) {
  build(3);
  setups_[2].settings.primary = 2;  // peer 3 takes peer 2 for the primary
  start_all();
  run(3s);
  ASSERT_TRUE(node(3).alarms.active(AlarmId::ReplicationPrimaryIdInconsistent));
  EXPECT_EQ(node(3).alarms.find(AlarmId::ReplicationPrimaryIdInconsistent)->detail,
            "peer 2 is not the configuration primary; peer 1 is");
  EXPECT_EQ(node(2).replication->status(), DatabaseStatus::Active);
  setups_[2].settings.primary = 1;  // corrected, and restarted as the guide says
  restart(3);
  auto done = sim_.run_until([&] { return converged(); }, 30s);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_FALSE(node(3).alarms.active(AlarmId::ReplicationPrimaryIdInconsistent));
}

TEST_F(ReplicationTest, AnotherClustersDatabaseConflictsUntilForceConfigUpdate) {
  build(2);
  setups_[1].seed_lineage = "deadbeefdeadbeef";  // this peer was part of another cluster
  start_all();
  run(2s);
  ASSERT_TRUE(node(2).alarms.active(AlarmId::ReplicationConfigurationConflict));
  EXPECT_EQ(node(2).replication->status(), DatabaseStatus::Failed);
  ASSERT_TRUE(node(2).replication->force_config_update().ok());
  run(1s);
  EXPECT_TRUE(converged());
  EXPECT_FALSE(node(2).alarms.active(AlarmId::ReplicationConfigurationConflict));
  EXPECT_EQ(node(2).replication->lineage(), node(1).replication->lineage());
  EXPECT_FALSE(node(1).replication->force_config_update().ok());  // never on the primary
}

TEST_F(ReplicationTest, UnsynchronizedNtpStopsReplicationOnThatPeer) {
  build(2);
  *setups_[1].ntp = false;
  start_all();
  run(2s);
  ASSERT_TRUE(node(2).alarms.active(AlarmId::ReplicationNtpUnreachable));
  commit_on(1, {{"SIP Mode", "Off"}});
  run(2s);
  EXPECT_EQ(get(2, "SIP Mode"), "On");
  *setups_[1].ntp = true;
  auto done = sim_.run_until([&] { return converged(); }, 30s);  // next pull
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_FALSE(node(2).alarms.active(AlarmId::ReplicationNtpUnreachable));
}

// ---- chaos: random commits and faults, then the invariants ----------------------

class ReplicationChaosTest : public ReplicationTest, public ::testing::WithParamInterface<std::uint64_t> {
 protected:
  ReplicationChaosTest() : ReplicationTest(GetParam()) {}

  // A random valid change to a replicated item.
  config::Change random_change(Random& rng) {
    switch (rng.below(4)) {
      case 0: return {"H323 Gatekeeper TimeToLive", std::to_string(rng.between(60, 65534))};
      case 1: return {"Zones Zone " + std::to_string(rng.between(1, 20)) + " Name", "zone-" + std::to_string(rng.below(1000))};
      case 2: return {"Bandwidth Default", std::to_string(rng.between(64, 100000))};
      default: return {"SIP Mode", rng.chance(0.5) ? "On" : "Off"};
    }
  }
};

TEST_P(ReplicationChaosTest, NoAcknowledgedChangeIsLostAndEveryPeerConverges) {
  Random rng(Random::derive_seed(GetParam(), "chaos"));
  const int n = static_cast<int>(rng.between(2, 5));
  build(n);
  start_all();
  run(2s);
  std::map<std::string, std::string> acknowledged;  // what commit() said ok to
  for (int step = 0; step < 60; ++step) {
    const int a = static_cast<int>(rng.between(1, n));
    const int b = static_cast<int>(rng.between(1, n));
    switch (rng.below(6)) {
      case 0:
      case 1:
        if (host(1).up()) {
          const config::Change change = random_change(rng);
          auto done = node(1).replication->commit({change}, "chaos");
          ASSERT_TRUE(done.ok()) << done.error().message;
          acknowledged[change.path] = change.value;
        }
        break;
      case 2:
        if (a != b) sim_.network().partition(host(a).index(), host(b).index());
        break;
      case 3: sim_.network().heal(host(a).index(), host(b).index()); break;
      case 4:
        if (host(a).up()) {
          host(a).crash();
        } else {
          start(a);
        }
        break;
      default: break;
    }
    run(Duration(rng.between(1'000'000, 3'000'000'000)));
  }
  sim_.network().heal_all();
  for (int slot = 1; slot <= n; ++slot) {
    if (!host(slot).up()) start(slot);
  }
  auto done = sim_.run_until([&] { return converged(); }, 120s);
  ASSERT_TRUE(done.ok() && *done) << "seed " << GetParam() << ": peers did not converge";
  for (const auto& [path, value] : acknowledged) {
    EXPECT_EQ(get(1, path), value) << "seed " << GetParam() << ": acknowledged change to " << path << " lost";
  }
  // Same configuration: every item either side stores reads the same on both
  // (a row holding the default and no row at all are the same configuration).
  for (int slot = 2; slot <= n; ++slot) {
    std::set<std::string> paths;
    for (int side : {1, slot}) {
      const auto stored = node(side).store->items(config::Scope::Replicated);
      ASSERT_TRUE(stored.ok());
      for (const auto& item : *stored) paths.insert(item.path);
    }
    for (const std::string& path : paths) {
      EXPECT_EQ(get(slot, path), get(1, path)) << "seed " << GetParam() << " peer " << slot << ": " << path;
    }
  }
  for (int slot = 1; slot <= n; ++slot) {
    for (const Alarm& alarm : node(slot).alarms.list()) {
      ADD_FAILURE() << "seed " << GetParam() << ": peer " << slot << " still has alarm " << alarm_spec(alarm.id).text;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ReplicationChaosTest, ::testing::Range<std::uint64_t>(1, 41));

}  // namespace
}  // namespace tandem::cluster
