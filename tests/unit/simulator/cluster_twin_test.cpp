// ClusterTwin: twin peers that look like tandemd from outside. An operator
// forms a cluster purely through admin requests, following the guide's
// "Create a New Cluster" and "Add a Peer to a Cluster"; crashes, partitions
// and upgrades show as a real client would see them.

#include "simulator/cluster_twin.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <utility>
#include <vector>

#include "runtime/admin/http.hpp"
#include "runtime/cluster/alarms.hpp"
#include "runtime/peer.hpp"

namespace tandem::sim {
namespace {

using namespace std::chrono_literals;
using admin::Json;

constexpr char kClusterName[] = "cluster.tandem.test";
constexpr int kMaxPolls = 120;

class ClusterTwinTest : public ::testing::Test {
 protected:
  void make(int hosts, std::uint64_t seed = 1) {
    ClusterTwinOptions options;
    options.seed = seed;
    options.hosts = hosts;
    auto made = ClusterTwin::create(options);
    ASSERT_TRUE(made.ok()) << made.error().message;
    twin_ = std::move(*made);
  }

  Result<admin::Response> send(int n, std::string method, std::string target, std::string body = "") {
    return twin_->request(twin_->address(n), twin_->authorized(std::move(method), std::move(target), std::move(body)));
  }

  // The JSON of a request that must succeed with 200; null (and a failure) otherwise.
  Json ok(int n, std::string method, std::string target, std::string body = "") {
    const std::string what = method + " " + target + " on peer" + std::to_string(n);
    auto r = send(n, std::move(method), std::move(target), std::move(body));
    if (!r) {
      ADD_FAILURE() << what << ": " << r.error().message;
      return nullptr;
    }
    if (r->status != 200) {
      ADD_FAILURE() << what << ": " << r->status << " " << r->body;
      return nullptr;
    }
    return Json::parse(r->body);
  }

  Json status(int n, const std::string& words) { return ok(n, "GET", "/api/v1/status?path=" + encode(words)); }
  Json cluster(int n) { return status(n, "Cluster")["Cluster"]; }
  std::string get(int n, const std::string& path) {
    Json item = ok(n, "GET", "/api/v1/configuration?path=" + encode(path));
    return item.is_object() ? item.value("value", "") : "";
  }
  void set(int n, const std::vector<std::pair<std::string, std::string>>& changes) {
    Json list = Json::array();
    for (const auto& [path, value] : changes) list.push_back(Json{{"path", path}, {"value", value}});
    ok(n, "POST", "/api/v1/configuration", admin::to_text(Json{{"changes", list}}));
  }
  Json command(int n, const std::string& name, Json args = Json::object()) {
    return ok(n, "POST", "/api/v1/command/" + name, admin::to_text(Json{{"args", args}}));
  }
  std::set<int> alarm_ids(int n) {
    std::set<int> ids;
    const Json reply = ok(n, "GET", "/api/v1/alarms");  // kept: a loop over a temporary's part dangles
    for (const Json& a : reply["alarms"]) ids.insert(a["id"].get<int>());
    return ids;
  }
  static std::string encode(std::string text) {
    for (char& c : text) c = c == ' ' ? '+' : c;
    return text;
  }

  // Polls `condition` (which may send requests) once a second of virtual time.
  bool eventually(const std::function<bool()>& condition) {
    for (int i = 0; i < kMaxPolls; ++i) {
      if (condition()) return true;
      EXPECT_TRUE(twin_->run_for(1s).ok());
    }
    return false;
  }

  // Maintenance > Restart options > Restart, then wait for the web interface.
  void restart_through_api(int n) {
    const std::uint64_t before = twin_->host(n).incarnation();
    command(n, "Restart");
    ASSERT_TRUE(eventually([&] { return twin_->host(n).incarnation() > before && send(n, "GET", "/api/v1/status").ok(); }))
        << "peer" << n << " did not come back";
  }

