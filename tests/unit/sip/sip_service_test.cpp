// The SIP service in the twin: phones on other hosts register over UDP and
// TCP and get their 200s where RFC 3261 and RFC 3581 say, bindings expire as
// virtual time passes, keep-alives are answered, maintenance refuses, and
// garbage, silence, slow readers and too many connections cost a connection,
// never the service.

#include "runtime/sip/sip_service.hpp"

#include <gtest/gtest.h>

#include "runtime/sip/keepalive.hpp"
#include "tests/unit/simulator/twin_fixture.hpp"
#include "tests/unit/tls/test_certs.hpp"
#include "tests/unit/sip/sip_samples.hpp"

namespace tandem::sip {
namespace {

using namespace std::chrono_literals;
using test::RegisterSpec;
using wire::SipMessage;

const IpAddress kVcs = IpAddress::v4(10, 0, 0, 10);

// A phone's UDP socket: what it sent comes from its host; what came back is kept.
struct UdpPhone {
  std::unique_ptr<DatagramSocket> socket;
  std::vector<std::string> received;
  std::vector<Endpoint> received_from;

  void send(const std::string& text, std::uint16_t port = kSipPort) {
    socket->send_to(Endpoint{kVcs, port}, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  SipMessage response(std::size_t i) const {
    auto m = wire::parse_sip_message(received.at(i));
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? *m : SipMessage{};
  }
};

class SipServiceTest : public sim::TwinTest {
 protected:
  void SetUp() override {
    TwinTest::SetUp();
    auto host = sim_.add_host("vcs", {kVcs});
    ASSERT_TRUE(host.ok());
    vcs_ = *host;
    options_.address = kVcs;
    options_.maintenance = [this] { return maintenance_; };
  }

  void start() {
    const SipServiceOptions options = options_;
    vcs_->start(
        sim::process_factory<SipService>([options](Env& env) { return SipService::start(env, options).value(); }));
    run(1ms);
  }
  SipService& service() { return *vcs_->process<SipService>(); }
  Registrar& registrar() { return service().registrar(); }

  std::unique_ptr<UdpPhone> udp_phone(sim::SimHost* h, std::uint16_t port) {
    auto phone = std::make_unique<UdpPhone>();
    UdpPhone* p = phone.get();
    phone->socket = env(h)
                        .open_datagram(at(h, port),
                                       [p](const Endpoint& from, ByteView b) {
                                         p->received.emplace_back(b.begin(), b.end());
                                         p->received_from.push_back(from);
                                       })
                        .value();
    return phone;
  }

  std::unique_ptr<sim::StreamProbe> tcp_phone(sim::SimHost* h) {
    auto probe = std::make_unique<sim::StreamProbe>();
    sim::StreamProbe* p = probe.get();
    connects_.push_back(env(h).connect(ConnectOptions{Endpoint{kVcs, kSipPort}}, nullptr,
                                       [p](Result<std::unique_ptr<Stream>> s) { p->attach(std::move(s.value())); }));
    run(10ms);
    EXPECT_TRUE(probe->stream);
    return probe;
  }
  static void send(sim::StreamProbe& probe, const std::string& text) {
    probe.stream->send(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  // The messages a TCP phone received, framed as the registrar frames them.
  static std::vector<SipMessage> framed(const std::string& bytes, std::size_t* pongs = nullptr) {
    wire::SipStreamFramer framer;
    framer.feed(bytes);
    std::vector<SipMessage> out;
    for (int turn = 0; turn < 10000; ++turn) {
      auto item = framer.next();
      EXPECT_TRUE(item.ok());
      if (!item.ok() || !item->has_value()) break;
      if ((*item)->kind == wire::SipStreamItem::Kind::Message) out.push_back((*item)->message);
    }
    if (pongs != nullptr) *pongs = bytes.substr(0, 2) == "\r\n" ? 1 : 0;
    return out;
  }

  sim::SimHost* vcs_ = nullptr;
  SipServiceOptions options_;
  bool maintenance_ = false;
  std::vector<Handle> connects_;
};

TEST_F(SipServiceTest, AUdpRegistrationIsAnsweredAtTheSourceAndExpiresInVirtualTime) {
  start();
  auto phone = udp_phone(b_, 5060);
  phone->send(test::register_text({}));
  run(10ms);
  ASSERT_EQ(phone->received.size(), 1u);
  const SipMessage ok = phone->response(0);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(*ok.header("Contact"), "<sip:alice@10.0.0.2:5060>;expires=60");
  EXPECT_EQ(*ok.header("Via"), "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds;rport=5060;received=10.0.0.2");
  EXPECT_EQ(phone->received_from[0], (Endpoint{kVcs, kSipPort}));
  const auto rows = registrar().bindings("sip:alice@example.com", sim_.now());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].transport, Transport::Udp);
  EXPECT_EQ(rows[0].source, at(b_, 5060));
  run(59s);
  EXPECT_EQ(registrar().counts().bindings, 1u);
  run(2s);  // the sweep runs each second
  EXPECT_EQ(registrar().counts().bindings, 0u);
  EXPECT_EQ(registrar().counts().expired, 1u);
}

TEST_F(SipServiceTest, WithoutRportTheAnswerGoesToTheViaPort) {
  start();
  auto sender = udp_phone(b_, 40000);
  auto listener = udp_phone(b_, 5062);
  RegisterSpec spec;
  spec.sent_by = "10.0.0.2:5062";
  spec.rport = false;
  sender->send(test::register_text(spec));
  run(10ms);
  EXPECT_TRUE(sender->received.empty());
  ASSERT_EQ(listener->received.size(), 1u);
  EXPECT_EQ(listener->response(0).status, 200);
}

TEST_F(SipServiceTest, ThousandsOfDistinctUsersRegisterOverUdp) {
  start();
  auto phone = udp_phone(b_, 5060);
  constexpr int kUsers = 3000;
  for (int i = 0; i < kUsers; ++i) {
    RegisterSpec s;
    s.aor = "sip:user" + std::to_string(i) + "@example.com";
    s.contacts = {"<sip:user" + std::to_string(i) + "@10.0.0.2:5060>"};
    s.call_id = "call-" + std::to_string(i);
    s.branch = "z9hG4bK-" + std::to_string(i);
    phone->send(test::register_text(s));
  }
  run(1s);
  ASSERT_EQ(phone->received.size(), static_cast<std::size_t>(kUsers));
  std::size_t ok = 0;
  for (std::size_t i = 0; i < phone->received.size(); ++i) ok += phone->response(i).status == 200 ? 1 : 0;
  EXPECT_EQ(ok, static_cast<std::size_t>(kUsers));
  EXPECT_EQ(registrar().counts().aors, static_cast<std::size_t>(kUsers));
  const auto first = registrar().devices(sim_.now(), "", 5);
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first[0].aor, "sip:user0@example.com");
  EXPECT_EQ(first[1].aor, "sip:user1000@example.com");  // AOR order ('0' sorts before '@'), as the status view pages
  EXPECT_EQ(first[4].aor, "sip:user1003@example.com");
  EXPECT_EQ(service().stats().responses, static_cast<std::uint64_t>(kUsers));
}

TEST_F(SipServiceTest, TcpAnswersPipelinedRequestsAndPings) {
  start();
  auto phone = tcp_phone(c_);
  RegisterSpec spec;
  spec.transport = "TCP";
  spec.sent_by = "10.0.0.3:5060";
  const std::string all = "\r\n\r\n" + test::register_text(spec) + test::options_text();
  send(*phone, all.substr(0, 7));  // split anywhere: the framer waits for the rest
  run(5ms);
  send(*phone, all.substr(7));
  run(10ms);
  std::size_t pongs = 0;
  const auto responses = framed(phone->received, &pongs);
  EXPECT_EQ(pongs, 1u);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(*responses[0].header("CSeq"), "1 REGISTER");
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_EQ(*responses[1].header("CSeq"), "7 OPTIONS");
  const auto rows = registrar().bindings("sip:alice@example.com", sim_.now());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].transport, Transport::Tcp);
  EXPECT_NE(rows[0].connection, 0u);
  EXPECT_EQ(service().stats().keepalives, 1u);
  EXPECT_EQ(service().connection_count(), 1u);
  EXPECT_FALSE(phone->closed);
}

TEST_F(SipServiceTest, TlsOn5061RegistersWithTheServersCertificate) {
  const auto vcs_pair = tandem::test::self_signed(tandem::test::request("vcs.example.com"));
  options_.tls_port = kSipTlsPort;
  options_.tls = env(a_).make_tls_context(TlsConfig{vcs_pair.certificate_pem, vcs_pair.private_key_pem, {}}).value();
  start();
  EXPECT_EQ(*service().tls_endpoint(), (Endpoint{kVcs, kSipTlsPort}));
  const auto phone_pair = tandem::test::self_signed(tandem::test::request("phone.example.com"));
  auto client = env(c_).make_tls_context(TlsConfig{phone_pair.certificate_pem, phone_pair.private_key_pem, {}}).value();
  sim::StreamProbe phone;
  connects_.push_back(env(c_).connect(ConnectOptions{Endpoint{kVcs, kSipTlsPort}}, client,
                                      [&phone](Result<std::unique_ptr<Stream>> s) { phone.attach(std::move(s.value())); }));
  run(10ms);
  ASSERT_TRUE(phone.stream);
  EXPECT_TRUE(phone.stream->tls().encrypted);
  ASSERT_TRUE(phone.stream->tls().peer_certificate);  // the endpoint sees the peer's certificate
  EXPECT_EQ(phone.stream->tls().peer_certificate->subject_cn, "vcs.example.com");
  RegisterSpec spec;
  spec.transport = "TLS";
  spec.sent_by = "10.0.0.3:5061";
  send(phone, test::register_text(spec));
  run(10ms);
  const auto responses = framed(phone.received);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  const auto rows = registrar().bindings("sip:alice@example.com", sim_.now());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].transport, Transport::Tls);
  // Plain TCP on the TLS port is not SIP: the handshake fails and the service carries on.
  auto plain = std::make_unique<sim::StreamProbe>();
  sim::StreamProbe* p = plain.get();
  connects_.push_back(env(b_).connect(ConnectOptions{Endpoint{kVcs, kSipTlsPort}}, nullptr,
                                      [p](Result<std::unique_ptr<Stream>> s) {
                                        if (s) p->attach(std::move(s.value()));
                                      }));
  run(1s);
  if (plain->stream) send(*plain, test::register_text({}));
  run(1s);
  EXPECT_TRUE(plain->received.empty());
  EXPECT_EQ(registrar().counts().bindings, 1u);
}

