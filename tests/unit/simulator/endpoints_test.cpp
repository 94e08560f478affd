// Endpoint populations in the twin, each option of the guide's "Configure
// Endpoints to Work With a Cluster" against a peer that dies, goes into
// maintenance mode or is cut off: outbound endpoints stay reachable, SRV and
// round-robin endpoints move to another peer within the refresh and retry
// bounds, static endpoints wait for their peer.
#include "simulator/endpoints/populations.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "runtime/ops/procedures.hpp"
#include "runtime/peer.hpp"
#include "simulator/endpoints/cluster_dns.hpp"
#include "simulator/endpoints/srv_order.hpp"
#include "simulator/twin_operator.hpp"

namespace tandem::sim::endpoints {
namespace {

using namespace std::chrono_literals;

constexpr char kCluster[] = "cluster.tandem.test";
constexpr int kPeers = 3;
constexpr int kPerPopulation = 30;

// Bounds from the defaults: standard registrations are granted at most 60 s
// and refreshed at 80-90% of that (54 s at the latest); a refresh to a dead
// peer fails within the transaction timeout (32 s), a connection to a dead
// peer within its 10 s timeout. An SRV round tries each peer once, so the
// dead one at most once; a round-robin round is as many fresh lookups as
// there are peers, and the shared rotation may hand the dead one out each
// time, then the round's 30 s wait.
constexpr Duration kRefreshLatest = 54s;
constexpr Duration kSrvFailoverBound = kRefreshLatest + 32s + 10s + 1s;
constexpr Duration kRoundRobinFailoverBound = kRefreshLatest + 32s + kPeers * 10s + 30s + 10s + 1s;

class EndpointsTest : public ::testing::Test {
 protected:
  void make(std::uint64_t seed = 5, int peers = kPeers) {
    ClusterTwinOptions options;
    options.seed = seed;
    options.hosts = peers;
    twin_ = ClusterTwin::create(options).value();
    ASSERT_TRUE(publish_cluster_records(*twin_, kCluster).ok());
    pops_ = std::make_unique<EndpointPopulations>(*twin_);
  }
  void TearDown() override {
    pops_.reset();  // before the twin
    twin_.reset();
  }

  int add(EndpointKind kind, const std::string& name, int count = kPerPopulation, std::vector<int> peers = {}) {
    PopulationSpec spec;
    spec.name = name;
    spec.kind = kind;
    spec.count = count;
    spec.cluster_name = kCluster;
    spec.peers = std::move(peers);
    auto index = pops_->add(spec);
    EXPECT_TRUE(index.ok()) << index.error().message;
    return index.ok() ? *index : -1;
  }

  void run(Duration d) { ASSERT_TRUE(twin_->run_for(d).ok()); }

  // Create a New Cluster on peer 1, Add a Peer for the others: the
  // gatekeepers' alternate lists are the cluster's peers.
  void form() {
    TwinOperator op(*twin_);
    ASSERT_TRUE(ops::run(op, ops::create_cluster(op, twin_->address(1), kCluster).value()).ok);
    for (int n = 2; n <= twin_->host_count(); ++n) {
      ASSERT_TRUE(ops::run(op, ops::add_peer(op, twin_->address(1), twin_->address(n)).value()).ok);
    }
  }

  int add_h323(EndpointKind kind, const std::string& name) {
    PopulationSpec spec;
    spec.name = name;
    spec.kind = kind;
    spec.count = kPerPopulation;
    spec.cluster_name = kCluster;
    spec.h323.time_to_live_s = 60;  // the gatekeeper's minimum: keep-alives every 50 s
    auto index = pops_->add(spec);
    EXPECT_TRUE(index.ok()) << index.error().message;
    return index.ok() ? *index : -1;
  }
  std::size_t h323_registrations() {
    std::size_t total = 0;
    for (int n = 1; n <= twin_->host_count(); ++n) total += twin_->peer(n)->gatekeeper()->registration_count();
    return total;
  }

  // Endpoints of population `p` registered with `peer` right now (by their record).
  std::vector<int> on_peer(int p, int peer) {
    std::vector<int> out;
    for (int i = 0; i < pops_->endpoints(p); ++i) {
      if (pops_->record(p, i).current_peer() == peer) out.push_back(i);
    }
    return out;
  }

