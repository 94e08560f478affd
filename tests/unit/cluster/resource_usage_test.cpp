// Resource usage over UDP 1719: the datagram codec against hostile bytes, and
// the service in the twin: peers learn each other's usage and add it up, hear
// a change within a network round trip, ignore forged, duplicated, reordered
// and old datagrams, forget a crashed peer and take its restart, converge
// through 30% loss, and replay bit for bit from a seed.

#include "runtime/cluster/resource_usage.hpp"

#include <gtest/gtest.h>

#include "runtime/core/random.hpp"
#include "runtime/env/tls/pki.hpp"
#include "runtime/peer.hpp"
#include "runtime/wire/frame.hpp"
#include "simulator/simulation.hpp"

namespace tandem::cluster {
namespace {

using namespace std::chrono_literals;

Usage usage(std::uint32_t registrations, std::uint32_t traversal, std::uint32_t non_traversal, std::uint32_t turn,
            std::map<std::uint16_t, std::uint32_t> pipes = {}) {
  return Usage{registrations, traversal, non_traversal, turn, std::move(pipes)};
}

std::vector<std::uint8_t> frame_of(std::uint8_t type, const std::vector<std::uint8_t>& payload) {
  return wire::encode_frame(type, payload);
}

// ---- the codec -----------------------------------------------------------------------

TEST(UsageCodecTest, EveryFieldRoundTrips) {
  const UsageDatagram sent{3, 0xfeedface12345678ULL, 41, usage(1200, 35, 90, 7, {{1, 768}, {77, 0}, {1000, 1920}})};
  const auto bytes = encode(sent);
  auto got = decode_usage_datagram(bytes);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, sent);
  EXPECT_EQ(bytes.size(), 8u + 34u + 3u * 6u);
}

TEST(UsageCodecTest, TheLargestDatagramIsSmallAndBounded) {
  Usage full;
  for (std::uint16_t pipe = 1; pipe <= kMaxUsagePipes; ++pipe) full.pipe_kbps[static_cast<std::uint16_t>(pipe * 15)] = 4096;
  const auto bytes = encode(UsageDatagram{6, ~0ULL, ~0ULL, full});
  EXPECT_EQ(bytes.size(), 426u);
  EXPECT_TRUE(decode_usage_datagram(bytes).ok());
}

TEST(UsageCodecTest, UsageThatCannotBeSentIsRefusedByName) {
  Usage too_many;
  for (std::uint16_t pipe = 1; pipe <= kMaxUsagePipes + 1; ++pipe) too_many.pipe_kbps[pipe] = 1;
  EXPECT_EQ(check_usage(too_many).error().message, "resource usage names 65 pipes; at most 64 fit in a datagram");
  EXPECT_EQ(check_usage(usage(0, 0, 0, 0, {{0, 1}})).error().message, "resource usage names pipe 0; pipes are 1..1000");
  EXPECT_FALSE(check_usage(usage(0, 0, 0, 0, {{1001, 1}})).ok());
  EXPECT_TRUE(check_usage(usage(0, 0, 0, 0, {{1000, 1}})).ok());
}

// The payload of a valid datagram, to corrupt one field at a time.
std::vector<std::uint8_t> payload(std::uint8_t slot, std::uint8_t pipe_count, std::vector<std::uint16_t> pipes) {
  wire::Writer w;
  w.u8(slot).u64(9).u64(1).u32(1).u32(2).u32(3).u32(4).u8(pipe_count);
  for (std::uint16_t pipe : pipes) w.u16(pipe).u32(64);
  return w.take();
}

TEST(UsageCodecTest, HostileDatagramsAreRefusedSayingWhatWasWrong) {
  auto with_trailing = payload(1, 0, {});
  with_trailing.push_back(0);
  auto after_frame = frame_of(kResourceUsageFrame, payload(1, 0, {}));
  after_frame.push_back(0);
  auto oversized = frame_of(kResourceUsageFrame, payload(1, 0, {}));
  oversized[4] = 0x7f;  // claims a 2 GB payload
  const struct {
    std::vector<std::uint8_t> bytes;
    std::string says;
  } cases[] = {
      {{}, "truncated at 0 bytes"},
      {{'T', 'D', 1, kResourceUsageFrame}, "truncated at 4 bytes"},
      {{'X', 'X', 1, kResourceUsageFrame, 0, 0, 0, 0}, "bad frame magic"},
      {{'T', 'D', 9, kResourceUsageFrame, 0, 0, 0, 0}, "unsupported frame version 9"},
      {oversized, "exceeds the limit of 418"},
      {frame_of(0x10, payload(1, 0, {})), "frame type 16 is not resource usage"},
      {frame_of(kResourceUsageFrame, payload(0, 0, {})), "'slot' 0 is not 1..6"},
      {frame_of(kResourceUsageFrame, payload(7, 0, {})), "'slot' 7 is not 1..6"},
      {frame_of(kResourceUsageFrame, payload(1, 65, {})), "'pipe_count' 65 exceeds 64"},
      {frame_of(kResourceUsageFrame, payload(1, 1, {0})), "'pipe' 0 is not 1..1000"},
      {frame_of(kResourceUsageFrame, payload(1, 1, {1001})), "'pipe' 1001 is not 1..1000"},
      {frame_of(kResourceUsageFrame, payload(1, 2, {5, 5})), "'pipe' 5 comes after pipe 5"},
      {frame_of(kResourceUsageFrame, payload(1, 2, {9, 3})), "'pipe' 3 comes after pipe 9"},
      {frame_of(kResourceUsageFrame, payload(1, 3, {1, 2})), "'pipe' needs 2 bytes, 0 left"},
      {frame_of(kResourceUsageFrame, with_trailing), "1 unexpected trailing bytes"},
      {after_frame, "1 bytes after the frame"},
  };
  for (const auto& c : cases) {
    auto got = decode_usage_datagram(c.bytes);
    ASSERT_FALSE(got.ok()) << c.says;
    EXPECT_NE(got.error().message.find(c.says), std::string::npos) << got.error().message << " / wanted: " << c.says;
    EXPECT_EQ(got.error().message.rfind("resource usage datagram: ", 0), 0u) << got.error().message;
  }
  // Every truncation of a valid datagram is refused, none read past its end.
  const auto valid = encode(UsageDatagram{2, 5, 6, usage(1, 2, 3, 4, {{10, 100}, {20, 200}})});
  for (std::size_t n = 0; n < valid.size(); ++n) {
    const std::vector<std::uint8_t> cut(valid.begin(), valid.begin() + static_cast<long>(n));
    EXPECT_FALSE(decode_usage_datagram(cut).ok()) << n << " bytes";
  }
}

// Random bytes, and valid datagrams with random damage: the decoder never
// crashes, and whatever it accepts is canonical (re-encodes to the same bytes).
TEST(UsageCodecTest, RandomAndMutatedBytesNeverCrashAndAcceptedOnesAreCanonical) {
  Random rng(Random::derive_seed(17, "usage-fuzz"));
  const auto valid = encode(UsageDatagram{4, 0x1234, 99, usage(10, 20, 30, 40, {{3, 300}, {4, 400}, {900, 9}})});
  std::size_t accepted = 0;
  for (int round = 0; round < 30000; ++round) {
    std::vector<std::uint8_t> bytes;
    switch (rng.below(3)) {
      case 0:  // noise of any length a datagram might have
        bytes.resize(rng.below(600));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.below(256));
        break;
      case 1: {  // a plausible header over noise
        std::vector<std::uint8_t> noise(rng.below(450));
        for (auto& b : noise) b = static_cast<std::uint8_t>(rng.below(256));
        bytes = frame_of(kResourceUsageFrame, noise);
        break;
      }
      default:  // a valid datagram with a few bytes changed, cut or added
        bytes = valid;
        for (std::uint64_t i = rng.below(4); i > 0; --i) bytes[rng.below(bytes.size())] = static_cast<std::uint8_t>(rng.below(256));
        if (rng.chance(0.3)) bytes.resize(rng.below(bytes.size() + 8));
    }
    const std::vector<std::uint8_t> exact(bytes);  // heap block of exactly this size: sanitizers see over-reads
    auto got = decode_usage_datagram(exact);
    if (!got.ok()) continue;
    ++accepted;
    EXPECT_EQ(encode(*got), exact);
  }
  EXPECT_GT(accepted, 100u);  // the mutations did reach the accepting paths
}