TEST_F(SipServiceTest, TcpGarbageCostsTheConnectionNotTheService) {
  start();
  auto bad = tcp_phone(c_);
  send(*bad, "HELLO THERE\r\n\r\n");
  run(10ms);
  EXPECT_TRUE(bad->closed);
  EXPECT_EQ(service().stats().connections_closed_bad, 1u);
  EXPECT_EQ(service().stats().malformed, 1u);
  auto oversized = tcp_phone(c_);
  send(*oversized, "REGISTER sip:example.com SIP/2.0\r\nX: " + std::string(70000, 'x'));
  run(50ms);
  EXPECT_TRUE(oversized->closed);
  auto good = tcp_phone(c_);
  send(*good, test::register_text({.transport = "TCP"}));
  run(10ms);
  ASSERT_EQ(framed(good->received).size(), 1u);
  EXPECT_EQ(service().connection_count(), 1u);
}

TEST_F(SipServiceTest, SilentIdleAndSurplusConnectionsAreClosed) {
  options_.connections_max = 2;
  options_.first_message_timeout = 5s;
  options_.idle_timeout = 20s;
  start();
  auto silent = tcp_phone(c_);
  auto talker = tcp_phone(c_);
  auto surplus = tcp_phone(c_);
  run(10ms);
  EXPECT_TRUE(surplus->closed);
  EXPECT_EQ(service().stats().connections_refused, 1u);
  send(*talker, "\r\n\r\n");
  run(6s);
  EXPECT_TRUE(silent->closed);  // never said anything
  EXPECT_FALSE(talker->closed);
  run(15s);
  EXPECT_TRUE(talker->closed);  // idle for 20 s after its ping
  EXPECT_EQ(service().stats().connections_closed_idle, 2u);
  EXPECT_EQ(service().connection_count(), 0u);
}

