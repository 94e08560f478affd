// The endpoint side in the twin: an endpoint on host c registers with the
// gatekeeper on host a, keeps alive, remembers the alternate (host b), and
// when a stops answering or refuses it, says so and moves to the alternate.

#include "runtime/h323/ras_client.hpp"

#include <gtest/gtest.h>

#include "runtime/h323/gatekeeper.hpp"
#include "tests/unit/simulator/twin_fixture.hpp"

namespace tandem::h323 {
namespace {

using namespace std::chrono_literals;

class RasClientTest : public sim::TwinTest {
 protected:
  void SetUp() override {
    TwinTest::SetUp();
    gk_a_ = start_gatekeeper(a_, b_);
    gk_b_ = start_gatekeeper(b_, a_);
    RasClientOptions o;
    o.aliases = {{AliasKind::H323Id, "carol"}, {AliasKind::DialledDigits, "3001"}};
    client_ = RasClient::start(env(c_), o, handlers()).value();
  }

  std::unique_ptr<Gatekeeper> start_gatekeeper(sim::SimHost* host, sim::SimHost* alternate) {
    GatekeeperOptions o;
    o.gatekeeper_id = "GK-" + host->name();
    o.time_to_live_s = 60;
    o.alternates = [alt = at(alternate, kRasPort)] { return std::vector<AlternateGatekeeper>{{alt, "", true, 0}}; };
    o.maintenance = [this, host] { return host == a_ && maintenance_a_; };
    return Gatekeeper::start(env(host), at(host, kRasPort), o).value();
  }

  // Registers with the alternate at once when lost, as an endpoint population would.
  RasClientHandlers handlers() {
    RasClientHandlers h;
    h.on_registered = [this](const RasRegistered& r) { registered_.push_back(r); };
    h.on_lost = [this](const RasLost& lost) {
      lost_.push_back(lost);
      if (auto next = client_->next_alternate()) client_->register_with(*next);
    };
    return h;
  }