TEST(UsageCodecTest, TotalsAddUpKnownPeersAndNameTheUnknown) {
  std::vector<PeerUsage> peers(3);
  peers[0] = PeerUsage{.slot = 1, .usage = usage(10, 1, 2, 3, {{1, 384}, {2, 768}})};
  peers[1] = PeerUsage{.slot = 2};  // unknown: left out, not counted as zero
  peers[2] = PeerUsage{.slot = 3, .usage = usage(~0u, 4, 5, 6, {{2, 1920}})};
  const UsageTotals t = add_up(peers);
  EXPECT_EQ(t.registrations, 10ull + ~0u);  // no overflow across peers
  EXPECT_EQ(t.traversal_calls, 5u);
  EXPECT_EQ(t.non_traversal_calls, 7u);
  EXPECT_EQ(t.turn_relays, 9u);
  EXPECT_EQ(t.pipe_kbps, (std::map<std::uint16_t, std::uint64_t>{{1, 384}, {2, 2688}}));
  EXPECT_EQ(t.unknown, std::vector<int>{2});
}

// ---- the service in the twin -----------------------------------------------------------

struct UsageNode {
  std::unique_ptr<ResourceUsage> usage;  // none on a host that is not listed
};

// Hosts 10.0.0.1..n; the first `listed` of them are the cluster's peers.
class UsageCluster {
 public:
  UsageCluster(std::uint64_t seed, int hosts, int listed, bool keep_trace = false)
      : sim_(sim::SimulationOptions{.seed = seed, .keep_trace = keep_trace}) {
    settings_.cluster_name = "cluster.tandem.test";
    for (int i = 0; i < listed; ++i) settings_.peers[static_cast<std::size_t>(i)] = address(i + 1).to_string();
    for (int i = 0; i < hosts; ++i) {
      hosts_.push_back(sim_.add_host("h" + std::to_string(i + 1), {address(i + 1)}).value());
      initial_.push_back(Usage{});
    }
  }