TEST_F(SipServiceTest, AClientThatDoesNotReadItsAnswersIsCutOff) {
  options_.send_backlog_bytes_max = 100;  // less than one 200: the backlog passes it at once
  start();
  auto phone = tcp_phone(c_);
  send(*phone, test::register_text({.transport = "TCP"}));
  run(10ms);
  EXPECT_TRUE(phone->closed);
  EXPECT_EQ(service().stats().connections_closed_backlog, 1u);
}

TEST_F(SipServiceTest, MaintenanceIsAskedAtEachRequest) {
  start();
  auto phone = udp_phone(b_, 5060);
  phone->send(test::register_text({}));
  maintenance_ = true;
  run(10ms);
  phone->send(test::register_text({.aor = "sip:bob@example.com"}));
  run(10ms);
  maintenance_ = false;
  phone->send(test::register_text({.aor = "sip:bob@example.com", .cseq = 2}));
  run(10ms);
  ASSERT_EQ(phone->received.size(), 3u);
  EXPECT_EQ(phone->response(0).status, 503);  // the flag was up when it arrived
  EXPECT_EQ(phone->response(1).status, 503);
  EXPECT_EQ(*phone->response(1).header("Retry-After"), "60");
  EXPECT_EQ(phone->response(2).status, 200);
}