  // System > Clustering as the guide fills it in, for a cluster of `members`.
  void set_clustering(int n, int members) {
    std::vector<std::pair<std::string, std::string>> changes = {{"Alternates Cluster Name", kClusterName},
                                                                {"Alternates ConfigurationMaster", "1"}};
    for (int p = 1; p <= members; ++p) changes.push_back({"Alternates Peer " + std::to_string(p) + " Address", twin_->address(p)});
    set(n, changes);
  }

  // "If there is an alarm that the VCS must be restarted ... restart each peer in turn".
  void restart_where_required(int members) {
    for (int p = 1; p <= members; ++p) {
      if (alarm_ids(p).contains(static_cast<int>(cluster::AlarmId::RestartRequired))) restart_through_api(p);
    }
  }

  // Create a New Cluster on peer 1.
  void create_cluster() {
    set(1, {{"H323 Gatekeeper TimeToLive", "60"}, {"Call Services CallSignalingOptimization", "On"}});
    set_clustering(1, 1);
    restart_through_api(1);  // step 15
    restart_where_required(1);
    ASSERT_TRUE(eventually([&] { return cluster(1)["DatabaseStatus"] == "Active"; }));
  }

  // Add a Peer to a Cluster: peer n joins peers 1..n-1.
  void add_peer(int n) {
    set_clustering(1, n);  // on the primary
    for (int p = 2; p < n; ++p) set_clustering(p, n);  // on every other subordinate
    command(n, "DefaultValueSet", Json{{"Level", 2}});
    command(n, "DefaultLinksAdd");
    set_clustering(n, n);
    restart_through_api(n);  // step 7
    restart_where_required(n);
    ASSERT_TRUE(eventually([&] { return converged(n); })) << "peers 1.." << n << " did not converge";
  }

  void form(int members) {
    create_cluster();
    for (int n = 2; n <= members; ++n) add_peer(n);
  }

  // Every member sees every other Active, its database Active at the primary's revision.
  bool converged(int members) {
    const Json primary = cluster(1);
    for (int p = 1; p <= members; ++p) {
      const Json c = cluster(p);
      if (!c.is_object()) return false;
      if (c["DatabaseStatus"] != "Active" || c["AppliedRevision"] != primary["AppliedRevision"]) return false;
      if (c["Peers"].size() != static_cast<std::size_t>(members)) return false;
      for (const Json& v : c["Peers"]) {
        if (v["State"] != "Active" && v["State"] != "This system") return false;
      }
    }
    return true;
  }

