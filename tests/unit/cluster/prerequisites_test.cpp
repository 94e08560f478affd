// The guide's clustering prerequisites, item by item.

#include "runtime/cluster/prerequisites.hpp"

#include <gtest/gtest.h>

namespace tandem::cluster {
namespace {

using namespace std::chrono_literals;

PeerFacts good(int n) {
  PeerFacts p;
  p.address = "10.0.0." + std::to_string(n);
  p.system_name = "vcs-" + std::to_string(n);
  p.software_version = "X8.9.1";
  p.platform = n == 2 ? Platform::Appliance : Platform::MediumVm;  // equivalent
  p.lan_addresses = {p.address, "fd00::" + std::to_string(n)};
  p.feature_keys_hash = "keys";
  p.dns_servers = 1;
  p.ntp_synchronized = true;
  p.round_trip = 2ms;
  return p;
}

const CheckItem& item(const std::vector<CheckItem>& items, std::string_view prefix) {
  for (const auto& i : items) {
    if (i.name.rfind(prefix, 0) == 0) return i;
  }
  ADD_FAILURE() << "no check item " << prefix;
  return items.front();
}

TEST(Prerequisites, AGoodClusterPassesEveryItem) {
  const auto items = check_prerequisites({good(1), good(2), good(3)});
  EXPECT_EQ(items.size(), 10u);
  for (const auto& i : items) EXPECT_TRUE(i.passed) << i.name << ": " << i.detail;
  EXPECT_TRUE(all_passed(items));
}

TEST(Prerequisites, EachBrokenRuleIsReportedWithThePeersNamed) {
  auto a = good(1), b = good(2), c = good(3);
  c.software_version = "X8.10";
  c.platform = Platform::LargeVm;
  c.lan_addresses = {"10.0.0.1"};
  b.system_name = "vcs-1";
  c.feature_keys_hash = "other";
  b.h323_on = false;
  a.dns_servers = 0;
  c.ntp_synchronized = false;
  b.round_trip = 45ms;
  a.neighbour_addresses = {"10.0.0.3", "192.0.2.7"};
  const auto items = check_prerequisites({a, b, c});
  EXPECT_FALSE(all_passed(items));
  EXPECT_EQ(item(items, "All peers run the same software").detail, "X8.10 on 10.0.0.3; X8.9.1 on 10.0.0.1, 10.0.0.2");
  EXPECT_NE(item(items, "All peers run on equivalent").detail.find("Large VM on 10.0.0.3"), std::string::npos);
  EXPECT_EQ(item(items, "Each peer has its own LAN").detail, "'10.0.0.1' on 10.0.0.1 and 10.0.0.3");
  EXPECT_EQ(item(items, "Each peer has its own system name").detail, "'vcs-1' on 10.0.0.1 and 10.0.0.2");
  EXPECT_FALSE(item(items, "All peers have the same feature").passed);
  EXPECT_EQ(item(items, "H.323 mode").detail, "10.0.0.2: H.323 mode is Off");
  EXPECT_EQ(item(items, "Every peer has a DNS").detail, "10.0.0.1: no DNS server configured");
  EXPECT_EQ(item(items, "Every peer's NTP").detail, "10.0.0.3: NTP is not synchronized");
  EXPECT_EQ(item(items, "Every peer is within 30 ms").detail, "10.0.0.2: round trip 45 ms");
  EXPECT_EQ(item(items, "No peer is also").detail, "10.0.0.1 has peer 10.0.0.3 in a neighbour zone");
}

}  // namespace
}  // namespace tandem::cluster
