// The gatekeeper in the twin, spoken to with hand-made RAS datagrams from an
// endpoint host: what it confirms, refuses, refreshes, expires and removes.

#include "runtime/h323/gatekeeper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "runtime/core/random.hpp"

#include "tests/unit/simulator/twin_fixture.hpp"

namespace tandem::h323 {
namespace {

using namespace std::chrono_literals;

// A RAS socket on a twin host that sends what a test builds and keeps every reply.
struct RawEndpoint {
  std::unique_ptr<DatagramSocket> socket;
  std::vector<RasMessage> replies;
  int undecodable = 0;

  void open(Env& env, const Endpoint& local) {
    socket = env.open_datagram(local, [this](const Endpoint&, ByteView payload) {
      auto m = decode_ras(payload);
      if (m) {
        replies.push_back(*m);
      } else {
        ++undecodable;
      }
    }).value();
  }
  void send(const Endpoint& to, const RasMessage& m) { socket->send_to(to, encode(m).value()); }
  template <class T>
  const T& last() const {
    EXPECT_FALSE(replies.empty());
    EXPECT_TRUE(std::holds_alternative<T>(replies.back())) << "got " << message_name(replies.back());
    return std::get<T>(replies.back());
  }
};

class GatekeeperTest : public sim::TwinTest {
 protected:
  void SetUp() override {
    TwinTest::SetUp();
    GatekeeperOptions o;
    o.gatekeeper_id = "PEER1";
    o.time_to_live_s = 300;
    o.alternates = [this] { return alternates_; };
    o.maintenance = [this] { return maintenance_; };
    gk_ = Gatekeeper::start(env(a_), at(a_, kRasPort), o).value();
    phone_.open(env(b_), at(b_, kRasPort));
    other_.open(env(c_), at(c_, kRasPort));
  }

  RegistrationRequest rrq(sim::SimHost* host, const std::string& alias, std::uint16_t seq = 1) {
    RegistrationRequest m;
    m.seq = seq;
    m.call_signal_addresses = {at(host, 1720)};
    m.ras_addresses = {at(host, kRasPort)};
    m.aliases = {{AliasKind::H323Id, alias}};
    return m;
  }
  RegistrationRequest keep_alive(const std::string& endpoint_id, std::uint16_t seq) {
    RegistrationRequest m = rrq(b_, "", seq);
    m.aliases.clear();
    m.keep_alive = true;
    m.endpoint_id = endpoint_id;
    return m;
  }
  // Registers alice from host b and returns her endpoint identifier.
  std::string register_alice() {
    phone_.send(gk(), rrq(b_, "alice"));
    run(10ms);
    return phone_.last<RegistrationConfirm>().endpoint_id;
  }
  Endpoint gk() const { return at(a_, kRasPort); }