  static IpAddress address(int n) { return IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(n)); }

  // Starts (or, after a crash, starts again) host n with its initial usage.
  void start(int n) {
    const ClusteringSettings settings = settings_;
    const Usage local = initial_[static_cast<std::size_t>(n - 1)];
    const ResourceUsageOptions options = options_;
    const bool listed = n <= settings.peer_count();
    host(n).start(sim::process_factory<UsageNode>([=](Env& env) {
      auto node = std::make_unique<UsageNode>();
      if (listed) node->usage = ResourceUsage::start(env, settings, n, {}, local, options).value();
      return node;
    }));
  }
  void start_all() {
    for (int n = 1; n <= static_cast<int>(hosts_.size()); ++n) start(n);
  }

  sim::SimHost& host(int n) { return *hosts_[static_cast<std::size_t>(n - 1)]; }
  ResourceUsage& usage(int n) { return *host(n).process<UsageNode>()->usage; }
  PeerUsage view(int viewer, int slot) { return usage(viewer).peer(slot); }
  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }

  // Another socket on host n: what it sends comes from that host's address.
  std::unique_ptr<DatagramSocket> socket_on(int n) {
    return host(n).env()->open_datagram(Endpoint{address(n), 0}, [](const Endpoint&, ByteView) {}).value();
  }
  void send(DatagramSocket& from, int to, const std::vector<std::uint8_t>& bytes) {
    from.send_to(Endpoint{address(to), kResourceUsagePort}, bytes);
  }

  sim::Simulation sim_;
  ClusteringSettings settings_;
  ResourceUsageOptions options_;
  std::vector<sim::SimHost*> hosts_;
  std::vector<Usage> initial_;
};

TEST(ResourceUsageTest, ThreePeersExchangeUsageAndTheTotalsAddUp) {
  UsageCluster c(11, 3, 3);
  c.initial_ = {usage(100, 5, 10, 2, {{1, 768}}), usage(40, 0, 3, 0, {{1, 384}, {2, 1920}}), usage(7, 1, 0, 9)};
  c.start_all();
  c.run(3s);
  for (int viewer = 1; viewer <= 3; ++viewer) {
    for (int slot = 1; slot <= 3; ++slot) {
      const PeerUsage p = c.view(viewer, slot);
      ASSERT_TRUE(p.usage.has_value()) << viewer << " sees " << slot;
      EXPECT_EQ(*p.usage, c.initial_[static_cast<std::size_t>(slot - 1)]) << viewer << " sees " << slot;
      EXPECT_EQ(p.self, viewer == slot);
      EXPECT_LE(*p.age, 1s);
    }
    const UsageTotals t = c.usage(viewer).totals();
    EXPECT_EQ(t.registrations, 147u);
    EXPECT_EQ(t.traversal_calls, 6u);
    EXPECT_EQ(t.non_traversal_calls, 13u);
    EXPECT_EQ(t.turn_relays, 11u);
    EXPECT_EQ(t.pipe_kbps, (std::map<std::uint16_t, std::uint64_t>{{1, 1152}, {2, 1920}}));
    EXPECT_TRUE(t.unknown.empty());
    EXPECT_EQ(c.usage(viewer).local_endpoint(), (Endpoint{UsageCluster::address(viewer), 1719}));
  }
}

