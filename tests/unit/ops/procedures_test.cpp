// The guide's procedures rehearsed in the twin: the same plans `tandemctl
// cluster` runs on production, through a TwinOperator, with faults injected
// between steps.
#include "runtime/ops/procedures.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "runtime/ops/peer_client.hpp"
#include "runtime/peer.hpp"
#include "simulator/endpoints/cluster_dns.hpp"
#include "simulator/endpoints/populations.hpp"
#include "simulator/twin_operator.hpp"

namespace tandem::ops {
namespace {

using namespace std::chrono_literals;
using sim::ClusterTwin;

constexpr char kClusterName[] = "cluster.tandem.test";
constexpr char kTtl[] = "H323 Gatekeeper TimeToLive";

class ProceduresTest : public ::testing::Test {
 protected:
  void make(int hosts, std::uint64_t seed = 1) {
    sim::ClusterTwinOptions options;
    options.seed = seed;
    options.hosts = hosts;
    options.replication.pull_interval = 10s;
    twin_ = ClusterTwin::create(options).value();
    op_ = std::make_unique<sim::TwinOperator>(*twin_);
  }

  std::string at(int host) const { return twin_->address(host); }
  PeerClient client(int host) { return PeerClient(*op_, at(host)); }
  PeerStatus status(int host) {
    auto s = client(host).status();
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? *s : PeerStatus{};
  }

  Report run_ok(Result<Plan> plan, const Progress& progress = {}) {
    EXPECT_TRUE(plan.ok()) << plan.error().message;
    if (!plan) return {};
    Report report = run(*op_, *plan, progress);
    EXPECT_TRUE(report.ok) << describe(report);
    return report;
  }

  // Create on host 1, then Add a Peer for hosts 2..n.
  void form(int n) {
    run_ok(create_cluster(*op_, at(1), kClusterName));
    for (int host = 2; host <= n; ++host) run_ok(add_peer(*op_, at(1), at(host)));
  }

  // Every member: database Active at one revision, every other member Active.
  void expect_converged(const std::vector<int>& members) {
    std::optional<std::int64_t> revision;
    for (int host : members) {
      const PeerStatus s = status(host);
      EXPECT_EQ(s.database_status, "Active") << at(host);
      if (revision) EXPECT_EQ(s.applied_revision, *revision) << at(host);
      revision = s.applied_revision;
      EXPECT_EQ(s.peers.size(), members.size()) << at(host);
      for (const PeerEntry& p : s.peers) {
        EXPECT_TRUE(p.state == "Active" || p.state == "This system") << at(host) << " sees " << p.address << " " << p.state;
      }
    }
  }

  // A change made on `primary` is read back on every member.
  void expect_change_replicates(int primary, const std::vector<int>& members, const std::string& value) {
    ASSERT_TRUE(client(primary).set({{kTtl, value}}).ok());
    op_->wait(2s);
    for (int host : members) EXPECT_EQ(client(host).get(kTtl).value(), value) << at(host);
  }

  std::string refusal(Result<Plan> plan) { return plan ? "(planned)" : plan.error().message; }

  static std::vector<int> hosts(int from, int to) {
    std::vector<int> out;
    for (int h = from; h <= to; ++h) out.push_back(h);
    return out;
  }

  // A change acknowledged by the primary before a procedure: set and seen everywhere.
  void acknowledge_before(int primary, const std::vector<int>& members, const std::string& value) {
    ASSERT_TRUE(client(primary).set({{kTtl, value}}).ok());
    op_->wait(2s);
    for (int host : members) ASSERT_EQ(client(host).get(kTtl).value(), value) << at(host);
  }

  // ...and still there on every member after it: no acknowledged change lost.
  void expect_kept(const std::vector<int>& members, const std::string& value) {
    for (int host : members) EXPECT_EQ(client(host).get(kTtl).value(), value) << at(host);
  }

  // Runs `fault` as soon as xCommand Restore or FactoryReset has left its
  // note on `host`'s disk, before the restart it asked for: mid-step, at the
  // worst moment. Looks every millisecond of virtual time, for up to 10 minutes.
  void when_pending(int host, std::function<void()> fault, int polls_left = 600'000) {
    if (polls_left == 0) return;
    if (twin_->host(host).up() && twin_->host(host).disk().file_system().exists("maintenance.pending")) {
      fault_injected_ = true;
      return fault();
    }
    twin_->sim().loop().schedule_after(to_ns(1ms), [this, host, fault = std::move(fault), polls_left]() mutable {
      when_pending(host, std::move(fault), polls_left - 1);
    });
  }

  // The peer dies with the work noted but not done, and starts `down_for` later.
  void crash_when_pending(int host, Duration down_for) {
    when_pending(host, [this, host, down_for] {
      twin_->crash(host);
      twin_->sim().loop().schedule_after(to_ns(down_for), [this, host] { twin_->restart(host); });
    });
  }

  // Cuts `host` off from `other` now and heals it `for_how_long` later.
  void partition_for(int host, int other, Duration for_how_long) {
    twin_->partition(host, other);
    twin_->sim().loop().schedule_after(to_ns(for_how_long), [this, host, other] { twin_->heal(host, other); });
  }

  bool fault_injected_ = false;

