// The DNS records a cluster needs (the guide's Appendix 2), read from a twin
// cluster through the admin API, and the check of what a DNS server answers.
#include "runtime/ops/dns_records.hpp"

#include <gtest/gtest.h>

#include "runtime/ops/procedures.hpp"
#include "simulator/twin_operator.hpp"

namespace tandem::ops {
namespace {

using namespace std::chrono_literals;

ClusterDnsFacts two_peers() {
  ClusterDnsFacts f;
  f.cluster_name = "cluster.example.com";
  f.peers = {{"10.0.0.1", "vcs1.example.com", "10.0.0.1"}, {"10.0.0.2", "vcs2.example.com", "10.0.0.2"}};
  f.sip_tcp_port = 5060;
  f.sip_tls_port = 5061;
  f.h323_ras_port = 1719;
  f.h323_call_port = 1720;
  return f;
}

std::vector<std::string> zone(const std::vector<DnsRecord>& records) {
  std::vector<std::string> out;
  for (const DnsRecord& r : records) out.push_back(zone_line(r));
  return out;
}

TEST(DnsRecordsTest, EveryServiceOnEveryPeerAtEqualPriorityAndWeight) {
  const auto lines = zone(recommended_records(two_peers()));
  const std::vector<std::string> expected = {
      "_sips._tcp.cluster.example.com. 86400 IN SRV 1 1 5061 vcs1.example.com.",
      "_sips._tcp.cluster.example.com. 86400 IN SRV 1 1 5061 vcs2.example.com.",
      "_sip._tcp.cluster.example.com. 86400 IN SRV 1 1 5060 vcs1.example.com.",
      "_sip._tcp.cluster.example.com. 86400 IN SRV 1 1 5060 vcs2.example.com.",
      "_h323ls._udp.cluster.example.com. 86400 IN SRV 1 1 1719 vcs1.example.com.",
      "_h323ls._udp.cluster.example.com. 86400 IN SRV 1 1 1719 vcs2.example.com.",
      "_h323rs._udp.cluster.example.com. 86400 IN SRV 1 1 1719 vcs1.example.com.",
      "_h323rs._udp.cluster.example.com. 86400 IN SRV 1 1 1719 vcs2.example.com.",
      "_h323cs._tcp.cluster.example.com. 86400 IN SRV 1 1 1720 vcs1.example.com.",
      "_h323cs._tcp.cluster.example.com. 86400 IN SRV 1 1 1720 vcs2.example.com.",
      "vcs1.example.com. 86400 IN A 10.0.0.1",
      "vcs2.example.com. 86400 IN A 10.0.0.2",
      "cluster.example.com. 60 IN A 10.0.0.1",  // round-robin, for endpoints without SRV: short TTL
      "cluster.example.com. 60 IN A 10.0.0.2",
  };
  EXPECT_EQ(lines, expected);
}

TEST(DnsRecordsTest, ServicesThatAreOffGetNoRecordsAndCollabEdgeIsOptional) {
  ClusterDnsFacts f = two_peers();
  f.h323_ras_port = f.h323_call_port = 0;  // H.323 off
  f.sip_udp_port = 5060;
  f.collab_edge = true;
  f.peers[1].ip = "2001:db8::2";
  const auto lines = zone(recommended_records(f));
  for (const auto& line : lines) EXPECT_EQ(line.find("_h323"), std::string::npos) << line;
  EXPECT_NE(std::find(lines.begin(), lines.end(), "_sip._udp.cluster.example.com. 86400 IN SRV 1 1 5060 vcs1.example.com."),
            lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "_collab-edge._tls.cluster.example.com. 86400 IN SRV 1 1 8443 vcs2.example.com."),
            lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "vcs2.example.com. 86400 IN AAAA 2001:db8::2"), lines.end());
}

TEST(DnsRecordsTest, TheCheckSaysWhatIsMissingStaleWrongOrFailed) {
  ClusterDnsFacts f = two_peers();
  f.sip_tls_port = f.h323_ras_port = f.h323_call_port = 0;  // only _sip._tcp
  const auto records = recommended_records(f);
  const auto questions = questions_for(records);
  ASSERT_EQ(questions.size(), 4u);  // _sip._tcp SRV, vcs1 A, vcs2 A, cluster A
  EXPECT_EQ(questions[0], (DnsQuestion{"_sip._tcp.cluster.example.com", DnsType::SRV}));

  DnsAnswer srv;
  srv.services = {SrvRecord{1, 1, 5070, "VCS1.example.com."},  // another port: wrong (names compare without case)
                  SrvRecord{1, 1, 5060, "old-vcs.example.com"}};  // a peer long gone: stale; vcs2 missing
  DnsAnswer vcs1;
  vcs1.addresses = {IpAddress::v4(10, 0, 0, 1)};
  DnsAnswer cluster;
  cluster.addresses = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 9)};
  std::vector<Result<DnsAnswer>> answers = {srv, vcs1, make_error("no such name vcs2.example.com"), cluster};
  const auto lines = check_records(records, questions, answers);

  std::vector<std::pair<Finding, std::string>> got;
  for (const auto& l : lines) got.emplace_back(l.finding, l.text);
  const std::vector<std::pair<Finding, std::string>> expected = {
      {Finding::Wrong, "_sip._tcp.cluster.example.com SRV 1 1 5070 VCS1.example.com. (wanted "
                       "_sip._tcp.cluster.example.com. 86400 IN SRV 1 1 5060 vcs1.example.com.)"},
      {Finding::Missing, "_sip._tcp.cluster.example.com. 86400 IN SRV 1 1 5060 vcs2.example.com."},
      {Finding::Stale, "_sip._tcp.cluster.example.com SRV 1 1 5060 old-vcs.example.com: not a peer of the cluster"},
      {Finding::Ok, "vcs1.example.com. 86400 IN A 10.0.0.1"},
      {Finding::Failed, "vcs2.example.com A: no such name vcs2.example.com"},
      {Finding::Missing, "vcs2.example.com. 86400 IN A 10.0.0.2"},
      {Finding::Ok, "cluster.example.com. 60 IN A 10.0.0.1"},
      {Finding::Missing, "cluster.example.com. 60 IN A 10.0.0.2"},
      {Finding::Stale, "cluster.example.com A 10.0.0.9: not the address of a peer of the cluster"},
  };
  EXPECT_EQ(got, expected);
}