TEST(ResourceUsageTest, AChangeIsSeenWithinARoundTripAndBurstsAreCoalesced) {
  UsageCluster c(12, 3, 3);
  c.sim_.network().set_default_link(sim::LinkSpec{20ms});
  c.start_all();
  c.run(2500ms);  // halfway between two periodic sends
  const std::uint64_t sent_before = c.sim_.network().stats().datagrams_sent;
  ASSERT_TRUE(c.usage(1).set_local(usage(1, 0, 0, 0)).ok());
  c.run(19ms);
  EXPECT_EQ(c.view(2, 1).usage->registrations, 0u);  // still on the wire
  c.run(21ms);  // one round trip after the change
  EXPECT_EQ(c.view(2, 1).usage->registrations, 1u);
  EXPECT_EQ(c.view(3, 1).usage->registrations, 1u);
  // A burst (a registrar reporting each registration) goes out as one more datagram.
  for (std::uint32_t n = 2; n <= 10; ++n) {
    ASSERT_TRUE(c.usage(1).set_local(usage(n, 0, 0, 0)).ok());
    c.run(5ms);
  }
  c.run(100ms);
  EXPECT_EQ(c.view(2, 1).usage->registrations, 10u);
  EXPECT_EQ(c.view(3, 1).usage->registrations, 10u);
  EXPECT_EQ(c.sim_.network().stats().datagrams_sent - sent_before, 4u);  // 2 rounds to 2 peers
  ASSERT_TRUE(c.usage(1).set_local(usage(10, 0, 0, 0)).ok());            // no change, nothing sent
  c.run(100ms);
  EXPECT_EQ(c.sim_.network().stats().datagrams_sent - sent_before, 4u);
}

TEST(ResourceUsageTest, DatagramsFromUnlistedAddressesOrClaimingAnotherSlotAreIgnored) {
  UsageCluster c(13, 4, 3);  // host 4 is not listed
  c.initial_[1] = usage(20, 0, 0, 0);
  c.start_all();
  c.run(3s);
  const auto outsider = c.socket_on(4);
  const auto neighbour = c.socket_on(3);
  const auto two = c.socket_on(2);
  // Forgeries that know peer 2's boot and a higher number still fail on the address.
  const UsageDatagram forged{2, c.usage(2).boot_id(), c.usage(2).next_seq() + 100, usage(999, 999, 999, 999)};
  c.send(*outsider, 1, encode(forged));
  c.send(*neighbour, 1, encode(forged));                                    // peer 3 claiming to be peer 2
  c.send(*two, 1, encode(UsageDatagram{1, 7, 0, usage(999, 0, 0, 0)}));    // claiming the receiver's own slot
  c.send(*outsider, 1, encode(UsageDatagram{5, 7, 0, usage(999, 0, 0, 0)}));  // a slot nobody is listed in
  c.send(*outsider, 1, std::vector<std::uint8_t>(100, 0xAB));
  c.run(10ms);
  EXPECT_EQ(c.view(1, 2).usage->registrations, 20u);
  EXPECT_EQ(c.view(1, 3).usage->registrations, 0u);
  EXPECT_EQ(c.usage(1).local().registrations, 0u);
  EXPECT_EQ(c.usage(1).drops(), (UsageDrops{.malformed = 1, .unlisted = 4, .stale = 0}));
  EXPECT_EQ(c.usage(1).totals().registrations, 20u);
  // One log line names the first; the rest wait for the next report.
  auto warnings = [&] {
    std::vector<std::string> lines;
    for (const auto& line : c.sim_.logs()) {
      if (line.host == c.host(1).index() && line.message.starts_with("ignoring a UDP 1719")) lines.push_back(line.message);
    }
    return lines;
  };
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0].find("ignoring a UDP 1719 datagram from 10.0.0.4:"), 0u) << warnings()[0];
  EXPECT_NE(warnings()[0].find("it claims slot 2, listed as 10.0.0.2"), std::string::npos) << warnings()[0];
  c.run(61s);
  c.send(*outsider, 1, std::vector<std::uint8_t>(3, 0));
  c.run(10ms);
  ASSERT_EQ(warnings().size(), 2u);
  EXPECT_NE(warnings()[1].find("(and 4 more since the last report)"), std::string::npos) << warnings()[1];
  EXPECT_EQ(c.view(1, 2).usage->registrations, 20u);  // and the real peer 2 is still heard
}