  std::unique_ptr<Gatekeeper> gk_a_;
  std::unique_ptr<Gatekeeper> gk_b_;
  std::unique_ptr<RasClient> client_;
  std::vector<RasRegistered> registered_;
  std::vector<RasLost> lost_;
  bool maintenance_a_ = false;
};

TEST_F(RasClientTest, RegistersKeepsAliveAndRemembersTheAlternates) {
  client_->register_with(at(a_, kRasPort));
  run(100ms);
  ASSERT_EQ(registered_.size(), 1u);
  EXPECT_EQ(registered_[0].gatekeeper, at(a_, kRasPort));
  EXPECT_EQ(registered_[0].time_to_live_s, 60u);
  EXPECT_EQ(client_->state(), RasClientState::Registered);
  EXPECT_EQ(client_->alternates(), (std::vector<AlternateGatekeeper>{{at(b_, kRasPort), "", true, 0}}));
  EXPECT_EQ(client_->next_alternate(), at(b_, kRasPort));
  const Registration* r = gk_a_->find(client_->endpoint_id());
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->aliases.size(), 2u);
  run(10min);  // ten TTLs: kept alive all along
  EXPECT_EQ(gk_a_->registration_count(), 1u);
  EXPECT_GE(client_->stats().keep_alives, 10u);
  EXPECT_EQ(gk_a_->stats().keep_alives, client_->stats().keep_alives);
  EXPECT_EQ(gk_a_->stats().expired, 0u);
  EXPECT_EQ(registered_.size(), 1u);
  EXPECT_TRUE(lost_.empty());
}

TEST_F(RasClientTest, WhenTheGatekeeperDiesTheEndpointMovesToTheAlternate) {
  client_->register_with(at(a_, kRasPort));
  run(100ms);
  ASSERT_EQ(registered_.size(), 1u);
  gk_a_.reset();  // the gatekeeper is gone: keep-alives go unanswered
  run(2min);
  ASSERT_EQ(lost_.size(), 1u);
  EXPECT_EQ(lost_[0].gatekeeper, at(a_, kRasPort));
  EXPECT_EQ(lost_[0].why, "no answer after 3 tries");
  ASSERT_EQ(registered_.size(), 2u);
  EXPECT_EQ(registered_[1].gatekeeper, at(b_, kRasPort));
  EXPECT_EQ(client_->gatekeeper(), at(b_, kRasPort));
  EXPECT_EQ(gk_b_->registration_count(), 1u);
  // b's list names a: once registered again, earlier failures are forgotten (a may be back by then).
  EXPECT_EQ(client_->next_alternate(), at(a_, kRasPort));
  gk_b_.reset();  // and when b goes too, a (still gone) is tried, then nothing is left
  run(5min);
  ASSERT_EQ(lost_.size(), 3u);
  EXPECT_EQ(lost_[1].gatekeeper, at(b_, kRasPort));
  EXPECT_EQ(lost_[2].gatekeeper, at(a_, kRasPort));
  EXPECT_EQ(client_->next_alternate(), std::nullopt);
  EXPECT_EQ(client_->state(), RasClientState::Idle);
}

TEST_F(RasClientTest, ARefusalIsALossWithItsReasonAndTheRejectsAlternates) {
  maintenance_a_ = true;
  client_->register_with(at(a_, kRasPort));
  run(100ms);
  ASSERT_EQ(lost_.size(), 1u);
  EXPECT_EQ(lost_[0].rejected, RegistrationRejectReason::ResourceUnavailable);
  EXPECT_EQ(lost_[0].why, "rejected: resourceUnavailable");
  ASSERT_EQ(registered_.size(), 1u);
  EXPECT_EQ(registered_[0].gatekeeper, at(b_, kRasPort));
}

TEST_F(RasClientTest, AGatekeeperThatForgotTheEndpointGetsAFullRegistrationAgain) {
  client_->register_with(at(a_, kRasPort));
  run(100ms);
  const std::string first_id = client_->endpoint_id();
  gk_a_.reset();  // restarted: registrations live in memory only
  gk_a_ = start_gatekeeper(a_, b_);
  run(2min);
  EXPECT_TRUE(lost_.empty());
  ASSERT_EQ(registered_.size(), 2u);
  EXPECT_EQ(registered_[1].gatekeeper, at(a_, kRasPort));
  EXPECT_NE(client_->endpoint_id(), first_id);
  EXPECT_EQ(gk_a_->registration_count(), 1u);
}

TEST_F(RasClientTest, UnregisteringRemovesTheRegistration) {
  client_->register_with(at(a_, kRasPort));
  run(100ms);
  client_->unregister();
  EXPECT_EQ(client_->state(), RasClientState::Unregistering);
  run(100ms);
  EXPECT_EQ(client_->state(), RasClientState::Idle);
  EXPECT_EQ(gk_a_->registration_count(), 0u);
  run(5min);  // and nothing more is sent
  EXPECT_TRUE(lost_.empty());
  EXPECT_EQ(gk_a_->registration_count(), 0u);
}

TEST_F(RasClientTest, AnswersFromElsewhereAreIgnored) {
  client_->register_with(at(a_, kRasPort));
  auto stranger = env(b_).open_datagram(at(b_, 4000), [](const Endpoint&, ByteView) {}).value();
  RegistrationConfirm forged{1, {}, {}, "", "forged", {}, 60};
  stranger->send_to(client_->local(), encode(forged).value());
  run(100ms);
  EXPECT_GE(client_->stats().ignored, 1u);
  EXPECT_NE(client_->endpoint_id(), "forged");
  EXPECT_EQ(client_->state(), RasClientState::Registered);
}

TEST_F(RasClientTest, OptionsThatCannotRegisterAreRefused) {
  EXPECT_EQ(RasClient::start(env(c_), RasClientOptions{}, {}).error().message,
            "an H.323 endpoint needs at least one alias to register");
}

}  // namespace
}  // namespace tandem::h323