// Create on host 1, then Add a Peer for hosts 2..n, each planned once the one before has run.
void form(sim::ClusterTwin& twin, sim::TwinOperator& op, int n) {
  for (int host = 1; host <= n; ++host) {
    auto plan = host == 1 ? create_cluster(op, twin.address(1), "cluster.tandem.test")
                          : add_peer(op, twin.address(1), twin.address(host));
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    const Report report = run(op, *plan);
    ASSERT_TRUE(report.ok) << describe(report);
  }
}

// Read from a twin cluster through the admin API, as tandemctl does live;
// the records, put in the twin's DNS, pass the check.
TEST(DnsRecordsTest, ReadFromAClusterThroughTheAdminApiAndCheckedAgainstDns) {
  sim::ClusterTwinOptions options;
  options.hosts = 3;
  auto twin = sim::ClusterTwin::create(options).value();
  sim::TwinOperator op(*twin);
  EXPECT_NE(read_cluster_dns(op, twin->address(1)).error().message.find("is not a cluster peer"), std::string::npos);
  form(*twin, op, 3);
  auto facts = read_cluster_dns(op, twin->address(2));  // any peer will do
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ(facts->cluster_name, "cluster.tandem.test");
  ASSERT_EQ(facts->peers.size(), 3u);
  EXPECT_EQ(facts->peers[2].fqdn, "peer3.tandem.test");
  EXPECT_EQ(facts->peers[2].ip, "10.0.0.3");
  EXPECT_EQ(facts->sip_tcp_port, 5060);
  EXPECT_EQ(facts->sip_udp_port, 0);  // SIP UDP is off by default, as on a VCS
  EXPECT_EQ(facts->sip_tls_port, 5061);
  EXPECT_EQ(facts->h323_ras_port, 1719);

  const auto records = recommended_records(*facts);
  const auto questions = questions_for(records);
  const auto ask = [&](sim::SimDns& dns) {
    std::vector<Result<DnsAnswer>> answers;
    for (const auto& q : questions) answers.push_back(dns.resolve(q.name, q.type).answer);
    return answers;
  };
  sim::SimDns& dns = twin->sim().dns();
  std::size_t missing = 0;  // the twin has the peers' A records, none of the cluster's
  for (const auto& l : check_records(records, questions, ask(dns))) missing += l.finding == Finding::Ok ? 0 : 1;
  EXPECT_GT(missing, 0u);
  std::map<std::string, std::vector<SrvRecord>> srv;
  std::map<std::string, std::vector<IpAddress>> a;
  for (const DnsRecord& r : records) {
    if (r.type == DnsType::SRV) srv[r.name].push_back(r.srv);
    if (r.type == DnsType::A) a[r.name].push_back(IpAddress::parse(r.ip).value());
  }
  for (auto& [name, list] : srv) dns.set_srv(name, list);
  for (auto& [name, list] : a) dns.set_addresses(name, list);
  for (const auto& l : check_records(records, questions, ask(dns))) EXPECT_EQ(l.finding, Finding::Ok) << l.text;
}

TEST(DnsRecordsTest, APeerWithoutAHostNameIsNamed) {
  sim::ClusterTwinOptions options;
  options.hosts = 2;
  auto twin = sim::ClusterTwin::create(options).value();
  sim::TwinOperator op(*twin);
  form(*twin, op, 2);
  ASSERT_EQ(op.call(twin->address(2), "POST", "/api/v1/configuration",
                    R"({"changes": [{"path": "IP DNS Hostname", "value": ""}]})")->status, 200);
  auto facts = read_cluster_dns(op, twin->address(1));
  ASSERT_FALSE(facts.ok());
  EXPECT_EQ(facts.error().message,
            "peer 2 (10.0.0.2) has no IP DNS Hostname and Domain Name: set them (System > DNS), or list the peer by its FQDN");
}

}  // namespace
}  // namespace tandem::ops