  // One population of each SIP option, kPerPopulation endpoints each.
  struct SipPopulations {
    int outbound, srv, rr, fixed;
  };
  SipPopulations add_every_sip_option() {
    return SipPopulations{add(EndpointKind::SipOutbound, "sip-outbound"), add(EndpointKind::SipSrv, "sip-srv"),
                          add(EndpointKind::SipRoundRobin, "sip-rr"), add(EndpointKind::SipStatic, "sip-static")};
  }

  // Each of `endpoints` of population `p` was unreachable for at most
  // `bound` since `since` and is now registered with a peer other than `left`.
  void expect_moved(int p, const std::vector<int>& endpoints, int left, Duration since, Duration bound) {
    for (int i : endpoints) {
      const EndpointRecord& r = pops_->record(p, i);
      EXPECT_LE(r.unreachable(since, twin_->now()), bound) << r.user;
      EXPECT_NE(r.current_peer(), left) << r.user;
      EXPECT_NE(r.current_peer(), 0) << r.user;
      EXPECT_TRUE(pops_->reachable(p, i)) << r.user;
    }
  }

  std::size_t bindings(int peer) { return twin_->peer(peer)->sip()->registrar().counts().bindings; }

  void set_maintenance(int peer, bool on) {
    const std::string body = std::string(R"({"args":{"Mode":")") + (on ? "On" : "Off") + R"("}})";
    auto reply = twin_->request(twin_->address(peer), twin_->authorized("POST", "/api/v1/command/MaintenanceMode", body));
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    ASSERT_EQ(reply->status, 200) << reply->body;
    ASSERT_EQ(twin_->peer(peer)->maintenance(), on);
  }

  std::unique_ptr<ClusterTwin> twin_;
  std::unique_ptr<EndpointPopulations> pops_;
};

// ---- pure parts ---------------------------------------------------------------------------

TEST(SrvOrderTest, LowerPriorityFirstAndEqualWeightsShareTheFirstPlaceEvenly) {
  Random random(11);
  std::vector<SrvRecord> records = {{2, 1, 5060, "backup"}, {1, 1, 5060, "a"}, {1, 1, 5060, "b"}, {1, 1, 5060, "c"}};
  std::map<std::string, int> first;
  for (int i = 0; i < 3000; ++i) {
    const auto order = rfc2782_order(records, random);
    ASSERT_EQ(order.size(), 4u);
    EXPECT_EQ(order.back().target, "backup");
    ++first[order.front().target];
  }
  for (const char* t : {"a", "b", "c"}) {
    EXPECT_GT(first[t], 800) << t;
    EXPECT_LT(first[t], 1200) << t;
  }
}

TEST(SrvOrderTest, WeightsSetTheShareAndZeroWeightIsRarelyFirst) {
  Random random(3);
  std::vector<SrvRecord> records = {{1, 0, 5060, "zero"}, {1, 30, 5060, "heavy"}, {1, 10, 5060, "light"}};
  std::map<std::string, int> first;
  for (int i = 0; i < 4000; ++i) ++first[rfc2782_order(records, random).front().target];
  EXPECT_GT(first["heavy"], 2 * first["light"]);
  EXPECT_LT(first["zero"], 4000 / 20);
}

TEST(EndpointRecordTest, UnreachableTimeIsClippedToTheWindowAndCountsOpenOutages) {
  EndpointRecord r;
  r.first_registered = 1s;
  r.outages = {Outage{10s, 20s}, Outage{50s, std::nullopt}};
  EXPECT_EQ(r.unreachable(0s, 60s), 20s);
  EXPECT_EQ(r.unreachable(15s, 60s), 15s);
  EXPECT_EQ(r.longest_outage(0s, 100s), 50s);
  r.stints = {Stint{0, 2, 1s, 12s}, Stint{0, 3, 30s, std::nullopt}};
  EXPECT_EQ(r.peer_at(5s), 2);
  EXPECT_EQ(r.peer_at(20s), 0);
  EXPECT_EQ(r.current_peer(), 3);
}

// ---- the cluster's DNS records ------------------------------------------------------------

TEST_F(EndpointsTest, ClusterNameRecordsAreEqualPriorityAndWeightForEveryPeer) {
  make();
  auto srv = twin_->sim().dns().resolve("_sip._tcp.cluster.tandem.test", DnsType::SRV);
  ASSERT_TRUE(srv.answer.ok());
  ASSERT_EQ(srv.answer->services.size(), 3u);
  std::set<std::string> targets;
  for (const SrvRecord& r : srv.answer->services) {
    EXPECT_EQ(r.priority, 1);
    EXPECT_EQ(r.weight, 1);
    EXPECT_EQ(r.port, 5060);
    targets.insert(r.target);
  }
  EXPECT_EQ(targets, (std::set<std::string>{"peer1.tandem.test", "peer2.tandem.test", "peer3.tandem.test"}));
  auto rs = twin_->sim().dns().resolve("_h323rs._udp.cluster.tandem.test", DnsType::SRV);
  ASSERT_TRUE(rs.answer.ok());
  EXPECT_EQ(rs.answer->services.front().port, 1719);
  auto a = twin_->sim().dns().resolve(kCluster, DnsType::A);
  ASSERT_TRUE(a.answer.ok());
  EXPECT_EQ(a.answer->addresses.size(), 3u);
  EXPECT_FALSE(publish_cluster_records(*twin_, "").ok());
  auto bad_peer = publish_cluster_records(*twin_, kCluster, {7});
  ASSERT_FALSE(bad_peer.ok());
  EXPECT_NE(bad_peer.error().message.find("peer 7"), std::string::npos);
}

// ---- every option registers --------------------------------------------------------------

TEST_F(EndpointsTest, EveryOptionRegistersWithTheRealRegistrar) {
  make();
  const auto [outbound, srv, rr, fixed] = add_every_sip_option();
  run(30s);
  for (int p : {outbound, srv, rr, fixed}) EXPECT_EQ(pops_->reachable_count(p), kPerPopulation) << pops_->spec(p).name;
  // Outbound endpoints hold two bindings each (reg-id 1 and 2), the others one.
  EXPECT_EQ(bindings(1) + bindings(2) + bindings(3), static_cast<std::size_t>(kPerPopulation * 5));
  const auto outbound_bindings = twin_->peer(1)->sip()->registrar().counts().outbound_bindings +
                                 twin_->peer(2)->sip()->registrar().counts().outbound_bindings +
                                 twin_->peer(3)->sip()->registrar().counts().outbound_bindings;
  EXPECT_EQ(outbound_bindings, static_cast<std::size_t>(kPerPopulation * 2));
  // SRV with equal weights and round-robin spread over every peer; static ones go where configured.
  for (int p : {srv, rr}) {
    const auto per_peer = pops_->registered_per_peer(p);
    for (int n = 1; n <= kPeers; ++n) EXPECT_GT(per_peer[static_cast<std::size_t>(n)], 3) << pops_->spec(p).name << " peer " << n;
  }
  for (int i = 0; i < kPerPopulation; ++i) EXPECT_EQ(pops_->record(fixed, i).current_peer(), 1 + i % kPeers);
  // They keep refreshing: after ten minutes nothing was ever unreachable.
  run(10min);
  for (const PopulationReport& r : pops_->reports(0s)) {
    EXPECT_EQ(r.reachable, kPerPopulation) << r.name;
    EXPECT_EQ(r.affected, 0) << r.name;
  }
  EXPECT_GT(twin_->peer(1)->sip()->registrar().counts().refreshed, 100u);
}

TEST_F(EndpointsTest, UdpEndpointsRegisterAndRefreshToo) {
  make();
  for (int n = 1; n <= kPeers; ++n) {
    ASSERT_TRUE(twin_->peer(n)->configure({{"SIP UDP Mode", "On"}}, "test").ok());
    twin_->reboot(n);  // the registrar reads its ports at start
  }
  run(5s);
  // Appendix 2 recommends no _sip._udp records: UDP endpoints find peers by A record or address.
  for (EndpointKind kind : {EndpointKind::SipRoundRobin, EndpointKind::SipOutbound}) {
    PopulationSpec spec;
    spec.name = std::string("udp-") + (kind == EndpointKind::SipOutbound ? "outbound" : "rr");
    spec.kind = kind;
    spec.count = 12;
    spec.sip.transport = SipTransport::Udp;
    ASSERT_TRUE(pops_->add(spec).ok());
  }
  run(10min);
  for (int p : {0, 1}) {
    EXPECT_EQ(pops_->reachable_count(p), 12);
    EXPECT_EQ(pops_->report(p, 0s).affected, 0);
  }
  EXPECT_EQ(bindings(1) + bindings(2) + bindings(3), 12u + 2 * 12u);
  // A peer that restarts loses its bindings; UDP endpoints only notice at their next refresh,
  // which the new process answers: back within one refresh interval.
  const Duration restarted = twin_->now();
  twin_->reboot(1);
  run(2min);
  const PopulationReport rr = pops_->report(0, restarted);
  EXPECT_GT(rr.affected, 0);
  EXPECT_LE(rr.unreachable_max, kRefreshLatest + 1s);
  EXPECT_EQ(rr.reachable, 12);
  EXPECT_EQ(pops_->report(1, restarted).affected, 0);
}

// ---- a peer dies --------------------------------------------------------------------------

TEST_F(EndpointsTest, WhenAPeerDiesOutboundStaysReachableSrvAndRoundRobinMoveStaticWaits) {
  make();
  const auto [outbound, srv, rr, fixed] = add_every_sip_option();
  run(60s);
  const std::vector<int> srv_on_2 = on_peer(srv, 2);
  const std::vector<int> rr_on_2 = on_peer(rr, 2);
  const std::vector<int> static_on_2 = on_peer(fixed, 2);
  ASSERT_FALSE(srv_on_2.empty());
  ASSERT_FALSE(rr_on_2.empty());
  ASSERT_FALSE(static_on_2.empty());

  const Duration died = twin_->now();
  twin_->crash(2);
  run(4min);

  // Outbound: the flow to the other peer was up all along.
  EXPECT_EQ(pops_->report(outbound, died).affected, 0);
  EXPECT_EQ(pops_->report(outbound, died).reachable, kPerPopulation);
  // SRV and round-robin: those on peer 2 moved to another peer within the bounds, the others never noticed.
  for (auto [p, moved] : {std::pair{srv, srv_on_2}, std::pair{rr, rr_on_2}}) {
    expect_moved(p, moved, 2, died, p == srv ? kSrvFailoverBound : kRoundRobinFailoverBound);
    const PopulationReport report = pops_->report(p, died);
    EXPECT_EQ(report.affected, static_cast<int>(moved.size())) << report.name;
    EXPECT_EQ(report.moved, static_cast<int>(moved.size())) << report.name;
    EXPECT_EQ(report.reachable, kPerPopulation) << report.name;
  }
  // Static: unreachable for as long as the peer is down, then back on it.
  for (int i : static_on_2) EXPECT_FALSE(pops_->reachable(fixed, i));
  const Duration restarted = twin_->now();
  twin_->restart(2);
  run(2min);
  for (int i : static_on_2) {
    const EndpointRecord& r = pops_->record(fixed, i);
    EXPECT_TRUE(pops_->reachable(fixed, i)) << r.user;
    EXPECT_EQ(r.current_peer(), 2) << r.user;
    EXPECT_GE(r.unreachable(died, twin_->now()), restarted - died - kRefreshLatest) << r.user;
    // Back within one retry interval (30 s) and a connection attempt after the restart.
    EXPECT_LE(r.unreachable(restarted, twin_->now()), 30s + 10s + 5s) << r.user;
  }
  EXPECT_EQ(pops_->report(fixed, died).affected, static_cast<int>(static_on_2.size()));
}

TEST_F(EndpointsTest, OutboundFlowsToARestartedPeerAreEstablishedAgain) {
  make();
  const int outbound = add(EndpointKind::SipOutbound, "sip-outbound");
  run(60s);
  twin_->crash(1);
  run(3min);
  // Only the flows to peers 2 and 3 exist now.
  EXPECT_EQ(pops_->registered_per_peer(outbound)[1], 0);
  twin_->restart(1);
  run(10min);  // RFC 5626 backoff with another flow up: 45-90 s, doubling
  EXPECT_EQ(pops_->registered_per_peer(outbound)[1], 2 * kPerPopulation / kPeers);
  EXPECT_EQ(bindings(1), static_cast<std::size_t>(2 * kPerPopulation / kPeers));
  EXPECT_EQ(pops_->report(outbound, 0s).affected, 0);
}

// ---- maintenance mode ---------------------------------------------------------------------

TEST_F(EndpointsTest, MaintenanceModeMovesSrvAndRoundRobinEndpointsAndHoldsStaticOnesOff) {
  make();
  const auto [outbound, srv, rr, fixed] = add_every_sip_option();
  run(60s);
  const std::vector<int> srv_on_3 = on_peer(srv, 3);
  const std::vector<int> rr_on_3 = on_peer(rr, 3);
  const std::vector<int> static_on_3 = on_peer(fixed, 3);
  const Duration started = twin_->now();
  set_maintenance(3, true);
  run(2min);
  EXPECT_EQ(pops_->report(outbound, started).affected, 0);
  for (auto [p, moved] : {std::pair{srv, srv_on_3}, std::pair{rr, rr_on_3}}) {
    // A refresh answered 503 moves it at once: unreachable only until that refresh.
    expect_moved(p, moved, 3, started, kRefreshLatest + 1s);
    EXPECT_EQ(pops_->report(p, started).reachable, kPerPopulation);
  }
  // Static endpoints keep asking peer 3 (every Retry-After) and are refused.
  for (int i : static_on_3) EXPECT_FALSE(pops_->reachable(fixed, i));
  EXPECT_GT(twin_->peer(3)->sip()->registrar().counts().refused_maintenance, static_on_3.size());
  const Duration ended = twin_->now();
  set_maintenance(3, false);
  run(2min);
  for (int i : static_on_3) {
    EXPECT_TRUE(pops_->reachable(fixed, i));
    EXPECT_LE(pops_->record(fixed, i).unreachable(ended, twin_->now()), 60s + 5s);  // Retry-After: 60
  }
}

// ---- partitions ---------------------------------------------------------------------------

TEST_F(EndpointsTest, APeerCutOffFromTheEndpointsIsLeftLikeADeadOne) {
  make();
  const int outbound = add(EndpointKind::SipOutbound, "sip-outbound");
  const int srv = add(EndpointKind::SipSrv, "sip-srv");
  const int fixed = add(EndpointKind::SipStatic, "sip-static");
  run(60s);
  const std::vector<int> srv_on_1 = on_peer(srv, 1);
  const std::vector<int> static_on_1 = on_peer(fixed, 1);
  const Duration cut = twin_->now();
  pops_->isolate_peer(1);
  run(3min);
  EXPECT_EQ(pops_->report(outbound, cut).affected, 0);
  expect_moved(srv, srv_on_1, 1, cut, kSrvFailoverBound);
  for (int i : static_on_1) EXPECT_FALSE(pops_->reachable(fixed, i));
  pops_->reconnect_peer(1);
  run(2min);
  for (int i : static_on_1) EXPECT_TRUE(pops_->reachable(fixed, i));
  // SRV endpoints stick with the peer they moved to.
  for (int i : srv_on_1) EXPECT_NE(pops_->record(srv, i).current_peer(), 1);
}

// ---- H.323 -------------------------------------------------------------------------------

// A keep-alive RRQ goes 10 s before the 60 s timeToLive runs out; a dead
// gatekeeper is given up after 3 sends 3 s apart; the first alternate answers.
constexpr Duration kH323FailoverBound = 50s + 9s + 2s;

TEST_F(EndpointsTest, H323EndpointsOfEveryOptionTurnToAnAlternateGatekeeperWhenTheirPeerDies) {
  make();
  form();
  const int srv = add_h323(EndpointKind::H323Srv, "h323-srv");
  const int rr = add_h323(EndpointKind::H323RoundRobin, "h323-rr");
  const int fixed = add_h323(EndpointKind::H323Static, "h323-static");
  run(60s);
  EXPECT_EQ(h323_registrations(), static_cast<std::size_t>(3 * kPerPopulation));
  for (int p : {srv, rr}) {
    const auto per_peer = pops_->registered_per_peer(p);
    for (int n = 1; n <= kPeers; ++n) EXPECT_GT(per_peer[static_cast<std::size_t>(n)], 3) << pops_->spec(p).name;
  }
  std::map<int, std::vector<int>> on_2;
  for (int p : {srv, rr, fixed}) {
    on_2[p] = on_peer(p, 2);
    ASSERT_FALSE(on_2[p].empty());
  }
  const Duration died = twin_->now();
  twin_->crash(2);
  run(3min);
  // Static ones too: the guide sends every H.323 endpoint to an alternate gatekeeper.
  for (int p : {srv, rr, fixed}) {
    expect_moved(p, on_2[p], 2, died, kH323FailoverBound);
    const PopulationReport report = pops_->report(p, died);
    EXPECT_EQ(report.affected, static_cast<int>(on_2[p].size())) << report.name;
    EXPECT_EQ(report.reachable, kPerPopulation) << report.name;
  }
}

TEST_F(EndpointsTest, H323EndpointsLeaveAPeerInMaintenanceModeForAnAlternate) {
  make();
  form();
  const int fixed = add_h323(EndpointKind::H323Static, "h323-static");
  run(60s);
  const std::vector<int> on_1 = on_peer(fixed, 1);
  ASSERT_FALSE(on_1.empty());
  const Duration started = twin_->now();
  set_maintenance(1, true);
  run(2min);
  // The refused keep-alive is the endpoint's first word since: unreachable until then.
  expect_moved(fixed, on_1, 1, started, 50s + 1s);
}

// ---- determinism and refusals -------------------------------------------------------------

std::uint64_t scenario_hash(std::uint64_t seed) {
  ClusterTwinOptions options;
  options.seed = seed;
  options.hosts = 3;
  auto twin = ClusterTwin::create(options).value();
  EXPECT_TRUE(publish_cluster_records(*twin, kCluster).ok());
  std::uint64_t hash = 0;
  {
    EndpointPopulations pops(*twin);
    for (auto [kind, name] : {std::pair{EndpointKind::SipOutbound, "o"}, std::pair{EndpointKind::SipSrv, "s"},
                              std::pair{EndpointKind::SipRoundRobin, "r"}, std::pair{EndpointKind::SipStatic, "t"}}) {
      PopulationSpec spec;
      spec.name = name;
      spec.kind = kind;
      spec.count = 10;
      EXPECT_TRUE(pops.add(spec).ok());
    }
    EXPECT_TRUE(twin->run_for(60s).ok());
    twin->crash(2);
    EXPECT_TRUE(twin->run_for(2min).ok());
    hash = twin->trace_hash() ^ static_cast<std::uint64_t>(to_ns(pops.report(0, 0s).unreachable_total + pops.report(1, 0s).unreachable_total));
  }
  return hash;
}

TEST(EndpointsDeterminismTest, TheSameSeedGivesTheSameTraceAndTheSameOutages) {
  EXPECT_EQ(scenario_hash(21), scenario_hash(21));
  EXPECT_NE(scenario_hash(21), scenario_hash(22));
}

TEST_F(EndpointsTest, BadPopulationsAreRefusedByName) {
  make();
  PopulationSpec spec;
  spec.kind = EndpointKind::SipSrv;
  auto refused = [&](PopulationSpec s) { auto r = pops_->add(std::move(s)); return r.ok() ? std::string("(added)") : r.error().message; };
  EXPECT_NE(refused(spec).find("needs a name"), std::string::npos);
  spec.name = "x";
  spec.count = 0;
  EXPECT_NE(refused(spec).find("count must be"), std::string::npos);
  spec.count = 1;
  spec.peers = {9};
  EXPECT_NE(refused(spec).find("peer 9"), std::string::npos);
  spec.peers = {1};
  spec.kind = EndpointKind::SipOutbound;
  EXPECT_NE(refused(spec).find("two peers"), std::string::npos);
  spec.kind = EndpointKind::SipSrv;
  spec.sip.refresh_at_min = 0.95;
  spec.sip.refresh_at_max = 0.9;
  EXPECT_NE(refused(spec).find("refresh share"), std::string::npos);
  spec.sip = {};
  spec.name = "peer1";
  EXPECT_NE(refused(spec).find("already taken"), std::string::npos);
}

}  // namespace
}  // namespace tandem::sim::endpoints