TEST_F(SipServiceTest, UdpKeepalivesAreAnsweredAndGarbageIsDropped) {
  start();
  auto phone = udp_phone(b_, 5060);
  phone->send("\r\n\r\n");
  std::string stun = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, static_cast<char>(0xA4), 0x42};
  stun += std::string(12, 'T');
  phone->send(stun);
  phone->send(std::string("REGISTER\0garbage", 16));
  phone->send("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  run(10ms);
  ASSERT_EQ(phone->received.size(), 2u);
  EXPECT_EQ(phone->received[0], "\r\n");
  const std::vector<std::uint8_t> request(stun.begin(), stun.end());
  const auto expected = stun_binding_response(request, at(b_, 5060)).value();
  EXPECT_EQ(phone->received[1], std::string(expected.begin(), expected.end()));
  EXPECT_EQ(service().stats().keepalives, 2u);
  EXPECT_EQ(service().stats().malformed, 1u);
  EXPECT_EQ(service().stats().ignored, 1u);
  EXPECT_EQ(registrar().counts().bindings, 0u);
}

TEST_F(SipServiceTest, StartRefusesBadOptionsAndTakenPorts) {
  start();
  SipServiceOptions bad = options_;
  bad.registrar.standard = {100, 50};
  EXPECT_EQ(SipService::start(*vcs_->env(), bad).error().message,
            "SIP registrar: standard refresh bounds 100..50 s are not 1 <= minimum <= maximum <= 86400");
  SipServiceOptions neither = options_;
  neither.udp_port.reset();
  neither.tcp_port.reset();
  EXPECT_FALSE(SipService::start(*vcs_->env(), neither).ok());
  SipServiceOptions keyless = neither;
  keyless.tls_port = kSipTlsPort;
  EXPECT_EQ(SipService::start(*vcs_->env(), keyless).error().message,
            "SIP service: TLS asked for without a certificate");
  auto taken = SipService::start(*vcs_->env(), options_);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().message.substr(0, 14), "SIP UDP port: ");
  SipServiceOptions ephemeral = options_;
  ephemeral.udp_port = 0;
  ephemeral.tcp_port.reset();
  auto other = SipService::start(*vcs_->env(), ephemeral);
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_NE((*other)->udp_endpoint()->port, 0);
  EXPECT_FALSE((*other)->tcp_endpoint());
}

// Same seed, same phones: the same trace, bit for bit.
TEST(SipServiceTwinTest, ARunReplaysFromItsSeed) {
  auto run_once = [] {
    sim::Simulation sim(sim::SimulationOptions{.seed = 99});
    sim.network().set_default_link(sim::LinkSpec{2ms, 1ms});
    auto vcs = sim.add_host("vcs", {kVcs}).value();
    auto phones = sim.add_host("phones", {IpAddress::v4(10, 0, 0, 2)}).value();
    SipServiceOptions options;
    options.address = kVcs;
    vcs->start(
        sim::process_factory<SipService>([options](Env& env) { return SipService::start(env, options).value(); }));
    phones->start(sim::process_factory<int>([](Env&) { return std::make_unique<int>(0); }));
    EXPECT_TRUE(sim.run_for(1ms).ok());
    auto socket = phones->env()
                      ->open_datagram(Endpoint{IpAddress::v4(10, 0, 0, 2), 5060}, [](const Endpoint&, ByteView) {})
                      .value();
    for (int i = 0; i < 200; ++i) {
      const std::string text = test::register_text({.aor = "sip:u" + std::to_string(i) + "@example.com",
                                                    .call_id = "c" + std::to_string(i),
                                                    .branch = "z9hG4bK" + std::to_string(i)});
      socket->send_to(Endpoint{kVcs, kSipPort},
                      ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }
    EXPECT_TRUE(sim.run_for(90s).ok());
    EXPECT_EQ(vcs->process<SipService>()->registrar().counts().expired, 200u);
    return sim.trace().hash();
  };
  EXPECT_EQ(run_once(), run_once());
}

}  // namespace
}  // namespace tandem::sip