TEST(ResourceUsageTest, ReorderedDatagramsNeverRollAViewBack) {
  UsageCluster c(14, 2, 2);
  c.start_all();
  // Up to 300 ms of jitter from peer 2 to peer 1: datagrams overtake each other.
  c.sim_.network().set_link_one_way(c.host(2).index(), c.host(1).index(), sim::LinkSpec{5ms, 300ms});
  c.run(1s);
  std::uint32_t seen = 0;
  int rollbacks = 0;
  for (int ms = 1; ms <= 2000; ++ms) {
    if (ms % 20 == 0) {
      ASSERT_TRUE(c.usage(2).set_local(usage(static_cast<std::uint32_t>(ms / 20), 0, 0, 0)).ok());
    }
    c.run(1ms);
    const PeerUsage p = c.view(1, 2);
    ASSERT_TRUE(p.usage.has_value());
    if (p.usage->registrations < seen) ++rollbacks;
    seen = std::max(seen, p.usage->registrations);
  }
  c.run(2s);
  EXPECT_EQ(rollbacks, 0);
  EXPECT_EQ(c.view(1, 2).usage->registrations, 100u);
  EXPECT_GT(c.usage(1).drops().stale, 0u);  // reordering did happen, and was refused
}

TEST(ResourceUsageTest, ACrashedPeerGoesUnknownAfterStalenessAndItsRestartIsTaken) {
  UsageCluster c(15, 3, 3);
  c.initial_ = {usage(10, 0, 0, 0), usage(50, 2, 0, 0, {{4, 768}}), usage(5, 0, 0, 0)};
  c.start_all();
  c.run(3500ms);
  const std::uint64_t old_boot = c.view(1, 2).boot_id;
  const std::uint64_t old_seq = c.view(1, 2).seq;
  c.host(2).crash();
  c.run(3500ms);  // under 5 s since its last datagram: still counted
  ASSERT_TRUE(c.view(1, 2).usage.has_value());
  EXPECT_GE(*c.view(1, 2).age, 3500ms);
  EXPECT_EQ(c.usage(1).totals().registrations, 65u);
  c.run(3s);  // past the staleness period: unknown, not zero
  for (int viewer : {1, 3}) {
    EXPECT_FALSE(c.view(viewer, 2).usage.has_value()) << viewer;
    EXPECT_FALSE(c.view(viewer, 2).age.has_value()) << viewer;
    const UsageTotals t = c.usage(viewer).totals();
    EXPECT_EQ(t.unknown, std::vector<int>{2});
    EXPECT_EQ(t.registrations, 15u);
    EXPECT_TRUE(t.pipe_kbps.empty());
  }
  c.initial_[1] = usage(3, 0, 0, 0);  // back with nothing but a few re-registrations
  c.start(2);
  c.run(1s);
  PeerUsage back = c.view(1, 2);
  ASSERT_TRUE(back.usage.has_value());
  EXPECT_EQ(back.usage->registrations, 3u);
  EXPECT_NE(back.boot_id, old_boot);
  EXPECT_LT(back.seq, old_seq);  // numbered from 0 again, and still taken
  EXPECT_EQ(c.usage(1).totals().registrations, 18u);
  // Late datagrams of the earlier boot, and duplicates of the current one, change nothing.
  const auto two = c.socket_on(2);
  const std::uint64_t stale_before = c.usage(1).drops().stale;
  c.send(*two, 1, encode(UsageDatagram{2, old_boot, old_seq + 1000, usage(50, 2, 0, 0)}));
  c.send(*two, 1, encode(UsageDatagram{2, back.boot_id, back.seq, usage(77, 0, 0, 0)}));
  if (back.seq > 0) c.send(*two, 1, encode(UsageDatagram{2, back.boot_id, back.seq - 1, usage(78, 0, 0, 0)}));
  c.run(10ms);
  EXPECT_EQ(c.view(1, 2).usage->registrations, 3u);
  EXPECT_EQ(c.usage(1).drops().stale - stale_before, back.seq > 0 ? 3u : 2u);
}