  std::unique_ptr<ClusterTwin> twin_;
  std::unique_ptr<sim::TwinOperator> op_;
};

class FormingTest : public ProceduresTest, public ::testing::WithParamInterface<int> {};

TEST_P(FormingTest, CreateThenAddEachPeerFormsOneClusterThatReplicates) {
  const int n = GetParam();
  make(n);
  form(n);
  std::vector<int> members;
  for (int host = 1; host <= n; ++host) members.push_back(host);
  expect_converged(members);
  expect_change_replicates(1, members, "600");
  for (int host : members) EXPECT_EQ(status(host).cluster_name, kClusterName);
}

INSTANTIATE_TEST_SUITE_P(OneToSixPeers, FormingTest, ::testing::Range(1, 7));

TEST_F(ProceduresTest, RemovingALivePeerClosesTheGapAndLeavesItStandAlone) {
  make(3);
  form(3);
  const Report report = run_ok(remove_live_peer(*op_, at(1), at(2)));
  expect_converged({1, 3});
  auto config = client(1).clustering().value();
  EXPECT_EQ(config.peers[0], at(1));
  EXPECT_EQ(config.peers[1], at(3));  // moved up: no empty field between entries
  EXPECT_EQ(config.peers[2], "");
  EXPECT_EQ(client(3).clustering().value(), config);
  const PeerStatus removed = status(2);
  EXPECT_FALSE(removed.clustered);
  EXPECT_EQ(removed.cluster_name, "peer2.tandem.test");  // its own FQDN, as the guide suggests
  expect_change_replicates(1, {1, 3}, "700");
  EXPECT_NE(client(2).get(kTtl).value(), "700");
  EXPECT_FALSE(report.alarms.empty());  // restarts were needed and said so
}

TEST_F(ProceduresTest, RemovingADeadPeerLeavesTheOthersConverged) {
  make(3);
  form(3);
  twin_->crash(2);
  EXPECT_NE(refusal(remove_live_peer(*op_, at(1), at(2))).find("use Remove a Dead Peer"), std::string::npos);
  run_ok(remove_dead_peer(*op_, at(1), at(2)));
  expect_converged({1, 3});
  expect_change_replicates(1, {1, 3}, "800");
}

TEST_F(ProceduresTest, TheGuidesProhibitionsStopAProcedureBeforeAnythingChanges) {
  make(6);
  form(6);
  const std::int64_t revision = status(1).applied_revision;
  EXPECT_NE(refusal(remove_live_peer(*op_, at(1), at(1))).find("is the configuration primary: change the primary first"),
            std::string::npos);
  EXPECT_NE(refusal(remove_dead_peer(*op_, at(1), at(1))).find("change the primary first"), std::string::npos);
  const int seventh = twin_->add_host().value();
  op_->wait(2s);
  EXPECT_NE(refusal(add_peer(*op_, at(1), at(seventh))).find("already has 6 peers"), std::string::npos);
  EXPECT_NE(refusal(add_peer(*op_, at(2), at(seventh))).find("is not the configuration primary"), std::string::npos);
  EXPECT_NE(refusal(remove_live_peer(*op_, at(1), at(seventh))).find("is not a peer of this cluster"), std::string::npos);
  EXPECT_EQ(status(1).applied_revision, revision);  // nothing changed
  expect_converged({1, 2, 3, 4, 5, 6});
}

TEST_F(ProceduresTest, OnePeerIsAddedAtATimeAndNeverANeighbourOrARecoveredPeer) {
  make(5);
  form(2);
  // Peer 3 half-added: the primary lists it but it has not joined.
  auto half = add_peer(*op_, at(1), at(3));
  ASSERT_TRUE(half.ok());
  half->steps.resize(4);  // up to "add Peer 3 address" on the primary
  ASSERT_TRUE(run(*op_, *half).ok);
  op_->wait(10s);
  EXPECT_NE(refusal(add_peer(*op_, at(1), at(4))).find("add one peer at a time"), std::string::npos);
  run_ok(add_peer(*op_, at(1), at(3)));  // finishing peer 3 is allowed, and continues where it stopped

  // A neighbour zone on the primary that points at peer 4.
  ASSERT_TRUE(client(1).set({{"Zones Zone 1 Name", "nbr"}, {"Zones Zone 1 Neighbor Peer 1 Address", at(4)}}).ok());
  op_->wait(2s);
  EXPECT_NE(refusal(add_peer(*op_, at(1), at(4))).find("neighbour zone"), std::string::npos);
  ASSERT_TRUE(client(1).set({{"Zones Zone 1 Neighbor Peer 1 Address", ""}}).ok());
  run_ok(add_peer(*op_, at(1), at(4)));

  // Peer 4 dies, is removed, then comes back still holding the old settings.
  twin_->crash(4);
  run_ok(remove_dead_peer(*op_, at(1), at(4)));
  twin_->restart(4);
  op_->wait(5s);
  EXPECT_NE(refusal(add_peer(*op_, at(1), at(4))).find("clear its configuration first"), std::string::npos);
  expect_converged({1, 2, 3});
}

TEST_F(ProceduresTest, ThePrimaryMovesWhetherOrNotTheOldOneAnswers) {
  make(3);
  form(3);
  run_ok(change_primary(*op_, at(2)));
  expect_converged({1, 2, 3});
  for (int host = 1; host <= 3; ++host) EXPECT_EQ(status(host).primary, 2) << at(host);
  expect_change_replicates(2, {1, 2, 3}, "901");

  twin_->crash(2);  // now the primary is gone
  auto plan = change_primary(*op_, at(3));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(describe(*plan).find(at(2) + " cannot be reached: it is left out"), std::string::npos);
  run_ok(std::move(plan));
  expect_change_replicates(3, {1, 3}, "902");
  EXPECT_EQ(status(1).primary, 3);
}

TEST_F(ProceduresTest, AnUpgradeTakesThePrimaryFirstThenEachSubordinateAndEndsConverged) {
  make(3);
  form(3);
  std::vector<std::string> order;
  bool suspended_while_versions_differed = false;
  run_ok(upgrade(*op_, at(1), "9.9.9"), [&](const StepRecord& step) {
    if (step.title.find("upgrade to") == std::string::npos) return;
    order.push_back(step.title.substr(0, step.title.find(':')));
    if (order.size() == 1) {  // only the primary runs 9.9.9: replication waits, as the guide says
      op_->wait(15s);
      const PeerStatus sub = status(2);
      auto alarms = client(2).alarms().value();
      suspended_while_versions_differed =
          sub.database_status != "Active" &&
          std::any_of(alarms.begin(), alarms.end(), [](const AlarmEntry& a) { return a.id == 20008; });
    }
  });
  EXPECT_EQ(order, (std::vector<std::string>{at(1), at(2), at(3)}));
  EXPECT_TRUE(suspended_while_versions_differed);
  for (int host = 1; host <= 3; ++host) EXPECT_EQ(status(host).software_version, "9.9.9");
  expect_converged({1, 2, 3});
  expect_change_replicates(1, {1, 2, 3}, "903");
}

// With endpoints registered (DNS SRV, the guide's second choice), each
// peer's maintenance mode sends its endpoints to the others, its own
// registrations time out, and the report counts what moved.
TEST_F(ProceduresTest, AnUpgradeWithEndpointsWaitsForEachPeersRegistrationsAndSaysWhereTheyWent) {
  make(3);
  form(3);
  ASSERT_TRUE(sim::endpoints::publish_cluster_records(*twin_, kClusterName).ok());
  sim::endpoints::EndpointPopulations pops(*twin_);
  sim::endpoints::PopulationSpec spec;
  spec.name = "phones";
  spec.kind = sim::endpoints::EndpointKind::SipSrv;
  spec.count = 60;
  spec.cluster_name = kClusterName;
  ASSERT_TRUE(pops.add(spec).ok());
  op_->wait(30s);
  ASSERT_EQ(pops.reachable_count(0), 60);
  const auto per_peer = pops.registered_per_peer(0);
  EXPECT_EQ(status(1).registrations.value_or(-1), per_peer[1]);  // a peer's own, not the cluster's total
  std::vector<std::string> waits;
  const Report report = run_ok(upgrade(*op_, at(1), "9.9.9"), [&](const StepRecord& step) {
    if (step.title.find("registrations to time out") != std::string::npos) {
      waits.push_back(step.title.substr(0, step.title.find(':')));
      EXPECT_EQ(step.outcome, StepOutcome::Done) << step.title;
    }
  });
  EXPECT_EQ(waits, (std::vector<std::string>{at(1), at(2), at(3)}));
  EXPECT_EQ(report.registrations_before.value_or(-1), 60);
  EXPECT_GT(report.registrations_moved, 0);  // each peer's endpoints left it for the others
  op_->wait(120s);
  EXPECT_EQ(pops.reachable_count(0), 60);  // and every endpoint is registered somewhere at the end
}

TEST_F(ProceduresTest, AConfigurationChangeDuringAnUpgradeStopsIt) {
  make(2);
  form(2);
  auto plan = upgrade(*op_, at(1), "9.9.9");
  ASSERT_TRUE(plan.ok());
  const Report report = run(*op_, *plan, [&](const StepRecord& step) {
    if (step.number == 4) ASSERT_TRUE(client(1).set({{kTtl, "1234"}}).ok());  // someone edits mid-upgrade
  });
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.failure.find("the configuration was changed on the primary during the upgrade"), std::string::npos)
      << report.failure;
  ASSERT_EQ(report.steps.size(), 5u);  // seen after the next step
  EXPECT_EQ(report.steps.back().outcome, StepOutcome::Failed);
}

TEST_F(ProceduresTest, DisbandingLeavesEveryPeerStandAloneWithItsConfiguration) {
  make(3);
  form(3);
  ASSERT_TRUE(client(1).set({{kTtl, "611"}}).ok());
  op_->wait(2s);
  run_ok(disband(*op_, at(1)));
  for (int host = 1; host <= 3; ++host) {
    const PeerStatus s = status(host);
    EXPECT_FALSE(s.clustered) << at(host);
    EXPECT_EQ(s.cluster_name, "peer" + std::to_string(host) + ".tandem.test");
    EXPECT_EQ(client(host).get(kTtl).value(), "611");  // kept
  }
}

TEST_F(ProceduresTest, ADeadPeerIsReplacedByANewMachine) {
  make(3);
  form(3);
  twin_->crash(2);
  const int spare = twin_->add_host().value();
  op_->wait(2s);
  run_ok(replace_peer(*op_, at(1), at(2), at(spare)));
  expect_converged({1, 3, spare});
  expect_change_replicates(1, {1, 3, spare}, "612");
}

TEST_F(ProceduresTest, AnInterruptedProcedureRunAgainContinuesFromWhereTheClusterIs) {
  make(3);
  form(2);
  auto plan = add_peer(*op_, at(1), at(3));
  ASSERT_TRUE(plan.ok());
  const std::size_t steps = plan->steps.size();
  plan->steps.resize(7);  // stopped after the new peer took the cluster's settings, before any restart
  ASSERT_TRUE(run(*op_, *plan).ok);
  const Report again = run_ok(add_peer(*op_, at(1), at(3)));
  ASSERT_EQ(again.steps.size(), steps);
  EXPECT_EQ(again.steps[3].outcome, StepOutcome::AlreadyDone) << describe(again);  // the primary's list
  EXPECT_EQ(again.steps[4].outcome, StepOutcome::AlreadyDone);                     // peer 2's list
  EXPECT_EQ(again.steps[5].outcome, StepOutcome::AlreadyDone);                     // DefaultValueSet on peer 3
  EXPECT_EQ(again.steps[6].outcome, StepOutcome::AlreadyDone);                     // peer 3's settings
  EXPECT_EQ(again.steps[7].outcome, StepOutcome::Done);                            // the restarts still due
  expect_converged({1, 2, 3});
}

TEST_F(ProceduresTest, APartitionDuringAddingAPeerOnlyDelaysIt) {
  make(3);
  form(2);
  const Report report = run_ok(add_peer(*op_, at(1), at(3)), [&](const StepRecord& step) {
    if (step.number == 7) {  // peer 3 has its settings: cut it off from the primary for a while
      twin_->partition(1, 3);
      twin_->sim().loop().schedule_after(to_ns(20s), [this] { twin_->heal(1, 3); });
    }
  });
  expect_converged({1, 2, 3});
  EXPECT_GE(report.took, 20s);
}

TEST_F(ProceduresTest, APeerThatCrashesMidProcedureStopsItAndARunAgainFinishes) {
  make(3);
  form(2);
  const Report stopped = run(*op_, add_peer(*op_, at(1), at(3)).value(), [&](const StepRecord& step) {
    if (step.number == 5) twin_->crash(3);  // the peer being added dies after its reset
  });
  EXPECT_FALSE(stopped.ok);
  EXPECT_NE(stopped.failure.find(at(3)), std::string::npos) << stopped.failure;
  twin_->restart(3);
  op_->wait(5s);
  run_ok(add_peer(*op_, at(1), at(3)));
  expect_converged({1, 2, 3});
}

TEST_F(ProceduresTest, APrimaryThatCrashesMidProcedureStopsItAndARunAgainFinishes) {
  make(3);
  form(2);
  const Report stopped = run(*op_, add_peer(*op_, at(1), at(3)).value(), [&](const StepRecord& step) {
    if (step.number == 4) twin_->crash(1);  // right after it listed the new peer
  });
  EXPECT_FALSE(stopped.ok);
  twin_->restart(1);
  op_->wait(10s);
  run_ok(add_peer(*op_, at(1), at(3)));
  expect_converged({1, 2, 3});
  expect_change_replicates(1, {1, 2, 3}, "613");
}

// ---- a removed peer added back ----------------------------------------------------------

// Regression: a live-removed peer keeps its old cluster's lineage and
// revision; joining again it must still take the primary's whole
// configuration, not only what changed since it left.
TEST_F(ProceduresTest, ARemovedPeerAddedBackTakesThePrimarysWholeConfiguration) {
  make(3);
  form(3);
  acknowledge_before(1, {1, 2, 3}, "777");
  run_ok(remove_live_peer(*op_, at(1), at(2)));
  run_ok(add_peer(*op_, at(1), at(2)));
  expect_converged({1, 2, 3});
  expect_kept({1, 2, 3}, "777");
}

// ---- Change the Address of a Peer ------------------------------------------------------

constexpr char kNewAddress[] = "10.0.0.50";

class ChangeAddressTest : public ProceduresTest, public ::testing::WithParamInterface<int> {};

TEST_P(ChangeAddressTest, ThePeerIsRemovedReaddressedAndAddedBackWithNothingLost) {
  const int n = GetParam();
  make(n);
  form(n);
  acknowledge_before(1, hosts(1, n), "701");
  const std::string old_address = at(n);
  const Report report = run_ok(change_address(*op_, at(1), old_address, kNewAddress));
  EXPECT_EQ(at(n), kNewAddress);  // the machine lives at its new address
  EXPECT_EQ(twin_->host_at(old_address), std::nullopt);
  expect_converged(hosts(1, n));
  auto config = client(1).clustering().value();
  EXPECT_EQ(config.slot_of(kNewAddress), n);
  EXPECT_EQ(config.slot_of(old_address), std::nullopt);
  for (int host = 2; host <= n; ++host) EXPECT_EQ(client(host).clustering().value(), config) << at(host);
  EXPECT_EQ(status(n).system_name, "PEER" + std::to_string(n));  // the same machine
  expect_kept(hosts(1, n), "701");
  expect_change_replicates(1, hosts(1, n), "702");
  EXPECT_NE(describe(report).find(old_address + ": Ethernet 1 IP V4 Address " + kNewAddress), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(TwoToSixPeers, ChangeAddressTest, ::testing::Range(2, 7));

TEST_F(ProceduresTest, AnAddressChangeIsRefusedForThePrimaryOrAnAddressInUse) {
  make(3);
  form(3);
  const std::int64_t revision = status(1).applied_revision;
  EXPECT_NE(refusal(change_address(*op_, at(1), at(1), kNewAddress)).find("change the primary first"), std::string::npos);
  EXPECT_NE(refusal(change_address(*op_, at(1), at(2), at(3))).find(at(3) + " already answers"), std::string::npos);
  EXPECT_NE(refusal(change_address(*op_, at(1), at(2), "peer9.tandem.test")).find("must be an IP address"),
            std::string::npos);
  EXPECT_NE(refusal(change_address(*op_, at(1), at(2), "2001:db8::2")).find("not of one IP version"), std::string::npos);
  EXPECT_NE(refusal(change_address(*op_, at(2), at(3), kNewAddress)).find("is not the configuration primary"),
            std::string::npos);
  twin_->crash(2);
  EXPECT_NE(refusal(change_address(*op_, at(1), at(2), kNewAddress)).find("use Remove a Dead Peer"), std::string::npos);
  twin_->restart(2);
  op_->wait(10s);
  EXPECT_EQ(status(1).applied_revision, revision);  // nothing changed
  expect_converged({1, 2, 3});
}

TEST_F(ProceduresTest, APartitionDuringAnAddressChangeOnlyDelaysIt) {
  make(3);
  form(3);
  acknowledge_before(1, {1, 2, 3}, "703");
  const Report report = run_ok(change_address(*op_, at(1), at(2), kNewAddress), [&](const StepRecord& step) {
    if (step.title.find("Ethernet 1 IP V4 Address") != std::string::npos) partition_for(1, 2, 20s);  // at its new address
  });
  EXPECT_GE(report.took, 20s);
  expect_converged({1, 2, 3});
  expect_kept({1, 2, 3}, "703");
}

TEST_F(ProceduresTest, APeerThatCrashesAtItsNewAddressIsFinishedByARunAgain) {
  make(3);
  form(3);
  acknowledge_before(1, {1, 2, 3}, "704");
  const std::string old_address = at(2);
  const Report stopped = run(*op_, change_address(*op_, at(1), old_address, kNewAddress).value(), [&](const StepRecord& s) {
    if (s.title.find("Ethernet 1 IP V4 Address") != std::string::npos) twin_->crash(2);
  });
  EXPECT_FALSE(stopped.ok);
  EXPECT_NE(stopped.failure.find(kNewAddress), std::string::npos) << stopped.failure;
  twin_->restart(2);
  op_->wait(5s);
  auto again = change_address(*op_, at(1), old_address, kNewAddress);  // the same command, run again
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_NE(describe(*again).find(old_address + " no longer answers and is not listed"), std::string::npos);
  run_ok(std::move(again));
  expect_converged({1, 2, 3});
  expect_kept({1, 2, 3}, "704");
}

TEST_F(ProceduresTest, APrimaryThatCrashesDuringAnAddressChangeIsFinishedByARunAgain) {
  make(4);
  form(4);
  acknowledge_before(1, {1, 2, 3, 4}, "705");
  const std::string old_address = at(3);
  const Report stopped = run(*op_, change_address(*op_, at(1), old_address, kNewAddress).value(), [&](const StepRecord& s) {
    if (s.title.find("every peer: cluster database Active") != std::string::npos) twin_->crash(1);  // removal done
  });
  EXPECT_FALSE(stopped.ok);
  twin_->restart(1);
  op_->wait(10s);
  run_ok(change_address(*op_, at(1), old_address, kNewAddress));
  expect_converged({1, 2, 3, 4});
  expect_kept({1, 2, 3, 4}, "705");
  expect_change_replicates(1, {1, 2, 3, 4}, "706");
}

// ---- Replace a Peer And Keep Its Configuration -------------------------------------------

class ReplaceKeepingTest : public ProceduresTest, public ::testing::WithParamInterface<int> {
 protected:
  // Peer-specific settings of the peer to be replaced, which its backup carries.
  void give_it_its_own_settings(int host) {
    ASSERT_TRUE(client(host)
                    .set({{"SNMP SystemLocation", "rack 7"},
                          {"Applications ConferenceFactory Template", "cf%%@x"},
                          {"NTP Server 2 Address", "10.0.0.124"}})  // unlike the other peers'
                    .ok());
  }
  // Three peers with `value` acknowledged and peer 2 holding its own
  // settings, and a spare machine to take its place: the spare's number.
  int three_peers_and_a_spare(const std::string& value) {
    make(3);
    form(3);
    acknowledge_before(1, {1, 2, 3}, value);
    give_it_its_own_settings(2);
    const int spare = twin_->add_host().value();
    op_->wait(2s);
    return spare;
  }
  // The spare replaced peer 2 of three: converged, with peer 2's settings and nothing lost.
  void expect_replaced(int spare, const std::string& value) {
    expect_converged({1, 3, spare});
    expect_took_them(spare, 2);
    expect_kept({1, 3, spare}, value);
  }
  void expect_took_them(int host, int from) {
    EXPECT_EQ(client(host).get("SNMP SystemLocation").value(), "rack 7");
    EXPECT_EQ(client(host).get("Applications ConferenceFactory Template").value(), "cf%%@x");
    EXPECT_EQ(status(host).system_name, "PEER" + std::to_string(from));
    // The guide's step 6: DNS and NTP servers as on the other peers, not as on the old one.
    EXPECT_EQ(client(host).get("NTP Server 1 Address").value(), client(1).get("NTP Server 1 Address").value());
    EXPECT_EQ(client(host).get("NTP Server 2 Address").value(), "");
    // Its own identity stays: address, host name, certificate.
    EXPECT_EQ(client(host).get("Ethernet 1 IP V4 Address").value(), at(host));
    EXPECT_EQ(client(host).get("IP DNS Hostname").value(), "peer" + std::to_string(host));
  }
};

TEST_P(ReplaceKeepingTest, TheNewMachineTakesTheOldOnesConfigurationAndJoins) {
  const int n = GetParam();
  make(n);
  form(n);
  acknowledge_before(1, hosts(1, n), "801");
  give_it_its_own_settings(2);
  const int spare = twin_->add_host().value();
  op_->wait(2s);
  const std::string certificate = twin_->peer(spare)->get("Certificates Server Certificate").value();
  run_ok(replace_keeping_configuration(*op_, at(1), at(2), at(spare)));
  std::vector<int> members = hosts(1, n);
  members[1] = spare;
  expect_converged(members);
  expect_took_them(spare, 2);
  EXPECT_EQ(twin_->peer(spare)->get("Certificates Server Certificate").value(), certificate);
  expect_kept(members, "801");
  expect_change_replicates(1, members, "802");
  const PeerStatus old = status(2);  // left, as Remove a Live Peer leaves it
  EXPECT_FALSE(old.clustered);
  EXPECT_NE(client(2).get(kTtl).value(), "802");
}

INSTANTIATE_TEST_SUITE_P(TwoToSixPeers, ReplaceKeepingTest, ::testing::Range(2, 7));

TEST_F(ReplaceKeepingTest, TheReplacementMustHaveTheClustersFeatureKeysAndRelease) {
  make(3);
  form(3);
  const int spare = twin_->add_host().value();
  op_->wait(2s);
  ASSERT_TRUE(client(1).set({{"Option 1 Key", "FEATURE-GATEWAY"}, {"Option 2 Key", "LIC-TRAVERSAL-10"}}).ok());
  ASSERT_TRUE(client(spare).set({{"Option 1 Key", "FEATURE-MEDIA"}}).ok());
  const std::int64_t revision = status(1).applied_revision;
  EXPECT_NE(refusal(replace_keeping_configuration(*op_, at(1), at(2), at(spare)))
                .find("must have the same feature option keys as the other peers (Maintenance > Option keys): it "
                      "lacks FEATURE-GATEWAY; it also has FEATURE-MEDIA"),
            std::string::npos);
  ASSERT_TRUE(client(spare).set({{"Option 1 Key", "FEATURE-GATEWAY"}}).ok());  // call licences may differ
  EXPECT_TRUE(replace_keeping_configuration(*op_, at(1), at(2), at(spare)).ok());
  EXPECT_NE(refusal(replace_keeping_configuration(*op_, at(1), at(1), at(spare))).find("change the primary first"),
            std::string::npos);
  ASSERT_TRUE(twin_->set_software_version(spare, "9.9.9").ok());
  twin_->reboot(spare);
  op_->wait(2s);
  EXPECT_NE(refusal(replace_keeping_configuration(*op_, at(1), at(2), at(spare)))
                .find("every peer must run the same version"),
            std::string::npos);
  twin_->crash(2);
  EXPECT_NE(refusal(replace_keeping_configuration(*op_, at(1), at(2), at(spare))).find("use Replace a Peer"),
            std::string::npos);
  EXPECT_EQ(status(1).applied_revision, revision);  // nothing changed
}

TEST_F(ReplaceKeepingTest, APartitionDuringAReplacementOnlyDelaysIt) {
  const int spare = three_peers_and_a_spare("803");
  const Report report = run_ok(replace_keeping_configuration(*op_, at(1), at(2), at(spare)), [&](const StepRecord& s) {
    if (s.title.find("the cluster's settings") != std::string::npos) partition_for(spare, 1, 20s);
  });
  EXPECT_GE(report.took, 20s);
  expect_replaced(spare, "803");
}

TEST_F(ReplaceKeepingTest, ANewPeerThatCrashesWhileRestoringStillComesBackRestored) {
  const int spare = three_peers_and_a_spare("804");
  run_ok(replace_keeping_configuration(*op_, at(1), at(2), at(spare)), [&](const StepRecord& s) {
    if (s.title.find("back up its configuration") != std::string::npos) crash_when_pending(spare, 5s);
  });
  EXPECT_TRUE(fault_injected_);
  expect_replaced(spare, "804");
}

TEST_F(ReplaceKeepingTest, ANewPeerThatCrashesAfterItsRestoreIsFinishedByARunAgain) {
  const int spare = three_peers_and_a_spare("805");
  const Report stopped = run(*op_, replace_keeping_configuration(*op_, at(1), at(2), at(spare)).value(),
                             [&](const StepRecord& s) {
                               if (s.title.find("restore " + at(2)) != std::string::npos) twin_->crash(spare);
                             });
  EXPECT_FALSE(stopped.ok);
  twin_->restart(spare);
  op_->wait(5s);
  const Report again = run_ok(replace_keeping_configuration(*op_, at(1), at(2), at(spare)));
  ASSERT_GE(again.steps.size(), 2u);
  EXPECT_EQ(again.steps[0].outcome, StepOutcome::AlreadyDone) << describe(again);  // no second backup
  EXPECT_EQ(again.steps[1].outcome, StepOutcome::AlreadyDone);                     // nor a second restore
  expect_replaced(spare, "805");
}

TEST_F(ReplaceKeepingTest, AnOldPeerThatCrashesBeforeItsBackupIsFinishedByARunAgainOnceItIsBack) {
  const int spare = three_peers_and_a_spare("808");
  const Report stopped = run(*op_, replace_keeping_configuration(*op_, at(1), at(2), at(spare)).value(),
                             [&](const StepRecord& s) {
                               if (s.title.find("every peer: cluster database Active") != std::string::npos) {
                                 twin_->crash(2);  // removed, not yet backed up
                               }
                             });
  EXPECT_FALSE(stopped.ok);
  EXPECT_NE(stopped.failure.find("back up its configuration"), std::string::npos) << stopped.failure;
  EXPECT_NE(refusal(replace_keeping_configuration(*op_, at(1), at(2), at(spare))).find("cannot be backed up"),
            std::string::npos);
  expect_converged({1, 3});  // the cluster without it meanwhile
  twin_->restart(2);
  op_->wait(5s);
  run_ok(replace_keeping_configuration(*op_, at(1), at(2), at(spare)));
  expect_replaced(spare, "808");
}

TEST_F(ReplaceKeepingTest, APrimaryThatCrashesDuringAReplacementIsFinishedByARunAgain) {
  const int spare = three_peers_and_a_spare("806");
  const Report stopped = run(*op_, replace_keeping_configuration(*op_, at(1), at(2), at(spare)).value(),
                             [&](const StepRecord& s) {
                               if (s.title.find("DNS servers, domain and NTP") != std::string::npos) twin_->crash(1);
                             });
  EXPECT_FALSE(stopped.ok);
  twin_->restart(1);
  op_->wait(10s);
  run_ok(replace_keeping_configuration(*op_, at(1), at(2), at(spare)));
  expect_replaced(spare, "806");
  expect_change_replicates(1, {1, 3, spare}, "807");
}

// ---- Clear Configuration From This Peer --------------------------------------------------

class ClearConfigurationTest : public ProceduresTest, public ::testing::WithParamInterface<int> {
 protected:
  // Peer `host` dies, is removed as a dead peer, and comes back still holding the old settings.
  void recover_after_removal(int host) {
    twin_->crash(host);
    run_ok(remove_dead_peer(*op_, at(1), at(host)));
    twin_->restart(host);
    op_->wait(5s);
    ASSERT_NE(refusal(add_peer(*op_, at(1), at(host))).find("clear its configuration first"), std::string::npos);
  }
  // Three peers with `value` acknowledged; peer 3 died, was removed and is back.
  void three_peers_one_recovered(const std::string& value) {
    make(3);
    form(3);
    acknowledge_before(1, {1, 2, 3}, value);
    recover_after_removal(3);
  }
  // Cleared, peer 3 is added back, and nothing acknowledged was lost.
  void add_back_cleared(const std::string& value) {
    expect_at_factory_defaults(3);
    run_ok(add_peer(*op_, at(1), at(3)));
    expect_converged({1, 2, 3});
    expect_kept({1, 2, 3}, value);
  }
  void expect_at_factory_defaults(int host) {
    const PeerStatus s = status(host);
    EXPECT_FALSE(s.clustered);
    EXPECT_EQ(s.cluster_name, "");
    EXPECT_EQ(s.system_name, "");
    EXPECT_EQ(client(host).clustering().value().listed(), 0);
    EXPECT_EQ(client(host).get("Ethernet 1 IP V4 Address").value(), at(host));  // still reachable
  }
};

TEST_P(ClearConfigurationTest, ARecoveredDeadPeerIsClearedAndThenAddedBack) {
  const int n = GetParam();
  make(n);
  form(n);
  acknowledge_before(1, hosts(1, n), "901");
  recover_after_removal(n);
  run_ok(clear_configuration(*op_, at(n)));
  expect_at_factory_defaults(n);
  EXPECT_EQ(client(n).get(kTtl).value(), "1800");
  run_ok(add_peer(*op_, at(1), at(n)));  // the guide's path back
  expect_converged(hosts(1, n));
  expect_kept(hosts(1, n), "901");
  expect_change_replicates(1, hosts(1, n), "902");
}

INSTANTIATE_TEST_SUITE_P(TwoToSixPeers, ClearConfigurationTest, ::testing::Range(2, 7));

TEST_F(ClearConfigurationTest, ThePeerKeepsOnlyWhatItNeedsToBeReachedAgain) {
  make(2);
  form(2);
  ASSERT_TRUE(client(1).set({{"Login Administrator 2 Name", "auditor"}}).ok());  // a second account, replicated
  ASSERT_TRUE(client(2).set({{"Option 1 Key", "FEATURE-GATEWAY"}}).ok());
  op_->wait(2s);
  ASSERT_EQ(twin_->peer(2)->get("Login Administrator 2 Name").value(), "auditor");
  const std::string certificate = twin_->peer(2)->get("Certificates Server Certificate").value();
  run_ok(remove_live_peer(*op_, at(1), at(2)));
  auto plan = clear_configuration(*op_, at(2));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(describe(*plan).find("KeepOptionKeys: No, KeepIpConfiguration: Yes, KeepCertificates: No, KeepPasswords: "
                                 "No, KeepLogs: No"),
            std::string::npos)
      << describe(*plan);
  run_ok(std::move(plan));
  expect_at_factory_defaults(2);
  EXPECT_EQ(client(2).get("Option 1 Key").value(), "");
  EXPECT_EQ(twin_->peer(2)->get("Login Administrator 2 Name").value(), "");  // only the operator's own account
  EXPECT_EQ(twin_->peer(2)->get("Login Administrator 1 Name").value(), "admin");
  EXPECT_NE(twin_->peer(2)->get("Certificates Server Certificate").value(), certificate);  // a new one
  const Report again = run_ok(clear_configuration(*op_, at(2)));  // a run again finds it done
  EXPECT_EQ(again.steps.at(0).outcome, StepOutcome::AlreadyDone);
  // Keeping what was asked.
  ASSERT_TRUE(client(2).set({{"Option 1 Key", "FEATURE-GATEWAY"}, {"SystemUnit Name", "SPARE"}}).ok());
  run_ok(clear_configuration(*op_, at(2), ResetChoices{.keep_option_keys = true}));
  EXPECT_EQ(client(2).get("Option 1 Key").value(), "FEATURE-GATEWAY");
  EXPECT_EQ(status(2).system_name, "");
}

TEST_F(ClearConfigurationTest, APeerItsClusterStillListsIsNotCleared) {
  make(3);
  form(3);
  const std::int64_t revision = status(1).applied_revision;
  EXPECT_NE(refusal(clear_configuration(*op_, at(2)))
                .find(at(1) + " still lists Peer 2 (" + at(2) + ") of cluster " + kClusterName + ": remove it from that "
                      "cluster first"),
            std::string::npos);
  EXPECT_NE(refusal(clear_configuration(*op_, at(1))).find("still lists Peer 1"), std::string::npos);
  EXPECT_EQ(status(1).applied_revision, revision);
  expect_converged({1, 2, 3});
}

TEST_F(ClearConfigurationTest, APeerThatCrashesDuringItsResetComesBackCleared) {
  three_peers_one_recovered("903");
  crash_when_pending(3, 5s);
  run_ok(clear_configuration(*op_, at(3)));
  EXPECT_TRUE(fault_injected_);
  add_back_cleared("903");
}

TEST_F(ClearConfigurationTest, AnOperatorCutOffFromThePeerDuringItsResetOnlyWaitsLonger) {
  three_peers_one_recovered("904");
  when_pending(3, [this] { partition_for(ClusterTwin::kOperator, 3, 20s); });
  const Report report = run_ok(clear_configuration(*op_, at(3)));
  EXPECT_GE(report.took, 20s);
  add_back_cleared("904");
}

TEST_F(ClearConfigurationTest, ARecoveredPeerIsClearedWhileItsOldPrimaryIsDown) {
  three_peers_one_recovered("905");
  twin_->crash(1);  // the primary it still lists does not answer: it cannot say it still counts on it
  auto plan = clear_configuration(*op_, at(3));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(describe(*plan).find(at(1) + ", which " + at(3) + " still lists, cannot be reached"), std::string::npos);
  run_ok(std::move(plan));
  twin_->restart(1);
  op_->wait(10s);
  add_back_cleared("905");
}


// ---- every earlier procedure on 2..6 peers, with and without a fault ---------------------------

enum class Procedure : std::uint8_t { RemoveLive, RemoveDead, ChangePrimary, Upgrade, Disband, Replace };
enum class Fault : std::uint8_t { None, Partition, CrashTarget, CrashPrimary };

struct MatrixCase {
  Procedure procedure;
  int size;
  Fault fault;
};

void PrintTo(const MatrixCase& c, std::ostream* out) {
  static constexpr const char* kProcedures[] = {"RemoveLive", "RemoveDead", "ChangePrimary", "Upgrade", "Disband", "Replace"};
  static constexpr const char* kFaults[] = {"None", "Partition", "CrashTarget", "CrashPrimary"};
  *out << kProcedures[static_cast<int>(c.procedure)] << c.size << kFaults[static_cast<int>(c.fault)];
}

class ProcedureMatrixTest : public ProceduresTest, public ::testing::WithParamInterface<MatrixCase> {
 protected:
  // The peer the procedure is about: the last one (peer 2 for a new primary).
  int target() const { return GetParam().procedure == Procedure::ChangePrimary ? 2 : GetParam().size; }

  Result<Plan> plan(int spare) {
    const std::string primary = at(GetParam().procedure == Procedure::ChangePrimary ? 2 : 1);
    switch (GetParam().procedure) {
      case Procedure::RemoveLive: return remove_live_peer(*op_, at(1), at(target()));
      case Procedure::RemoveDead: return remove_dead_peer(*op_, at(1), at(target()));
      case Procedure::ChangePrimary: return change_primary(*op_, primary);
      case Procedure::Upgrade: return upgrade(*op_, at(1), "9.9.9");
      case Procedure::Disband: return disband(*op_, at(1));
      case Procedure::Replace: return replace_peer(*op_, at(1), at(target()), at(spare));
    }
    return make_error("?");
  }

  // The fault, injected after the procedure's second step; crashed hosts come back 15 s later.
  void inject() {
    const Fault fault = GetParam().fault;
    const int victim = fault == Fault::CrashPrimary ? 1 : target();
    if (fault == Fault::Partition) {
      twin_->partition(1, target() == 1 ? 2 : target());
      twin_->sim().loop().schedule_after(to_ns(15s), [this] { twin_->heal_all(); });
    } else if (fault != Fault::None && twin_->running(victim)) {
      twin_->crash(victim);
      twin_->sim().loop().schedule_after(to_ns(15s), [this, victim] {
        if (!twin_->running(victim)) twin_->restart(victim);
      });
    }
  }

  // The members left at the end, as the procedure leaves them.
  std::vector<int> remaining(int spare) const {
    std::vector<int> out = hosts(1, GetParam().size);
    const Procedure p = GetParam().procedure;
    if (p == Procedure::RemoveLive || p == Procedure::RemoveDead || p == Procedure::Replace) out.pop_back();
    if (p == Procedure::Replace) out.push_back(spare);
    return out;
  }
};

TEST_P(ProcedureMatrixTest, EndsConvergedWithEveryAcknowledgedChange) {
  const MatrixCase c = GetParam();
  make(c.size);
  form(c.size);
  const int spare = c.procedure == Procedure::Replace ? twin_->add_host().value() : 0;
  ASSERT_TRUE(client(1).set({{kTtl, "777"}}).ok());  // acknowledged before the procedure
  op_->wait(2s);
  if (c.procedure == Procedure::RemoveDead || (c.procedure == Procedure::Replace && c.fault == Fault::None)) {
    twin_->crash(target());  // dead before it starts
  }
  auto first = plan(spare);
  ASSERT_TRUE(first.ok()) << first.error().message;
  Report report = run(*op_, *first, [&](const StepRecord& step) {
    if (step.number == 2) inject();
  });
  for (int attempt = 0; !report.ok && attempt < 3; ++attempt) {  // the operator runs it again
    op_->wait(20s);
    auto again = plan(spare);
    if (!again) {
      ASSERT_EQ(c.procedure, Procedure::RemoveLive) << again.error().message;
      again = remove_dead_peer(*op_, at(1), at(target()));  // it died: the guide's other path
      ASSERT_TRUE(again.ok()) << again.error().message;
    }
    report = run(*op_, *again);
  }
  ASSERT_TRUE(report.ok) << describe(report);
  if (c.procedure == Procedure::Disband) {
    for (int host : hosts(1, c.size)) {
      EXPECT_FALSE(status(host).clustered) << at(host);
      EXPECT_EQ(client(host).get(kTtl).value(), "777") << at(host);
    }
    return;
  }
  const std::vector<int> members = remaining(spare);
  op_->wait(5s);
  expect_converged(members);
  for (int host : members) EXPECT_EQ(client(host).get(kTtl).value(), "777") << at(host);
  const int primary = c.procedure == Procedure::ChangePrimary ? 2 : 1;
  expect_change_replicates(primary, members, "778");
}

std::vector<MatrixCase> matrix_cases() {
  std::vector<MatrixCase> out;
  for (Procedure p : {Procedure::RemoveLive, Procedure::RemoveDead, Procedure::ChangePrimary, Procedure::Upgrade,
                      Procedure::Disband, Procedure::Replace}) {
    for (int size = 2; size <= 6; ++size) out.push_back({p, size, Fault::None});
    for (int size : {3, 6}) {
      for (Fault f : {Fault::Partition, Fault::CrashTarget, Fault::CrashPrimary}) out.push_back({p, size, f});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(EarlierProcedures, ProcedureMatrixTest, ::testing::ValuesIn(matrix_cases()));

}  // namespace
}  // namespace tandem::ops

namespace tandem::ops {
namespace {

TEST(ProcedureReport, RegistrationsThatLeftAPeerCountAsMovedUnlessTheClusterLostThem) {
  // Peer a drained 10 into b and c; nothing lost.
  EXPECT_EQ(registrations_moved({{"a", 10}, {"b", 5}, {"c", 5}}, {{"a", 0}, {"b", 10}, {"c", 10}}), 10);
  // Peer a lost 10, only 4 turned up elsewhere: 4 moved, 6 lost.
  EXPECT_EQ(registrations_moved({{"a", 10}, {"b", 0}}, {{"a", 0}, {"b", 4}}), 4);
  // A peer that no longer reports (removed) lost all of its own.
  EXPECT_EQ(registrations_moved({{"a", 7}, {"b", 1}}, {{"b", 8}}), 7);
  EXPECT_EQ(registrations_moved({}, {}), 0);
  Report report{"Remove a Live Peer", true};
  report.registrations_before = 20;
  report.registrations_after = 14;
  report.registrations_moved = 4;
  const std::string text = describe(report);
  EXPECT_NE(text.find("registrations: 20 before, 14 after, 4 moved to another peer, 6 lost"), std::string::npos) << text;
}

}  // namespace
}  // namespace tandem::ops
