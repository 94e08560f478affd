// Licence pooling: the sum of what peers installed, an unreachable peer's share
// kept for 14 days from its last contact, every peer capped by its platform.

#include "runtime/cluster/licences.hpp"

#include <gtest/gtest.h>

namespace tandem::cluster {
namespace {

using namespace std::chrono_literals;
const WallTime kNow = WallTime(std::chrono::hours(24 * 20500));

TEST(Licences, ThePoolIsTheSumOfPeersInContact) {
  const auto pool = pool_licences({{1, {10, 100, 0}, true, {}}, {2, {5, 50, 100}, true, {}}, {3, {0, 25, 0}, true, {}}}, kNow);
  EXPECT_EQ(pool.total, (Licences{15, 175, 100}));
  EXPECT_TRUE(pool.borrowed_from.empty());
}

TEST(Licences, AnUnreachablePeersLicencesStayForFourteenDaysFromLastContact) {
  auto peers = std::vector<PeerLicences>{{1, {10, 100, 0}, true, {}}, {2, {20, 200, 0}, false, kNow - 24h * 14}};
  auto pool = pool_licences(peers, kNow);
  EXPECT_EQ(pool.total, (Licences{30, 300, 0}));  // exactly 14 days: still counted
  EXPECT_EQ(pool.borrowed_from, std::vector<int>{2});
  peers[1].last_contact = kNow - 24h * 14 - 1s;
  pool = pool_licences(peers, kNow);
  EXPECT_EQ(pool.total, (Licences{10, 100, 0}));  // one second later: gone
  EXPECT_EQ(pool.expired, std::vector<int>{2});
}

TEST(Licences, APeerNeverContactedBringsNothing) {
  const auto pool = pool_licences({{1, {10, 100, 0}, true, {}}, {2, {20, 200, 0}, false, std::nullopt}}, kNow);
  EXPECT_EQ(pool.total, (Licences{10, 100, 0}));
  EXPECT_EQ(pool.expired, std::vector<int>{2});
}

TEST(Licences, AClockSetBackDoesNotEndTheBorrowingEarly) {
  // Wall clock jumped back a day (NTP fault): the last contact now lies in the future.
  const auto pool = pool_licences({{1, {1, 1, 1}, true, {}}, {2, {2, 2, 2}, false, kNow + 24h}}, kNow);
  EXPECT_EQ(pool.total, (Licences{3, 3, 3}));
}

TEST(Licences, EachPeerIsCappedByItsPlatform) {
  const auto pool = pool_licences({{1, {400, 2000, 5000}, true, {}}}, kNow);
  EXPECT_EQ(usable_on(pool, Platform::SmallVm), platform_capacity(Platform::SmallVm));
  EXPECT_EQ(usable_on(pool, Platform::LargeVm), (Licences{400, 500, 5000}));
}

}  // namespace
}  // namespace tandem::cluster
