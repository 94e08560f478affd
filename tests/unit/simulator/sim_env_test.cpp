// SimEnv: the Env contract as peer code sees it in the twin: timers, clocks,
// randomness, DNS, files across crashes, and modelled TLS.

#include "simulator/sim_env.hpp"

#include "runtime/env/tls/pki.hpp"
#include "tests/unit/simulator/twin_fixture.hpp"

namespace tandem::sim {
namespace {

using namespace std::chrono_literals;

class SimEnvTest : public TwinTest {};

TEST_F(SimEnvTest, TimersFireInDeadlineOrderAndHandlesCancel) {
  std::vector<std::string> fired;
  Handle t3 = env(a_).start_timer(3s, [&] { fired.push_back("3s"); });
  Handle t1 = env(a_).start_timer(1s, [&] { fired.push_back("1s"); });
  Handle t2 = env(a_).start_timer(2s, [&] { fired.push_back("2s"); });
  t2.cancel();
  EXPECT_TRUE(t1.active());
  run(10s);
  EXPECT_EQ(fired, (std::vector<std::string>{"1s", "3s"}));
  EXPECT_FALSE(t1.active());
}

TEST_F(SimEnvTest, DestroyingTheHandleCancelsTheTimer) {
  bool fired = false;
  { Handle h = env(a_).start_timer(1s, [&] { fired = true; }); }
  run(2s);
  EXPECT_FALSE(fired);
}

TEST_F(SimEnvTest, PostRunsAfterTheCurrentCallbackNotInsideIt) {
  std::vector<int> order;
  env(a_).post([&] {
    env(a_).post([&] { order.push_back(2); });
    order.push_back(1);
  });
  run(1ms);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST_F(SimEnvTest, ACrashDropsPendingTimersAndTheRestartedProcessStartsAfresh) {
  bool fired = false;
  Handle h = env(a_).start_timer(5s, [&] { fired = true; });
  run(1s);
  a_->crash();
  EXPECT_EQ(a_->env(), nullptr);
  run(1s);
  a_->restart();
  run(10s);
  EXPECT_FALSE(fired);
  EXPECT_EQ(a_->incarnation(), 2u);
}

TEST_F(SimEnvTest, PausedHostsTimersWaitForResume) {
  std::int64_t fired_ns = -1;
  Handle h = env(a_).start_timer(1s, [&] { fired_ns = now_ns(); });
  a_->pause();
  run(5s);
  EXPECT_EQ(fired_ns, -1);
  a_->resume();
  run(1ms);
  EXPECT_EQ(fired_ns, 5'000'000'000);
}

TEST_F(SimEnvTest, ClockStepShowsInWallTimeOnly) {
  run(10s);
  a_->step_wall_clock(std::chrono::hours(1));
  EXPECT_EQ(env(a_).wall_now() - env(b_).wall_now(), Duration(std::chrono::hours(1)));
  EXPECT_EQ(env(a_).now(), env(b_).now());
  // Timers run on the monotonic clock: a wall-clock step does not move them.
  std::int64_t fired_ns = -1;
  Handle h = env(a_).start_timer(2s, [&] { fired_ns = now_ns(); });
  run(3s);
  EXPECT_EQ(fired_ns, 12'000'000'000);
}

TEST_F(SimEnvTest, DriftAccumulatesAtItsRate) {
  a_->set_drift_ppm(100.0);  // 100 ppm fast: 100 ms per 1000 s
  run(1000s);
  EXPECT_EQ(env(a_).wall_now() - env(b_).wall_now(), Duration(100ms));
  a_->set_drift_ppm(0.0);
  run(1000s);
  EXPECT_EQ(env(a_).wall_now() - env(b_).wall_now(), Duration(100ms));
}

TEST_F(SimEnvTest, WallClockStartsAtTheEpoch) {
  EXPECT_EQ(env(a_).wall_now(), sim_.wall_epoch());
}

TEST_F(SimEnvTest, RandomnessIsPerHostAndReplays) {
  Simulation other(SimulationOptions{.seed = 7});
  auto h = other.add_host("a", {IpAddress::v4(10, 0, 0, 1)});
  (*h)->start(idle_process());
  EXPECT_EQ(env(a_).random().next_u64(), (*h)->env()->random().next_u64());
  EXPECT_NE(env(a_).random().next_u64(), env(b_).random().next_u64());
}

TEST_F(SimEnvTest, DnsAnswersRotatesAndBreaksAsTold) {
  sim_.dns().set_addresses("cluster.example.test", {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2)});
  sim_.dns().set_srv("_sip._tcp.cluster.example.test", {SrvRecord{10, 20, 5060, "peer1.example.test"}});
  std::vector<Result<DnsAnswer>> answers;
  auto keep = [&](Result<DnsAnswer> a) { answers.push_back(std::move(a)); };
  Handle h1 = env(a_).lookup("cluster.example.test", DnsType::A, keep);
  Handle h2 = env(a_).lookup("cluster.example.test", DnsType::A, keep);
  Handle h3 = env(a_).lookup("_sip._tcp.cluster.example.test", DnsType::SRV, keep);
  Handle h4 = env(a_).lookup("nowhere.example.test", DnsType::A, keep);
  run(1s);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0]->addresses.front(), IpAddress::v4(10, 0, 0, 1));
  EXPECT_EQ(answers[1]->addresses.front(), IpAddress::v4(10, 0, 0, 2));  // round-robin
  EXPECT_EQ(answers[2]->services, (std::vector<SrvRecord>{SrvRecord{10, 20, 5060, "peer1.example.test"}}));
  ASSERT_FALSE(answers[3].ok());
  EXPECT_NE(answers[3].error().message.find("no such name"), std::string::npos);

  answers.clear();
  sim_.dns().set_fault("cluster.example.test", DnsFault::Timeout);
  const std::int64_t asked_ns = now_ns();
  std::int64_t answered_ns = 0;
  Handle h5 = env(a_).lookup("cluster.example.test", DnsType::A, [&](Result<DnsAnswer> a) {
    answered_ns = now_ns();
    answers.push_back(std::move(a));
  });
  run(10s);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_FALSE(answers[0].ok());
  EXPECT_EQ(answered_ns - asked_ns, to_ns(sim_.dns().timeout()));
}

TEST_F(SimEnvTest, SyncedFilesSurviveACrashUnsyncedWritesDoNot) {
  FileSystem& fs = env(a_).files();
  ASSERT_TRUE(write_file_synced(fs, "kept", bytes("synced")).ok());
  auto file = fs.open("scratch", OpenMode::CreateReadWrite);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->write(0, bytes("synced part")).ok());
  ASSERT_TRUE((*file)->sync().ok());
  ASSERT_TRUE((*file)->write(6, bytes("-and-not-synced")).ok());
  a_->crash();
  a_->restart();
  FileSystem& after = env(a_).files();
  auto kept = read_file(after, "kept");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(text(*kept), "synced");
  auto scratch = read_file(after, "scratch");
  ASSERT_TRUE(scratch.ok());
  EXPECT_EQ(text(*scratch), "synced part");
}

// ---- modelled TLS ----------------------------------------------------------------

class SimTlsTest : public SimEnvTest {
 protected:
  void SetUp() override {
    SimEnvTest::SetUp();
    const WallTime epoch = sim_.wall_epoch();
    ca_ = make_self_signed(CertificateRequest{"Tandem Test CA", {}, {}, epoch - 24h, epoch + 24h * 365, true}).value();
    other_ca_ =
        make_self_signed(CertificateRequest{"Someone Else CA", {}, {}, epoch - 24h, epoch + 24h * 365, true}).value();
  }

