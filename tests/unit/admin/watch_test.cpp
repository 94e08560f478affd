// The change stream a live GUI long-polls, on twin peers: at once when the
// client is behind, later when something changes, and on its deadline with
// the same sequence number when nothing did.

#include "runtime/admin/watch.hpp"

#include <gtest/gtest.h>

#include "tests/unit/admin/admin_twin.hpp"

namespace tandem::admin {
namespace {

using cluster::AlarmId;

class WatchTest : public AdminTwin {
 protected:
  std::shared_ptr<Pending> watch(int slot, std::uint64_t after, int wait_ms) {
    return send(slot, "GET", "/api/v1/watch?after=" + std::to_string(after) + "&wait_ms=" + std::to_string(wait_ms),
                basic("admin", kAdminPassword));
  }
  // The current sequence number, from a request that is behind on purpose.
  std::uint64_t current(int slot) {
    auto now = watch(slot, 0, 0);
    EXPECT_TRUE(now->response.has_value());
    return now->json()["seq"].get<std::uint64_t>();
  }
};

TEST_F(WatchTest, AClientThatIsBehindIsAnsweredAtOnceWithStatusAndAlarms) {
  build(1, false);
  start(1);
  auto reply = watch(1, 0, 30000);
  ASSERT_TRUE(reply->response.has_value());
  EXPECT_EQ(reply->response->status, 200);
  const Json body = reply->json();
  EXPECT_GE(body["seq"].get<std::uint64_t>(), 1u);
  EXPECT_EQ(body["status"]["SystemUnit"]["Name"], "vcs-1");
  EXPECT_EQ(body["alarms"], Json::array());
}

TEST_F(WatchTest, AWaitingClientIsAnsweredWhenAnAlarmIsRaised) {
  cluster_of_two();
  const std::uint64_t seq = current(1);
  auto reply = watch(1, seq, 30000);
  EXPECT_FALSE(reply->response.has_value());
  run(2s);
  EXPECT_FALSE(reply->response.has_value()) << "nothing changed, yet it answered: " << reply->response->body;
  host(2).crash();
  const MonoTime crashed = sim_.now();
  ASSERT_TRUE(sim_.run_until([&] { return reply->response.has_value(); }, 30s).value());
  // Peer 2 goes Failed once it has been silent for the failure window, and the
  // communication alarm goes up with it: one answer, well before the deadline.
  EXPECT_LT(sim_.now() - crashed, 10s);
  const Json body = reply->json();
  EXPECT_GT(body["seq"].get<std::uint64_t>(), seq);
  run(10s);
  ASSERT_TRUE(peer(1).alarms().active(AlarmId::ClusterCommunicationFailure));
  auto behind = watch(1, seq, 30000);
  ASSERT_TRUE(behind->response.has_value());
  const Json now = behind->json();
  bool alarmed = false;
  for (const Json& alarm : now["alarms"]) alarmed |= alarm["id"] == 20011;
  EXPECT_TRUE(alarmed) << behind->response->body;
  EXPECT_EQ(now["status"]["Cluster"]["Peers"][1]["State"], "Failed");
}

TEST_F(WatchTest, WithNothingNewItAnswersAtItsDeadlineWithTheSameNumber) {
  cluster_of_two();
  const std::uint64_t seq = current(1);
  auto reply = watch(1, seq, 2000);
  run(1999ms);
  EXPECT_FALSE(reply->response.has_value());
  run(1ms);
  ASSERT_TRUE(reply->response.has_value());
  EXPECT_EQ(reply->json()["seq"], seq);
  EXPECT_TRUE(reply->json()["status"]["Cluster"]["Peers"][1]["RttMs"].is_number());  // measurements come along
}

TEST_F(WatchTest, AConfigurationChangeThatMovesTheStatusWakesEveryWatcher) {
  build(1, false);
  start(1);
  const std::uint64_t seq = current(1);
  auto first = watch(1, seq, 30000);
  auto second = watch(1, seq, 30000);
  ASSERT_EQ(call(1, "POST", "/api/v1/command/MaintenanceMode", R"({"args": {"Mode": "On"}})").status, 200);
  run(kWatchPollInterval);
  ASSERT_TRUE(first->response.has_value());
  ASSERT_TRUE(second->response.has_value());
  EXPECT_EQ(first->json()["seq"], seq + 1);
  EXPECT_EQ(first->json()["status"]["SystemUnit"]["MaintenanceMode"], "On");
  EXPECT_EQ(second->response->body, first->response->body);
}

TEST_F(WatchTest, WaitersAreBoundedAndTheWaitIsCapped) {
  build(1, false);
  start(1);
  const std::uint64_t seq = current(1);
  std::vector<std::shared_ptr<Pending>> waiting;
  for (std::size_t i = 0; i < kMaxWatchers; ++i) waiting.push_back(watch(1, seq, 30000));
  for (const auto& w : waiting) EXPECT_FALSE(w->response.has_value());
  auto refused = watch(1, seq, 30000);
  ASSERT_TRUE(refused->response.has_value());
  EXPECT_EQ(refused->response->status, 503);
  EXPECT_EQ(refused->json()["error"], "32 watchers are already waiting on this peer; try again shortly");
  auto too_long = watch(1, seq, 30001);
  ASSERT_TRUE(too_long->response.has_value());
  EXPECT_EQ(too_long->response->status, 400);
  EXPECT_EQ(too_long->json()["error"], "wait_ms '30001' is not a whole number from 0 to 30000");
  run(30s);
  for (const auto& w : waiting) EXPECT_TRUE(w->response.has_value());
  EXPECT_EQ(watch(1, seq, 1000)->response.has_value(), false);  // room again
}

TEST_F(WatchTest, AWaiterWhosePeerIsGoneIsNeverAnswered) {
  build(1, false);
  start(1);
  auto reply = watch(1, current(1), 30000);
  host(1).crash();  // the API goes with the process
  run(60s);
  EXPECT_FALSE(reply->response.has_value());
}

}  // namespace
}  // namespace tandem::admin
