// H.323 registration on whole peers in the twin (the guide's "H.323
// Endpoints"): an endpoint registers to any peer, the RCF lists the other
// peers as alternate gatekeepers, the count reaches the other peers over
// UDP 1719 (one socket with resource usage), and the endpoint moves to an
// alternate when its peer goes into maintenance or dies.

#include <gtest/gtest.h>

#include "runtime/env/tls/pki.hpp"
#include "runtime/h323/ras_client.hpp"
#include "runtime/peer.hpp"
#include "simulator/simulation.hpp"

namespace tandem {
namespace {

using namespace std::chrono_literals;
using h323::kRasPort;

// An H.323 endpoint on its own twin host: registers with peer `first`, and
// with the next alternate whenever it loses its gatekeeper.
struct Phone {
  std::unique_ptr<h323::RasClient> client;
  std::vector<h323::RasRegistered> registered;
  std::vector<h323::RasLost> lost;
};

Endpoint peer_ras(int slot) { return Endpoint{IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(slot)), kRasPort}; }

class H323PeerTest : public ::testing::Test {
 protected:
  H323PeerTest() : sim_(sim::SimulationOptions{.seed = 11}) {}

  // n hosts on 10.0.0.1..n; every peer lists the first `listed` of them.
  void build(int n, int listed, std::vector<config::Change> extra = {}) {
    const WallTime epoch = sim_.wall_epoch();
    cert_ = make_self_signed(CertificateRequest{"peer", {}, {}, epoch - 24h, epoch + 24h * 365, false}).value();
    for (int i = 1; i <= n; ++i) {
      hosts_.push_back(sim_.add_host("h" + std::to_string(i), {peer_ras(i).ip}).value());
      std::vector<config::Change> install = {{"SystemUnit Name", "vcs-" + std::to_string(i)}};
      if (listed > 0) install.push_back({"Alternates Cluster Name", "cluster.tandem.test"});
      for (int p = 1; p <= listed; ++p) install.push_back({"Alternates Peer " + std::to_string(p) + " Address", "10.0.0." + std::to_string(p)});
      install.insert(install.end(), extra.begin(), extra.end());
      installs_.push_back(install);
    }
  }

  void start(int slot) {
    const auto install = installs_[static_cast<std::size_t>(slot - 1)];
    const IssuedCertificate cert = cert_;
    host(slot).start(sim::process_factory<Peer>([install, cert](Env& env) {
      {
        auto store = config::Store::open(env.files(), config::vcs_schema()).value();
        TANDEM_ASSERT(store->apply(install, "install", env.wall_now()).ok());
      }
      PeerOptions options;
      options.software_version = "X8.9.1";
      options.tls = TlsConfig{cert.certificate_pem, cert.private_key_pem, {}, TlsVerifyMode::Permissive};
      return Peer::start(env, options).value();
    }));
  }

  Phone& add_phone(int first, std::optional<std::uint32_t> ttl = std::nullopt) {
    auto* host = sim_.add_host("phone", {IpAddress::v4(10, 0, 0, 50)}).value();
    host->start(sim::process_factory<Phone>([first, ttl](Env& env) {
      auto phone = std::make_unique<Phone>();
      h323::RasClientOptions o;
      o.aliases = {{h323::AliasKind::H323Id, "alice"}, {h323::AliasKind::DialledDigits, "5001"}};
      o.local = Endpoint{env.addresses().front(), kRasPort};
      o.time_to_live_s = ttl;
      h323::RasClientHandlers h;
      Phone* p = phone.get();
      h.on_registered = [p](const h323::RasRegistered& r) { p->registered.push_back(r); };
      h.on_lost = [p](const h323::RasLost& lost) {
        p->lost.push_back(lost);
        if (auto next = p->client->next_alternate()) p->client->register_with(*next);
      };
      phone->client = h323::RasClient::start(env, o, h).value();
      phone->client->register_with(peer_ras(first));
      return phone;
    }));
    phone_host_ = host;
    return *host->process<Phone>();
  }

  sim::SimHost& host(int slot) { return *hosts_[static_cast<std::size_t>(slot - 1)]; }
  Peer& peer(int slot) { return *host(slot).process<Peer>(); }
  Phone& phone() { return *phone_host_->process<Phone>(); }
  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }

  sim::Simulation sim_;
  IssuedCertificate cert_;
  std::vector<sim::SimHost*> hosts_;
  std::vector<std::vector<config::Change>> installs_;
  sim::SimHost* phone_host_ = nullptr;
};

TEST_F(H323PeerTest, TheConfirmListsTheOtherPeersAsAlternatesAndTheCountReachesThem) {
  build(3, 3);
  for (int slot = 1; slot <= 3; ++slot) start(slot);
  run(3s);
  add_phone(2);
  run(2s);
  ASSERT_EQ(phone().registered.size(), 1u);
  const h323::RasRegistered& r = phone().registered[0];
  EXPECT_EQ(r.gatekeeper, peer_ras(2));
  EXPECT_EQ(r.time_to_live_s, 1800u);  // H323 Gatekeeper TimeToLive's default
  // The other peers, in an order that starts at a peer chosen by the endpoint's identifier.
  ASSERT_EQ(r.alternates.size(), 2u);
  const bool three_first = r.alternates[0].ras_address == peer_ras(3);
  EXPECT_EQ(r.alternates[0], (h323::AlternateGatekeeper{three_first ? peer_ras(3) : peer_ras(1), "", true, 0}));
  EXPECT_EQ(r.alternates[1], (h323::AlternateGatekeeper{three_first ? peer_ras(1) : peer_ras(3), "", true, 1}));
  ASSERT_NE(peer(2).gatekeeper(), nullptr);
  EXPECT_EQ(peer(2).gatekeeper()->registration_count(), 1u);
  EXPECT_EQ(peer(2).local_usage().registrations, 1u);
  ASSERT_NE(peer(2).resource_usage(), nullptr);
  EXPECT_TRUE(peer(2).resource_usage()->shares_port());  // RAS and resource usage on one UDP 1719 socket
  for (int viewer : {1, 3}) {
    const cluster::PeerUsage seen = peer(viewer).resource_usage()->peer(2);
    ASSERT_TRUE(seen.usage.has_value()) << viewer;
    EXPECT_EQ(seen.usage->registrations, 1u) << viewer;
  }
  EXPECT_EQ(peer(1).resource_usage()->drops().malformed, 0u);  // RAS never reaches resource usage
}