  std::shared_ptr<const TlsContext> context(SimHost* h, const IssuedCertificate& issuer, TlsVerifyMode mode) {
    const WallTime epoch = sim_.wall_epoch();
    auto leaf = issue_certificate(
        CertificateRequest{h->name() + ".cluster.test", {h->name() + ".cluster.test"}, {}, epoch - 1h, epoch + 24h, false},
        issuer);
    EXPECT_TRUE(leaf.ok());
    auto ctx = env(h).make_tls_context(TlsConfig{leaf->certificate_pem, leaf->private_key_pem, {ca_.certificate_pem}, mode});
    EXPECT_TRUE(ctx.ok()) << ctx.error().message;
    return ctx.value();
  }

  // b listens on 4371 with `server_tls`; a connects with `client_tls`.
  void connect(std::shared_ptr<const TlsContext> server_tls, std::shared_ptr<const TlsContext> client_tls) {
    auto l = env(b_).listen(at(b_, 4371), std::move(server_tls),
                            [this](std::unique_ptr<Stream> s) { server_.attach(std::move(s)); });
    ASSERT_TRUE(l.ok());
    listener_ = std::move(l.value());
    pending_ = env(a_).connect(ConnectOptions{at(b_, 4371)}, std::move(client_tls),
                               [this](Result<std::unique_ptr<Stream>> s) {
                                 connected_ns_ = now_ns();
                                 if (s) client_.attach(std::move(s.value()));
                               });
    run(1s);
    ASSERT_TRUE(server_.stream && client_.stream);
  }