  std::unique_ptr<ClusterTwin> twin_;
};

TEST_F(ClusterTwinTest, FreshHostsAnswerLikeFreshlyInstalledTandemd) {
  make(3);
  for (int n = 1; n <= 3; ++n) {
    const Json unit = status(n, "SystemUnit")["SystemUnit"];
    EXPECT_EQ(unit["Name"], "PEER" + std::to_string(n));
    EXPECT_EQ(unit["Software"]["Version"], kBuildVersion);
    EXPECT_EQ(get(n, "IP DNS Hostname"), "peer" + std::to_string(n));
    EXPECT_EQ(get(n, "IP DNS Domain Name"), "tandem.test");
    EXPECT_EQ(get(n, "Ethernet 1 IP V4 Address"), "10.0.0." + std::to_string(n));
    EXPECT_EQ(cluster(n)["Clustered"], false);
    const auto dns = twin_->sim().dns().resolve("peer" + std::to_string(n) + ".tandem.test", DnsType::A);
    ASSERT_TRUE(dns.answer.ok());
    EXPECT_EQ(dns.answer->addresses, std::vector<IpAddress>{IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(n))});
  }
  // The admin password was hashed once for the whole twin.
  EXPECT_EQ(*twin_->peer(1)->get("Login Administrator 1 PasswordHash"),
            *twin_->peer(3)->get("Login Administrator 1 PasswordHash"));
  // A wrong password is refused as by tandemd.
  admin::Request wrong = twin_->authorized("GET", "/api/v1/status");
  wrong.authorization = "Basic YWRtaW46d3Jvbmc=";  // admin:wrong
  auto refused = twin_->request(twin_->address(1), wrong);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
}

TEST_F(ClusterTwinTest, OptionsOutOfRangeAreRefusedByName) {
  EXPECT_EQ(ClusterTwin::create({.hosts = 7}).error().message, "hosts must be 0 to 6, not 7");
  EXPECT_EQ(ClusterTwin::create({.hosts = 1, .admin_password = "short"}).error().message,
            "the admin password needs at least 8 characters");
}

TEST_F(ClusterTwinTest, AddedHostsTakeTheNextFreeAddressUpToTheTwinsLimit) {
  make(1);
  auto added = twin_->add_host();
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 2);
  EXPECT_EQ(twin_->address(2), "10.0.0.2");
  EXPECT_EQ(twin_->host_at("10.0.0.2"), 2);
  EXPECT_EQ(twin_->host_at("peer2.tandem.test"), 2);
  EXPECT_EQ(twin_->host_at("10.0.0.3"), std::nullopt);
  EXPECT_EQ(status(2, "SystemUnit Name")["SystemUnit"]["Name"], "PEER2");
  for (int n = 3; n <= kMaxTwinHosts; ++n) ASSERT_TRUE(twin_->add_host().ok());
  auto full = twin_->add_host();
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().message, "the twin has 16 hosts, as many as it can hold");
}

TEST_F(ClusterTwinTest, FormingAClusterThroughTheAdminApiFollowingTheGuide) {
  make(3);
  form(3);
  for (int n = 1; n <= 3; ++n) {
    const Json c = cluster(n);
    EXPECT_EQ(c["Name"], kClusterName);
    EXPECT_EQ(c["ThisSystem"], n);
    EXPECT_EQ(c["DatabaseStatus"], "Active");
    EXPECT_TRUE(alarm_ids(n).empty()) << "peer" << n << ": " << ok(n, "GET", "/api/v1/alarms");
  }
  // The primary's configuration replaced the added peers' own.
  EXPECT_EQ(get(3, "H323 Gatekeeper TimeToLive"), "60");
  // A change made through the primary's API reaches the others.
  set(1, {{"Zones Zone 1 Name", "Partner"}});
  EXPECT_TRUE(eventually([&] { return get(2, "Zones Zone 1 Name") == "Partner" && get(3, "Zones Zone 1 Name") == "Partner"; }));
}

TEST_F(ClusterTwinTest, XCommandRestartRestartsTandemdKeepingItsDisk) {
  make(1);
  set(1, {{"SystemUnit Name", "Renamed"}});
  const std::uint64_t before = twin_->host(1).incarnation();
  EXPECT_EQ(command(1, "Restart")["result"], "restarting");
  ASSERT_TRUE(twin_->run_for(1s).ok());
  EXPECT_EQ(twin_->host(1).incarnation(), before + 1);
  EXPECT_EQ(status(1, "SystemUnit Name")["SystemUnit"]["Name"], "Renamed");
  // Installed once: later boots reuse the store.
  int installs = 0;
  const Json events = ok(1, "GET", "/api/v1/events?limit=100");
  for (const Json& e : events["events"]) installs += e["kind"] == "peer.installed";
  EXPECT_EQ(installs, 1);
}