// Call routing's lookup finds H.323 aliases as it finds SIP ones.
TEST_F(H323PeerTest, AnH323AliasIsLocatedFromAnotherPeer) {
  build(2, 2);
  for (int slot = 1; slot <= 2; ++slot) start(slot);
  run(3s);
  add_phone(2);
  run(2s);
  for (const char* alias : {"alice", "5001"}) {
    std::optional<std::vector<cluster::PeerLocation>> found;
    ASSERT_TRUE(peer(1).locate(alias, [&found](auto peers) { found = std::move(peers); }).ok());
    run(100ms);
    ASSERT_TRUE(found.has_value()) << alias;
    EXPECT_EQ((*found)[0].result, cluster::LocateResult::NotFound) << alias;
    ASSERT_EQ((*found)[1].result, cluster::LocateResult::Found) << alias;
    EXPECT_EQ((*found)[1].registrations[0].transport, "H323");
    EXPECT_EQ((*found)[1].registrations[0].contact, std::string("h323:") + alias + "@10.0.0.50:1720");
  }
}

TEST_F(H323PeerTest, MaintenanceModeSendsTheEndpointToAnAlternate) {
  build(3, 3, {{"H323 Gatekeeper TimeToLive", "60"}});
  for (int slot = 1; slot <= 3; ++slot) start(slot);
  run(3s);
  add_phone(1);
  run(2s);
  ASSERT_EQ(phone().registered.size(), 1u);
  peer(1).set_maintenance(true);
  run(70s);  // past the next keep-alive
  ASSERT_EQ(phone().lost.size(), 1u);
  EXPECT_EQ(phone().lost[0].rejected, h323::RegistrationRejectReason::ResourceUnavailable);
  ASSERT_EQ(phone().registered.size(), 2u);
  EXPECT_EQ(phone().registered[1].gatekeeper, peer_ras(2));
  EXPECT_EQ(peer(2).gatekeeper()->registration_count(), 1u);
  run(60s + 30s);  // the refused registration drains from peer 1 by expiry
  EXPECT_EQ(peer(1).gatekeeper()->registration_count(), 0u);
  EXPECT_EQ(peer(1).local_usage().registrations, 0u);
}

TEST_F(H323PeerTest, WhenItsPeerDiesTheEndpointRegistersWithAnAlternate) {
  build(3, 3, {{"H323 Gatekeeper TimeToLive", "60"}});
  for (int slot = 1; slot <= 3; ++slot) start(slot);
  run(3s);
  add_phone(3);
  run(2s);
  ASSERT_EQ(phone().registered.size(), 1u);
  EXPECT_EQ(phone().registered[0].alternates.front().ras_address, peer_ras(1));
  host(3).crash();
  run(90s);  // the keep-alive goes unanswered, three times
  ASSERT_EQ(phone().lost.size(), 1u);
  EXPECT_EQ(phone().lost[0].why, "no answer after 3 tries");
  ASSERT_EQ(phone().registered.size(), 2u);
  EXPECT_EQ(phone().registered[1].gatekeeper, peer_ras(1));
  EXPECT_EQ(peer(1).gatekeeper()->registration_count(), 1u);
  run(5s);
  const cluster::PeerUsage seen = peer(2).resource_usage()->peer(1);
  ASSERT_TRUE(seen.usage.has_value());
  EXPECT_EQ(seen.usage->registrations, 1u);
}

TEST_F(H323PeerTest, AStandAlonePeerRegistersWithoutAlternatesAndTakesItsTimeToLiveFromConfiguration) {
  build(1, 0);
  start(1);
  ASSERT_TRUE(peer(1).configure({{"H323 Gatekeeper TimeToLive", "120"}}, "admin").ok());
  add_phone(1, 600);
  run(2s);
  ASSERT_EQ(phone().registered.size(), 1u);
  EXPECT_TRUE(phone().registered[0].alternates.empty());
  EXPECT_EQ(phone().registered[0].time_to_live_s, 120u);  // asked for 600: the configured maximum wins
  EXPECT_EQ(peer(1).local_usage().registrations, 1u);
  phone().client->unregister();
  run(2s);
  EXPECT_EQ(peer(1).gatekeeper()->registration_count(), 0u);
  EXPECT_EQ(peer(1).local_usage().registrations, 0u);
}

TEST_F(H323PeerTest, WithH323ModeOffNoGatekeeperAnswers) {
  build(1, 0, {{"H323 Mode", "Off"}});
  start(1);
  EXPECT_EQ(peer(1).gatekeeper(), nullptr);
  add_phone(1);
  run(30s);
  ASSERT_EQ(phone().lost.size(), 1u);
  EXPECT_EQ(phone().lost[0].why, "no answer after 3 tries");
  EXPECT_TRUE(phone().registered.empty());
}

}  // namespace
}  // namespace tandem
