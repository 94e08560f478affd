// The proof that the seam holds, in the twin: the heartbeat demo (written only
// against Env) replays bit for bit from its seed, notices partitions and heals,
// and loses its memory but not its synced files in a crash.

#include "simulator/demo_twin.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace tandem::sim {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<DemoTwin> make_twin(std::size_t hosts, std::uint64_t seed) {
  DemoTwinOptions options;
  options.hosts = hosts;
  options.seed = seed;
  auto twin = DemoTwin::create(options);
  EXPECT_TRUE(twin.ok()) << (twin.ok() ? "" : twin.error().message);
  return std::move(twin.value());
}

std::vector<std::string> all_but(const DemoTwin& twin, std::size_t skip, std::size_t n) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != skip) names.push_back("h" + std::to_string(i + 1));
  }
  (void)twin;
  return names;
}

TEST(DemoTwin, SameSeedGivesTheSameTraceHashEveryRun) {
  auto first = run_demo_scenario(DemoTwinOptions{.hosts = 3, .seed = 42}, 60s);
  auto second = run_demo_scenario(DemoTwinOptions{.hosts = 3, .seed = 42}, 60s);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->trace_hash, second->trace_hash);
  EXPECT_EQ(first->events, second->events);
  EXPECT_EQ(first->timeline, second->timeline);
  EXPECT_GT(first->trace_records, 500u);
}

TEST(DemoTwin, DifferentSeedGivesADifferentTrace) {
  auto a = run_demo_scenario(DemoTwinOptions{.hosts = 3, .seed = 1}, 30s);
  auto b = run_demo_scenario(DemoTwinOptions{.hosts = 3, .seed = 2}, 30s);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->trace_hash, b->trace_hash);
}

TEST(DemoTwin, EveryHostReachesEveryOther) {
  auto twin = make_twin(4, 3);
  ASSERT_TRUE(twin->sim().run_for(5s).ok());
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(twin->service(i)->reachable(), all_but(*twin, i, 4)) << twin->service(i)->summary();
    for (const auto& peer : twin->service(i)->peers()) {
      ASSERT_TRUE(peer.last_rtt);
      EXPECT_GE(*peer.last_rtt, Duration(500us));  // two crossings of a 250 us link, plus jitter
      EXPECT_LT(*peer.last_rtt, Duration(2ms));
    }
  }
}

TEST(DemoTwin, PartitionStopsReachabilityAndHealRestoresIt) {
  auto twin = make_twin(3, 5);
  Simulation& sim = twin->sim();
  ASSERT_TRUE(sim.run_for(5s).ok());
  sim.network().partition(twin->host(0).index(), twin->host(2).index());
  ASSERT_TRUE(sim.run_for(10s).ok());
  EXPECT_EQ(twin->service(0)->reachable(), (std::vector<std::string>{"h2"}));
  EXPECT_EQ(twin->service(2)->reachable(), (std::vector<std::string>{"h2"}));
  EXPECT_EQ(twin->service(1)->reachable(), (std::vector<std::string>{"h1", "h3"}));
  const auto echoes_during = twin->service(0)->peers()[1].echoes;  // h1's view of h3

  sim.network().heal(twin->host(0).index(), twin->host(2).index());
  auto healed = sim.run_until([&] { return twin->service(0)->reachable().size() == 2; }, 60s);
  ASSERT_TRUE(healed.ok());
  EXPECT_TRUE(*healed);
  EXPECT_GT(twin->service(0)->peers()[1].echoes, echoes_during);
}

TEST(DemoTwin, OneWayPartitionIsSeenByTheSideThatLosesEchoes) {
  auto twin = make_twin(2, 9);
  Simulation& sim = twin->sim();
  ASSERT_TRUE(sim.run_for(5s).ok());
  // h2 can no longer send to h1: h1's heartbeats reach h2 but the echoes do not
  // come back, and h2's own heartbeats never arrive. Both lose the other.
  sim.network().partition_one_way(twin->host(1).index(), twin->host(0).index());
  ASSERT_TRUE(sim.run_for(10s).ok());
  EXPECT_TRUE(twin->service(0)->reachable().empty());
  EXPECT_TRUE(twin->service(1)->reachable().empty());
  const auto answered = twin->service(1)->heartbeats_answered();
  ASSERT_TRUE(sim.run_for(5s).ok());
  EXPECT_GT(twin->service(1)->heartbeats_answered(), answered);  // h1 -> h2 still flows
}

TEST(DemoTwin, CrashLosesMemoryButKeepsSyncedFiles) {
  auto twin = make_twin(3, 11);
  Simulation& sim = twin->sim();
  ASSERT_TRUE(sim.run_for(10s).ok());
  ASSERT_EQ(twin->service(1)->boot_count(), 1u);
  EXPECT_GT(twin->service(1)->peers()[0].echoes, 5u);

  twin->host(1).crash();
  EXPECT_EQ(twin->service(1), nullptr);
  ASSERT_TRUE(sim.run_for(10s).ok());
  EXPECT_EQ(twin->service(0)->reachable(), (std::vector<std::string>{"h3"}));

  twin->host(1).restart();
  ASSERT_NE(twin->service(1), nullptr);
  EXPECT_EQ(twin->service(1)->boot_count(), 2u);         // the synced boot counter survived
  EXPECT_EQ(twin->service(1)->peers()[0].echoes, 0u);    // in-memory counters did not
  auto back = sim.run_until([&] { return twin->service(0)->reachable().size() == 2; }, 60s);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back);
}

TEST(DemoTwin, TraceExportsAsVersionedJsonLinesEndingWithTheHash) {
  const std::string path = ::testing::TempDir() + "/demo-trace.jsonl";
  auto report = run_demo_scenario(DemoTwinOptions{.hosts = 3, .seed = 42}, 20s, path);
  ASSERT_TRUE(report.ok());
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines.front().rfind("{\"format\":\"tandem-trace\",\"version\":1,\"seed\":42,", 0), 0u) << lines.front();
  EXPECT_NE(lines.front().find("\"hosts\":[\"h1\",\"h2\",\"h3\"]"), std::string::npos);
  EXPECT_EQ(lines.size(), report->trace_records + 2);
  EXPECT_NE(lines.back().find("\"hash\":\"" + report->trace_hash + "\""), std::string::npos);
  bool saw_partition = false;
  for (const auto& line : lines) saw_partition |= line.find("\"kind\":\"fault.partition\"") != std::string::npos;
  EXPECT_TRUE(saw_partition);
}

}  // namespace
}  // namespace tandem::sim