  std::unique_ptr<Gatekeeper> gk_;
  RawEndpoint phone_;
  RawEndpoint other_;
  std::vector<AlternateGatekeeper> alternates_ = {{Endpoint{IpAddress::v4(10, 0, 0, 2), kRasPort}, "", true, 0},
                                                  {Endpoint{IpAddress::v4(10, 0, 0, 3), kRasPort}, "", true, 1}};
  bool maintenance_ = false;
};

TEST_F(GatekeeperTest, RegistrationIsConfirmedWithAnIdentifierTheTimeToLiveAndTheAlternates) {
  RegistrationRequest m = rrq(b_, "alice", 7);
  m.vendor.product = "Phone";
  phone_.send(gk(), m);
  run(10ms);
  const auto& rcf = phone_.last<RegistrationConfirm>();
  EXPECT_EQ(rcf.seq, 7);
  EXPECT_FALSE(rcf.endpoint_id.empty());
  EXPECT_EQ(rcf.gatekeeper_id, "PEER1");
  EXPECT_EQ(rcf.time_to_live_s, 300u);
  EXPECT_EQ(rcf.alternates, alternates_);
  EXPECT_EQ(rcf.aliases, m.aliases);
  EXPECT_EQ(rcf.call_signal_addresses, (std::vector<Endpoint>{at(a_, 1720)}));
  ASSERT_EQ(gk_->registration_count(), 1u);
  const Registration* r = gk_->find(rcf.endpoint_id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->aliases, m.aliases);
  EXPECT_EQ(r->source, at(b_, kRasPort));
  EXPECT_EQ(r->product, "Phone");

  // An endpoint asking for less gets less, but never under the minimum.
  RegistrationRequest shorter = rrq(c_, "bob");
  shorter.time_to_live_s = 120;
  other_.send(gk(), shorter);
  run(10ms);
  EXPECT_EQ(other_.last<RegistrationConfirm>().time_to_live_s, 120u);
  shorter.time_to_live_s = 5;
  other_.send(gk(), shorter);
  run(10ms);
  EXPECT_EQ(other_.last<RegistrationConfirm>().time_to_live_s, 60u);
  EXPECT_EQ(gk_->registration_count(), 2u);  // bob again from the same RAS address: the same registration
}

TEST_F(GatekeeperTest, DiscoveryIsConfirmedWithTheAlternates) {
  GatekeeperRequest grq;
  grq.seq = 3;
  grq.ras_address = at(b_, kRasPort);
  grq.supports_alt_gk = true;
  phone_.send(gk(), grq);
  run(10ms);
  const auto& gcf = phone_.last<GatekeeperConfirm>();
  EXPECT_EQ(gcf.seq, 3);
  EXPECT_EQ(gcf.gatekeeper_id, "PEER1");
  EXPECT_EQ(gcf.ras_address, gk());
  EXPECT_EQ(gcf.alternates, alternates_);
}

TEST_F(GatekeeperTest, KeepAlivesRefreshAndARegistrationLapsesAfterItsTimeToLivePlusGrace) {
  const std::string id = register_alice();
  run(290s);
  phone_.send(gk(), keep_alive(id, 2));
  run(10ms);
  EXPECT_EQ(phone_.last<RegistrationConfirm>().endpoint_id, id);
  EXPECT_EQ(gk_->stats().keep_alives, 1u);
  run(300s + 29s);  // within TTL plus 30 s of grace after the keep-alive
  EXPECT_EQ(gk_->registration_count(), 1u);
  run(2s);
  EXPECT_EQ(gk_->registration_count(), 0u);
  EXPECT_EQ(gk_->stats().expired, 1u);
  // Too late: the endpoint must register in full again.
  phone_.send(gk(), keep_alive(id, 3));
  run(10ms);
  EXPECT_EQ(phone_.last<RegistrationReject>().reason, RegistrationRejectReason::FullRegistrationRequired);
}

TEST_F(GatekeeperTest, AKeepAliveFromElsewhereRefreshesNothing) {
  const std::string id = register_alice();
  RegistrationRequest forged = keep_alive(id, 9);
  other_.send(gk(), forged);
  run(10ms);
  EXPECT_EQ(other_.last<RegistrationReject>().reason, RegistrationRejectReason::FullRegistrationRequired);
  EXPECT_EQ(gk_->stats().keep_alives, 0u);
}

TEST_F(GatekeeperTest, MaintenanceModeRefusesRegistrationsAndRefreshesAndNamesTheAlternates) {
  const std::string id = register_alice();
  maintenance_ = true;
  other_.send(gk(), rrq(c_, "bob"));
  run(10ms);
  const auto& rrj = other_.last<RegistrationReject>();
  EXPECT_EQ(rrj.reason, RegistrationRejectReason::ResourceUnavailable);
  EXPECT_EQ(rrj.alternates, alternates_);
  phone_.send(gk(), keep_alive(id, 2));
  run(10ms);
  EXPECT_EQ(phone_.last<RegistrationReject>().reason, RegistrationRejectReason::ResourceUnavailable);
  GatekeeperRequest grq;
  grq.ras_address = at(c_, kRasPort);
  other_.send(gk(), grq);
  run(10ms);
  EXPECT_EQ(other_.last<GatekeeperReject>().alternates, alternates_);
  EXPECT_EQ(gk_->registration_count(), 1u);  // what exists drains by expiry, or by URQ
  UnregistrationRequest urq;
  urq.endpoint_id = id;
  phone_.send(gk(), urq);
  run(10ms);
  phone_.last<UnregistrationConfirm>();
  EXPECT_EQ(gk_->registration_count(), 0u);
}

TEST_F(GatekeeperTest, UnregistrationRemovesByIdentifierOrCallSignalAddress) {
  const std::string id = register_alice();
  UnregistrationRequest urq;
  urq.seq = 5;
  urq.endpoint_id = id;
  phone_.send(gk(), urq);
  run(10ms);
  EXPECT_EQ(phone_.last<UnregistrationConfirm>().seq, 5);
  EXPECT_EQ(gk_->registration_count(), 0u);
  phone_.send(gk(), urq);
  run(10ms);
  EXPECT_EQ(phone_.last<UnregistrationReject>().reason, UnregRejectReason::NotCurrentlyRegistered);

  register_alice();
  UnregistrationRequest by_address;
  by_address.call_signal_addresses = {at(b_, 1720)};
  other_.send(gk(), by_address);  // not from the endpoint: refused
  run(10ms);
  EXPECT_EQ(other_.last<UnregistrationReject>().reason, UnregRejectReason::PermissionDenied);
  phone_.send(gk(), by_address);
  run(10ms);
  phone_.last<UnregistrationConfirm>();
  EXPECT_EQ(gk_->registration_count(), 0u);
}

TEST_F(GatekeeperTest, AnAliasHeldByAnotherEndpointIsRefusedAndTheSameEndpointKeepsItsIdentifier) {
  const std::string id = register_alice();
  other_.send(gk(), rrq(c_, "alice"));
  run(10ms);
  const auto& rrj = other_.last<RegistrationReject>();
  EXPECT_EQ(rrj.reason, RegistrationRejectReason::DuplicateAlias);
  EXPECT_EQ(rrj.duplicate_aliases, (std::vector<Alias>{{AliasKind::H323Id, "alice"}}));
  // A retransmission (or a restarted endpoint) from the same RAS address.
  phone_.send(gk(), rrq(b_, "alice", 2));
  run(10ms);
  EXPECT_EQ(phone_.last<RegistrationConfirm>().endpoint_id, id);
  EXPECT_EQ(gk_->registration_count(), 1u);
}

TEST_F(GatekeeperTest, ARequestWithoutAddressesIsRefusedNamingWhichIsMissing) {
  RegistrationRequest m = rrq(b_, "alice");
  m.ras_addresses.clear();
  phone_.send(gk(), m);
  run(10ms);
  EXPECT_EQ(phone_.last<RegistrationReject>().reason, RegistrationRejectReason::InvalidRasAddress);
  m = rrq(b_, "alice");
  m.call_signal_addresses.clear();
  phone_.send(gk(), m);
  run(10ms);
  EXPECT_EQ(phone_.last<RegistrationReject>().reason, RegistrationRejectReason::InvalidCallSignalAddress);
  EXPECT_EQ(gk_->registration_count(), 0u);
}

TEST_F(GatekeeperTest, BadDatagramsAreCountedAndDroppedWithoutAnAnswer) {
  phone_.socket->send_to(gk(), bytes("not RAS at all"));
  phone_.socket->send_to(gk(), Bytes{});
  phone_.send(gk(), GatekeeperConfirm{1, "X", at(b_, kRasPort), {}});  // decodes, but is no request
  run(10ms);
  EXPECT_TRUE(phone_.replies.empty());
  EXPECT_EQ(gk_->stats().malformed, 2u);
  EXPECT_EQ(gk_->stats().ignored, 1u);
  EXPECT_EQ(gk_->stats().datagrams, 3u);
  register_alice();  // and it still serves
  EXPECT_EQ(gk_->registration_count(), 1u);
}

TEST_F(GatekeeperTest, RegistrationsBeyondTheLimitAreRefused) {
  gk_.reset();
  GatekeeperOptions o;
  o.registrations_max = 1;
  gk_ = Gatekeeper::start(env(a_), at(a_, kRasPort), o).value();
  register_alice();
  other_.send(gk(), rrq(c_, "bob"));
  run(10ms);
  EXPECT_EQ(other_.last<RegistrationReject>().reason, RegistrationRejectReason::ResourceUnavailable);
}

TEST_F(GatekeeperTest, OptionsThatCannotServeAreRefused) {
  GatekeeperOptions o;
  o.gatekeeper_id = "";
  EXPECT_EQ(Gatekeeper::start(env(c_), at(c_, 0), o).error().message,
            "H.323 gatekeeper identifier must be 1..128 characters");
  o.gatekeeper_id = "GK";
  o.time_to_live_s = 30;
  EXPECT_EQ(Gatekeeper::start(env(c_), at(c_, 0), o).error().message,
            "H.323 time to live 30 s is below the minimum 60 s");
  EXPECT_FALSE(Gatekeeper::start(env(a_), at(a_, kRasPort), GatekeeperOptions{}).ok());  // the port is taken
}

// The endpoints of a lost peer spread over the others: each endpoint's list
// starts at a peer its (random) identifier picks, priorities in that order.
TEST(GatekeeperSpread, EachEndpointsListStartsWhereItsIdentifierSays) {
  const std::vector<AlternateGatekeeper> base = {
      {Endpoint{IpAddress::v4(10, 0, 0, 3), kRasPort}, "", true, 0},
      {Endpoint{IpAddress::v4(10, 0, 0, 4), kRasPort}, "", true, 1},
      {Endpoint{IpAddress::v4(10, 0, 0, 5), kRasPort}, "", true, 2}};
  std::map<Endpoint, int> first;
  Random random(5);
  for (int i = 0; i < 3000; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(random.next_u64()));
    const auto list = spread_alternates(base, id);
    ASSERT_EQ(list.size(), 3u);
    for (std::size_t k = 0; k < list.size(); ++k) EXPECT_EQ(list[k].priority, k);
    // Still every alternate, in the same cyclic order.
    const auto start = std::find_if(base.begin(), base.end(), [&](const auto& a) { return a.ras_address == list[0].ras_address; });
    ASSERT_NE(start, base.end());
    const std::size_t s0 = static_cast<std::size_t>(start - base.begin());
    EXPECT_EQ(list[1].ras_address, base[(s0 + 1) % 3].ras_address);
    EXPECT_EQ(list[2].ras_address, base[(s0 + 2) % 3].ras_address);
    ++first[list[0].ras_address];
  }
  for (const auto& a : base) EXPECT_NEAR(first[a.ras_address], 1000, 150) << a.ras_address.to_string();
  EXPECT_EQ(spread_alternates(base, "0000000000000001"), spread_alternates(base, "0000000000000001"));
}

}  // namespace
}  // namespace tandem::h323