class UsageLossTest : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(UsageLossTest, ThirtyPercentLossStillConverges) {
  UsageCluster c(GetParam(), 3, 3);
  c.sim_.network().set_default_link(sim::LinkSpec{.latency = 2ms, .loss = 0.3});
  c.start_all();
  c.run(3s);
  for (int n = 1; n <= 3; ++n) {
    const auto u = static_cast<std::uint32_t>(n);
    ASSERT_TRUE(c.usage(n).set_local(usage(10 * u, u, 2 * u, 0, {{static_cast<std::uint16_t>(u), 100 * u}})).ok());
  }
  auto converged = [&] {
    for (int viewer = 1; viewer <= 3; ++viewer) {
      const UsageTotals t = c.usage(viewer).totals();
      if (!t.unknown.empty() || t.registrations != 60 || t.pipe_kbps.size() != 3) return false;
    }
    return true;
  };
  auto settled = c.sim_.run_until(converged, 15s);
  ASSERT_TRUE(settled.ok());
  EXPECT_TRUE(*settled) << "seed " << GetParam();
  const UsageTotals t = c.usage(2).totals();
  EXPECT_EQ(t.traversal_calls, 6u);
  EXPECT_EQ(t.non_traversal_calls, 12u);
  EXPECT_EQ(t.pipe_kbps, (std::map<std::uint16_t, std::uint64_t>{{1, 100}, {2, 200}, {3, 300}}));
  EXPECT_GT(c.sim_.network().stats().datagrams_lost, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, UsageLossTest, ::testing::Range<std::uint64_t>(1, 11));

struct ScenarioResult {
  std::uint64_t trace_hash = 0;
  std::size_t usage_records = 0;
  UsageTotals totals;
};

// Loss, jitter, changes, a crash and a restart: everything the trace records.
ScenarioResult usage_scenario(std::uint64_t seed) {
  UsageCluster c(seed, 3, 3, true);
  c.sim_.network().set_default_link(sim::LinkSpec{.latency = 3ms, .jitter = 5ms, .loss = 0.1});
  c.start_all();
  c.run(2s);
  for (std::uint32_t step = 1; step <= 20; ++step) {
    (void)c.usage(1 + static_cast<int>(step % 2)).set_local(usage(step, step / 2, 0, 0, {{1, 64 * step}}));
    c.run(37ms);
  }
  c.host(3).crash();
  c.run(7s);
  c.start(3);
  c.run(3s);
  ScenarioResult r;
  r.trace_hash = c.sim_.trace().hash();
  for (const auto& record : c.sim_.trace().records()) r.usage_records += record.kind == "cluster.usage" ? 1 : 0;
  r.totals = c.usage(1).totals();
  return r;
}

TEST(ResourceUsageTest, TheTraceHashIsTheSameForTheSameSeed) {
  const ScenarioResult first = usage_scenario(21);
  const ScenarioResult second = usage_scenario(21);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_EQ(first.usage_records, second.usage_records);
  EXPECT_EQ(first.totals, second.totals);
  EXPECT_GT(first.usage_records, 10u);  // the service's own records feed the hash
  EXPECT_NE(usage_scenario(22).trace_hash, first.trace_hash);
}

// ---- on a whole Peer ---------------------------------------------------------------------

class PeerUsageTest : public ::testing::Test {
 protected:
  // n hosts on 10.0.0.1..n; every peer lists the first `listed` (by address, or by name).
  void build(int n, int listed, bool by_name = false) {
    const WallTime epoch = sim_.wall_epoch();
    cert_ = make_self_signed(CertificateRequest{"peer", {}, {}, epoch - 24h, epoch + 24h * 365, false}).value();
    for (int i = 1; i <= n; ++i) {
      hosts_.push_back(sim_.add_host("h" + std::to_string(i), {UsageCluster::address(i)}).value());
      sim_.dns().set_addresses("vcs" + std::to_string(i) + ".example.test", {UsageCluster::address(i)});
      std::vector<config::Change> install = {{"SystemUnit Name", "vcs-" + std::to_string(i)}};
      if (listed > 0) install.push_back({"Alternates Cluster Name", "cluster.tandem.test"});
      for (int p = 1; p <= listed; ++p) {
        const std::string address = by_name ? "vcs" + std::to_string(p) + ".example.test" : "10.0.0." + std::to_string(p);
        install.push_back({"Alternates Peer " + std::to_string(p) + " Address", address});
      }
      installs_.push_back(install);
    }
  }