TEST_F(ClusterTwinTest, ACrashedHostRefusesConnectionsUntilRestarted) {
  make(2);
  twin_->crash(2);
  EXPECT_FALSE(twin_->running(2));
  for (int i = 0; i < 2; ++i) {
    auto r = send(2, "GET", "/api/v1/status");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "connection to 10.0.0.2:8443 refused: tandemd is not running");
    ASSERT_TRUE(twin_->run_for(30s).ok());
  }
  twin_->restart(2);
  EXPECT_TRUE(twin_->running(2));
  EXPECT_EQ(status(2, "SystemUnit Name")["SystemUnit"]["Name"], "PEER2");
  // Nothing has 10.0.0.9; names go through the twin's DNS.
  auto nobody = twin_->request("10.0.0.9", twin_->authorized("GET", "/api/v1/status"));
  EXPECT_EQ(nobody.error().message, "connection to 10.0.0.9:8443 refused: no host of the twin has that address");
  auto by_name = twin_->request("peer2.tandem.test", twin_->authorized("GET", "/api/v1/status?path=SystemUnit+Name"));
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(Json::parse(by_name->body)["SystemUnit"]["Name"], "PEER2");
  auto unknown = twin_->request("peer9.tandem.test", twin_->authorized("GET", "/api/v1/status"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message.rfind("cannot resolve peer9.tandem.test: ", 0), 0u) << unknown.error().message;
}

