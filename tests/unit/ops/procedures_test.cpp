// The guide's procedures rehearsed in the twin: the same plans `tandemctl
// cluster` runs on production, through a TwinOperator, with faults injected
// between steps.
#include "runtime/ops/procedures.hpp"

#include <gtest/gtest.h>

#include "runtime/ops/peer_client.hpp"
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

}  // namespace
}  // namespace tandem::ops