  IssuedCertificate ca_;
  IssuedCertificate other_ca_;
  std::unique_ptr<StreamListener> listener_;
  Handle pending_;
  StreamProbe server_, client_;
  std::int64_t connected_ns_ = -1;
};

TEST_F(SimTlsTest, HandshakeCostsTwoRoundTripsAndShowsBothCertificates) {
  sim_.network().set_default_link(LinkSpec{5ms});  // RTT 10 ms
  connect(context(b_, ca_, TlsVerifyMode::Enforce), context(a_, ca_, TlsVerifyMode::Enforce));
  EXPECT_EQ(connected_ns_, 20'000'000);  // TCP handshake + one TLS 1.3 round trip
  const TlsSessionInfo& seen_by_client = client_.stream->tls();
  EXPECT_TRUE(seen_by_client.encrypted);
  EXPECT_EQ(seen_by_client.verify_mode, TlsVerifyMode::Enforce);
  ASSERT_TRUE(seen_by_client.peer_certificate);
  EXPECT_EQ(seen_by_client.peer_certificate->subject_cn, "b.cluster.test");
  EXPECT_TRUE(seen_by_client.chain.trusted);
  ASSERT_TRUE(server_.stream->tls().peer_certificate);
  EXPECT_EQ(server_.stream->tls().peer_certificate->subject_cn, "a.cluster.test");
  EXPECT_TRUE(evaluate_peer(server_.stream->tls(), env(b_).wall_now()).accepted());
}

TEST_F(SimTlsTest, CertificateFromAnotherCaIsSeenAsUntrusted) {
  connect(context(b_, ca_, TlsVerifyMode::Enforce), context(a_, other_ca_, TlsVerifyMode::Enforce));
  EXPECT_FALSE(server_.stream->tls().chain.trusted);
  EXPECT_EQ(evaluate_peer(server_.stream->tls(), env(b_).wall_now()).check, PeerCheck::Untrusted);
  EXPECT_TRUE(client_.stream->tls().chain.trusted);  // the server's own certificate is fine
}

TEST_F(SimTlsTest, ASkewedClockExpiresCertificatesAsInProduction) {
  connect(context(b_, ca_, TlsVerifyMode::Enforce), context(a_, ca_, TlsVerifyMode::Enforce));
  b_->step_wall_clock(48h);  // the leaf is valid for 24 h from the epoch
  EXPECT_EQ(evaluate_peer(server_.stream->tls(), env(b_).wall_now()).check, PeerCheck::Expired);
  EXPECT_TRUE(evaluate_peer(client_.stream->tls(), env(a_).wall_now()).accepted());
}

TEST_F(SimTlsTest, PlainClientCannotTalkToATlsServer) {
  auto l = env(b_).listen(at(b_, 4371), context(b_, ca_, TlsVerifyMode::Permissive), [](std::unique_ptr<Stream>) {
    ADD_FAILURE() << "a plain client must not be accepted";
  });
  StreamProbe client;
  Handle h = env(a_).connect(ConnectOptions{at(b_, 4371)}, nullptr,
                             [&](Result<std::unique_ptr<Stream>> s) { client.attach(std::move(s.value())); });
  run(1s);
  ASSERT_TRUE(client.closed);
  EXPECT_FALSE(client.closed->ok());
}

}  // namespace
}  // namespace tandem::sim