TEST_F(ClusterTwinTest, APoweredOffHostTimesOut) {
  make(1);
  twin_->power_off(1);
  auto r = send(1, "GET", "/api/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "connection to 10.0.0.1:8443 timed out after 10000 ms");
  twin_->restart(1);
  EXPECT_TRUE(send(1, "GET", "/api/v1/status").ok());
}

TEST_F(ClusterTwinTest, ATandemdThatDiesMidRequestResetsTheConnection) {
  make(1);
  auto first = ok(1, "GET", "/api/v1/watch?wait_ms=0");
  const std::uint64_t after = first.value("seq", std::uint64_t{0});
  // A watch waits for news; tandemd dies meanwhile.
  twin_->sim().loop().schedule_at(twin_->sim().loop().now_ns() + 2'000'000'000, [this] { twin_->crash(1); });
  auto r = send(1, "GET", "/api/v1/watch?after=" + std::to_string(after) + "&wait_ms=20000");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "connection with 10.0.0.1:8443 reset by peer: tandemd died");
}

TEST_F(ClusterTwinTest, AnUpgradedSubordinateShowsItsVersionAndTheUpgradeAlarm) {
  make(2);
  form(2);
  ASSERT_TRUE(twin_->set_software_version(2, "X99.1").ok());
  restart_through_api(2);
  EXPECT_EQ(status(2, "SystemUnit Software Version")["SystemUnit"]["Software"]["Version"], "X99.1");
  EXPECT_EQ(status(1, "SystemUnit Software Version")["SystemUnit"]["Software"]["Version"], kBuildVersion);
  const int upgrade = static_cast<int>(cluster::AlarmId::ReplicationUpgradeInProgress);
  EXPECT_TRUE(eventually([&] { return alarm_ids(2).contains(upgrade); })) << ok(2, "GET", "/api/v1/alarms");
  // Back to the primary's version: the alarm clears.
  ASSERT_TRUE(twin_->set_software_version(2, kBuildVersion).ok());
  restart_through_api(2);
  EXPECT_TRUE(eventually([&] { return !alarm_ids(2).contains(upgrade); }));
}

TEST_F(ClusterTwinTest, AnOperatorCutOffFromAPeerTimesOutWhileTheClusterKeepsWorking) {
  make(3);
  form(3);
  twin_->partition(ClusterTwin::kOperator, 2);
  auto r = send(2, "GET", "/api/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "connection to 10.0.0.2:8443 timed out after 10000 ms");
  set(1, {{"Zones Zone 1 Name", "Partner"}});
  ASSERT_TRUE(twin_->run_for(2s).ok());
  EXPECT_EQ(*twin_->peer(2)->get("Zones Zone 1 Name"), "Partner");  // seen from inside: the operator cannot look
  EXPECT_EQ(get(3, "Zones Zone 1 Name"), "Partner");
  const Json seen_by_primary = cluster(1);
  for (const Json& v : seen_by_primary["Peers"]) EXPECT_NE(v["State"], "Failed") << "as the primary sees peer " << v["Slot"];
  twin_->heal(ClusterTwin::kOperator, 2);
  EXPECT_EQ(get(2, "Zones Zone 1 Name"), "Partner");
}

// "Change the Address of a Peer", step 3: tandemd reads its LAN address at
// start, so the new one holds from the restart on, and the twin's DNS follows.
TEST_F(ClusterTwinTest, APeerGivenANewAddressLivesThereFromItsNextStart) {
  make(2);
  set(2, {{"Ethernet 1 IP V4 Address", "10.0.0.42"}});
  EXPECT_EQ(twin_->address(2), "10.0.0.2");  // not before the restart
  EXPECT_TRUE(alarm_ids(2).contains(static_cast<int>(cluster::AlarmId::RestartRequired)));
  restart_through_api(2);
  EXPECT_EQ(twin_->address(2), "10.0.0.42");
  EXPECT_EQ(twin_->host(2).addresses(), std::vector<IpAddress>{IpAddress::v4(10, 0, 0, 42)});
  EXPECT_EQ(twin_->host_at("10.0.0.42"), 2);
  EXPECT_EQ(twin_->host_at("10.0.0.2"), std::nullopt);
  EXPECT_EQ(status(2, "SystemUnit Name")["SystemUnit"]["Name"], "PEER2");  // the same machine, disk and all
  auto old = twin_->request("10.0.0.2", twin_->authorized("GET", "/api/v1/status"));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().message, "connection to 10.0.0.2:8443 refused: no host of the twin has that address");
  const auto dns = twin_->sim().dns().resolve("peer2.tandem.test", DnsType::A);
  ASSERT_TRUE(dns.answer.ok());
  EXPECT_EQ(dns.answer->addresses, std::vector<IpAddress>{IpAddress::v4(10, 0, 0, 42)});
  // It stays there across a crash, and other hosts reach it there: a cluster forms at the new address.
  twin_->crash(2);
  twin_->restart(2);
  EXPECT_EQ(twin_->address(2), "10.0.0.42");
  form(2);
  EXPECT_EQ(cluster(1)["Peers"][1]["Address"], "10.0.0.42");
}

TEST_F(ClusterTwinTest, AnAddressAnotherHostHasKeepsTandemdFromStarting) {
  make(2);
  set(2, {{"Ethernet 1 IP V4 Address", "10.0.0.1"}});
  command(2, "Restart");
  ASSERT_TRUE(twin_->run_for(2s).ok());
  EXPECT_FALSE(twin_->running(2));
  EXPECT_EQ(twin_->address(2), "10.0.0.2");
  auto r = send(2, "GET", "/api/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "connection to 10.0.0.2:8443 refused");  // the host is up, nothing listens
  const auto& logs = twin_->sim().logs();
  EXPECT_TRUE(std::any_of(logs.begin(), logs.end(), [](const LogLine& line) {
    return line.message == "cannot start: cannot take address 10.0.0.1: address 10.0.0.1 is already used by host peer1";
  }));
  EXPECT_EQ(status(1, "SystemUnit Name")["SystemUnit"]["Name"], "PEER1");  // the other host is untouched
}

// The same seed and the same calls replay to the same trace.
TEST_F(ClusterTwinTest, TheSameSeedReplaysToTheSameTraceHash) {
  auto run = [this](std::uint64_t seed) {
    make(2, seed);
    form(2);
    twin_->crash(2);
    EXPECT_FALSE(send(2, "GET", "/api/v1/status").ok());
    EXPECT_TRUE(twin_->run_for(10s).ok());
    twin_->restart(2);
    EXPECT_TRUE(eventually([&] { return converged(2); }));
    return std::pair{twin_->trace_hash(), twin_->sim().trace().count()};
  };
  const auto first = run(9);
  const auto second = run(9);
  EXPECT_GT(first.second, 100u);
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace tandem::sim