  void start(int slot) {
    const auto install = installs_[static_cast<std::size_t>(slot - 1)];
    const IssuedCertificate cert = cert_;
    const std::uint16_t port = port_;
    host(slot).start(sim::process_factory<Peer>([install, cert, port](Env& env) {
      {
        auto store = config::Store::open(env.files(), config::vcs_schema()).value();
        TANDEM_ASSERT(store->apply(install, "install", env.wall_now()).ok());
      }
      PeerOptions options;
      options.software_version = "X8.9.1";
      options.tls = TlsConfig{cert.certificate_pem, cert.private_key_pem, {}, TlsVerifyMode::Permissive};
      options.resource_usage.port = port;
      return Peer::start(env, options).value();
    }));
  }

  sim::SimHost& host(int slot) { return *hosts_[static_cast<std::size_t>(slot - 1)]; }
  Peer& peer(int slot) { return *host(slot).process<Peer>(); }
  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }

  sim::Simulation sim_{sim::SimulationOptions{.seed = 4}};
  IssuedCertificate cert_;
  std::vector<sim::SimHost*> hosts_;
  std::vector<std::vector<config::Change>> installs_;
  std::uint16_t port_ = kResourceUsagePort;
};

TEST_F(PeerUsageTest, AClusteredPeerSharesTheUsageItsRegistrarSets) {
  port_ = 11719;  // the port is an option (tests, or a host where 1719 is taken)
  build(3, 3);
  for (int slot = 1; slot <= 3; ++slot) start(slot);
  run(3s);
  ASSERT_NE(peer(1).resource_usage(), nullptr);
  EXPECT_EQ(peer(1).resource_usage()->local_endpoint(), (Endpoint{UsageCluster::address(1), 11719}));
  // Zeros until the registrar reports: known zeros, not unknown.
  ASSERT_TRUE(peer(2).resource_usage()->peer(1).usage.has_value());
  EXPECT_EQ(*peer(2).resource_usage()->peer(1).usage, Usage{});
  const Usage busy = usage(12, 1, 2, 0, {{5, 768}});
  ASSERT_TRUE(peer(1).set_local_usage(busy).ok());
  run(20ms);
  EXPECT_EQ(*peer(2).resource_usage()->peer(1).usage, busy);
  EXPECT_EQ(peer(3).resource_usage()->totals().registrations, 12u);
  EXPECT_EQ(peer(3).resource_usage()->totals().pipe_kbps.at(5), 768u);
  // Usage that cannot be sent is refused and changes nothing.
  auto refused = peer(1).set_local_usage(usage(13, 0, 0, 0, {{0, 1}}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "resource usage names pipe 0; pipes are 1..1000");
  EXPECT_EQ(peer(1).local_usage(), busy);
  EXPECT_EQ(peer(1).resource_usage()->local(), busy);
}

TEST_F(PeerUsageTest, PeersListedByNameExchangeUsageOnTheirResolvedAddresses) {
  build(3, 3, true);
  for (int slot = 1; slot <= 3; ++slot) start(slot);
  run(3s);
  ASSERT_TRUE(peer(2).set_local_usage(usage(8, 0, 0, 0)).ok());
  run(20ms);
  for (int viewer : {1, 3}) {
    ASSERT_NE(peer(viewer).resource_usage(), nullptr);
    EXPECT_EQ(peer(viewer).resource_usage()->totals(), (UsageTotals{.registrations = 8})) << viewer;
  }
}

TEST_F(PeerUsageTest, AStandAlonePeerKeepsItsUsageWithoutOpeningThePort) {
  build(1, 0);
  start(1);
  EXPECT_EQ(peer(1).resource_usage(), nullptr);
  ASSERT_TRUE(peer(1).set_local_usage(usage(4, 0, 1, 0)).ok());
  EXPECT_EQ(peer(1).local_usage(), usage(4, 0, 1, 0));
  EXPECT_FALSE(peer(1).set_local_usage(usage(5, 0, 0, 0, {{1001, 1}})).ok());
  EXPECT_EQ(peer(1).local_usage(), usage(4, 0, 1, 0));
}

}  // namespace
}  // namespace tandem::cluster
