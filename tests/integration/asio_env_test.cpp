// AsioEnv on real sockets: two "hosts" on the loopback aliases 127.0.0.2 and
// 127.0.0.3 talk TCP, TLS (Permissive and Enforce, with certificates made
// here), UDP and DNS (against a dnsmasq this test starts). Every wait is a
// bounded io_context::run_for; nothing sleeps.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include "runtime/env/asio/asio_env.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <filesystem>
#include <fstream>

#include "runtime/env/tls/pki.hpp"

extern char** environ;

namespace tandem {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const IpAddress kHostA = IpAddress::v4(127, 0, 0, 2);
const IpAddress kHostB = IpAddress::v4(127, 0, 0, 3);

ByteView view(const std::string& text) { return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()); }
std::string text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

// Records what a stream reports.
struct StreamLog {
  Bytes data;
  std::optional<Status> closed;
  int closed_count = 0;
  StreamHandlers handlers() {
    return StreamHandlers{[this](ByteView bytes) { data.insert(data.end(), bytes.begin(), bytes.end()); },
                          [this](Status status) {
                            closed = status;
                            ++closed_count;
                          }};
  }
};

struct StreamPair {
  std::unique_ptr<Stream> client;
  std::unique_ptr<Stream> server;
};

class AsioEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/tandem-asio-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    a_ = make_env("a", kHostA);
    b_ = make_env("b", kHostB);
    ASSERT_TRUE(a_ && b_);
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::unique_ptr<AsioEnv> make_env(const std::string& name, IpAddress address, AsioEnvOptions options = {}) {
    options.addresses = {address};
    options.data_dir = dir_ / name;
    options.log_name = name;
    options.seed = 42;
    auto env = AsioEnv::create(io_, options);
    EXPECT_TRUE(env.ok()) << env.error().message;
    return env.ok() ? std::move(env.value()) : nullptr;
  }

  // Runs the io_context until `done` holds or `limit` passes; true if done.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(5ms);
      if (io_.stopped()) io_.restart();
    }
    return done();
  }
  void run_for(std::chrono::milliseconds span) {
    run_until([] { return false; }, span);
  }

  std::shared_ptr<const TlsContext> tls(AsioEnv& env, const IssuedCertificate& cert, std::vector<std::string> cas = {},
                                        TlsVerifyMode mode = TlsVerifyMode::Permissive) {
    auto context = env.make_tls_context(TlsConfig{cert.certificate_pem, cert.private_key_pem, std::move(cas), mode});
    EXPECT_TRUE(context.ok()) << context.error().message;
    return context.ok() ? context.value() : nullptr;
  }

  CertificateRequest request(const std::string& cn, bool is_ca = false) {
    const WallTime now = a_->wall_now();
    return CertificateRequest{cn, {cn}, {}, now - 1h, now + 24h, is_ca};
  }
  IssuedCertificate self_signed(const std::string& cn, bool is_ca = false) { return make_self_signed(request(cn, is_ca)).value(); }

  // A client on A connected to a listener on B, both streams delivered.
  StreamPair connect_pair(std::shared_ptr<const TlsContext> client_tls, std::shared_ptr<const TlsContext> server_tls) {
    StreamPair pair;
    auto listener = b_->listen(Endpoint{kHostB, 0}, server_tls, [&](std::unique_ptr<Stream> s) { pair.server = std::move(s); });
    EXPECT_TRUE(listener.ok()) << listener.error().message;
    if (!listener.ok()) return pair;
    std::string failure;
    Handle connecting = a_->connect(ConnectOptions{(*listener)->local()}, client_tls, [&](Result<std::unique_ptr<Stream>> s) {
      if (s.ok()) {
        pair.client = std::move(s.value());
      } else {
        failure = s.error().message;
      }
    });
    EXPECT_TRUE(run_until([&] { return (pair.client && pair.server) || !failure.empty(); })) << "no stream pair";
    EXPECT_EQ(failure, "");
    EXPECT_FALSE(connecting.active());
    return pair;
  }

  boost::asio::io_context io_;  // first: outlives every Env and stream below
  fs::path dir_;
  std::unique_ptr<AsioEnv> a_;
  std::unique_ptr<AsioEnv> b_;
};

TEST_F(AsioEnvTest, TimersFireInDeadlineOrderAndCancelledOnesNever) {
  std::vector<int> fired;
  Handle t30 = a_->start_timer(30ms, [&] { fired.push_back(30); });
  Handle t10 = a_->start_timer(10ms, [&] { fired.push_back(10); });
  Handle t20 = a_->start_timer(20ms, [&] { fired.push_back(20); });
  Handle cancelled = a_->start_timer(15ms, [&] { fired.push_back(15); });
  cancelled.cancel();
  { Handle dropped = a_->start_timer(5ms, [&] { fired.push_back(5); }); }  // destroyed: cancelled
  EXPECT_TRUE(t10.active());
  EXPECT_FALSE(cancelled.active());
  ASSERT_TRUE(run_until([&] { return fired.size() == 3; }, 2s));
  run_for(50ms);
  EXPECT_EQ(fired, (std::vector<int>{10, 20, 30}));
  EXPECT_FALSE(t10.active());  // ran
  EXPECT_GE(a_->now() - MonoTime{}, Duration::zero());
}

TEST_F(AsioEnvTest, PostRunsAfterTheCurrentCallbackNotInsideIt) {
  std::vector<std::string> order;
  a_->post([&] {
    a_->post([&] { order.push_back("inner"); });
    order.push_back("outer");
  });
  ASSERT_TRUE(run_until([&] { return order.size() == 2; }, 1s));
  EXPECT_EQ(order, (std::vector<std::string>{"outer", "inner"}));
  // A timer may cancel itself, and another, from its own callback.
  int runs = 0;
  Handle other = a_->start_timer(20ms, [&] { ++runs; });
  Handle self = a_->start_timer(1ms, [&] {
    ++runs;
    other.cancel();
    self.cancel();
  });
  run_for(60ms);
  EXPECT_EQ(runs, 1);
}

TEST_F(AsioEnvTest, PermissiveTlsBothWaysWithSelfSignedCertificates) {
  auto client_tls = tls(*a_, self_signed("peer-a.tandem.test"));
  auto server_tls = tls(*b_, self_signed("peer-b.tandem.test"));
  StreamPair pair = connect_pair(client_tls, server_tls);
  ASSERT_TRUE(pair.client && pair.server);

  for (Stream* s : {pair.client.get(), pair.server.get()}) {
    EXPECT_TRUE(s->tls().encrypted);
    EXPECT_EQ(s->tls().protocol.rfind("TLSv1.", 0), 0u) << s->tls().protocol;
    EXPECT_FALSE(s->tls().chain.trusted);
    EXPECT_FALSE(s->tls().chain.reason.empty());
    EXPECT_TRUE(evaluate_peer(s->tls(), a_->wall_now()).accepted());  // Permissive
  }
  ASSERT_TRUE(pair.server->tls().peer_certificate && pair.client->tls().peer_certificate);
  EXPECT_EQ(pair.server->tls().peer_certificate->subject_cn, "peer-a.tandem.test");
  EXPECT_EQ(pair.client->tls().peer_certificate->subject_cn, "peer-b.tandem.test");

  StreamLog client_log, server_log;
  pair.client->start(client_log.handlers());
  pair.server->start(server_log.handlers());
  pair.client->send(view("hello from a"));
  pair.server->send(view("hello from b"));
  ASSERT_TRUE(run_until([&] { return client_log.data.size() == 12 && server_log.data.size() == 12; }));
  EXPECT_EQ(text(server_log.data), "hello from a");
  EXPECT_EQ(text(client_log.data), "hello from b");
}

TEST_F(AsioEnvTest, ConnectionsComeFromTheBoundSourceAddress) {
  StreamPair pair = connect_pair(nullptr, nullptr);
  ASSERT_TRUE(pair.client && pair.server);
  EXPECT_EQ(pair.server->remote().ip, kHostA);
  EXPECT_EQ(pair.client->local().ip, kHostA);
  EXPECT_EQ(pair.client->remote(), pair.server->local());
  EXPECT_EQ(pair.server->remote(), pair.client->local());
  EXPECT_FALSE(pair.client->tls().encrypted);
  EXPECT_EQ(pair.client->tls().protocol, "");

  // An explicit source address wins over the Env's own.
  auto listener = b_->listen(Endpoint{kHostB, 0}, nullptr, [](std::unique_ptr<Stream>) {});
  ASSERT_TRUE(listener.ok());
  std::unique_ptr<Stream> from_four;
  Handle h = a_->connect(ConnectOptions{(*listener)->local(), IpAddress::v4(127, 0, 0, 4)}, nullptr,
                         [&](Result<std::unique_ptr<Stream>> s) {
                           ASSERT_TRUE(s.ok()) << s.error().message;
                           from_four = std::move(s.value());
                         });
  ASSERT_TRUE(run_until([&] { return from_four != nullptr; }));
  EXPECT_EQ(from_four->local().ip, IpAddress::v4(127, 0, 0, 4));
}

TEST_F(AsioEnvTest, EnforceWithACommonCaIsTrustedBothWays) {
  const IssuedCertificate ca = self_signed("Tandem Lab Root", true);
  auto client_tls = tls(*a_, issue_certificate(request("peer-a.tandem.test"), ca).value(), {ca.certificate_pem},
                        TlsVerifyMode::Enforce);
  auto server_tls = tls(*b_, issue_certificate(request("peer-b.tandem.test"), ca).value(), {ca.certificate_pem},
                        TlsVerifyMode::Enforce);
  StreamPair pair = connect_pair(client_tls, server_tls);
  ASSERT_TRUE(pair.client && pair.server);
  for (Stream* s : {pair.client.get(), pair.server.get()}) {
    EXPECT_EQ(s->tls().verify_mode, TlsVerifyMode::Enforce);
    EXPECT_TRUE(s->tls().chain.trusted) << s->tls().chain.reason;
    ASSERT_TRUE(s->tls().peer_certificate);
    EXPECT_EQ(s->tls().peer_certificate->issuer_cn, "Tandem Lab Root");
    EXPECT_TRUE(evaluate_peer(s->tls(), a_->wall_now()).accepted()) << evaluate_peer(s->tls(), a_->wall_now()).message;
  }
  // The policy, not OpenSSL, judges dates: a day past expiry the verdict flips.
  EXPECT_EQ(evaluate_peer(pair.server->tls(), a_->wall_now() + 48h).check, PeerCheck::Expired);
}

TEST_F(AsioEnvTest, ClientFromAnotherCaIsUntrustedButStillConnects) {
  const IssuedCertificate ca = self_signed("Tandem Lab Root", true);
  const IssuedCertificate other_ca = self_signed("Somebody Else's Root", true);
  auto client_tls = tls(*a_, issue_certificate(request("intruder.example"), other_ca).value(), {ca.certificate_pem},
                        TlsVerifyMode::Enforce);
  auto server_tls = tls(*b_, issue_certificate(request("peer-b.tandem.test"), ca).value(), {ca.certificate_pem},
                        TlsVerifyMode::Enforce);
  StreamPair pair = connect_pair(client_tls, server_tls);
  ASSERT_TRUE(pair.client && pair.server);
  const TlsSessionInfo& seen_by_server = pair.server->tls();
  EXPECT_FALSE(seen_by_server.chain.trusted);
  EXPECT_EQ(seen_by_server.chain.reason, "unable to get local issuer certificate");
  const PeerVerdict verdict = evaluate_peer(seen_by_server, b_->wall_now());
  EXPECT_EQ(verdict.check, PeerCheck::Untrusted);
  EXPECT_NE(verdict.message.find("intruder.example"), std::string::npos) << verdict.message;
  EXPECT_TRUE(pair.client->tls().chain.trusted) << pair.client->tls().chain.reason;
}

TEST_F(AsioEnvTest, EightMebibytesArriveIntactInOrderThenCloseIsClean) {
  StreamPair pair = connect_pair(tls(*a_, self_signed("a.tandem.test")), tls(*b_, self_signed("b.tandem.test")));
  ASSERT_TRUE(pair.client && pair.server);
  StreamLog client_log, server_log;
  pair.client->start(client_log.handlers());
  pair.server->start(server_log.handlers());

  Random random(7);
  Bytes payload(8u << 20);
  for (auto& byte : payload) byte = static_cast<std::uint8_t>(random.next_u64());
  for (std::size_t at = 0; at < payload.size();) {
    const std::size_t chunk = std::min<std::size_t>(payload.size() - at, 1 + random.below(200'000));
    pair.client->send(ByteView(payload.data() + at, chunk));
    at += chunk;
  }
  EXPECT_GT(pair.client->send_backlog_bytes(), 0u);
  pair.client->close();  // flushes first
  pair.client->send(view("after close: dropped"));
  ASSERT_TRUE(run_until([&] { return server_log.closed && client_log.closed; }, 30s));
  EXPECT_EQ(server_log.data.size(), payload.size());
  EXPECT_TRUE(server_log.data == payload);
  EXPECT_TRUE(server_log.closed->ok()) << server_log.closed->error().message;
  EXPECT_TRUE(client_log.closed->ok()) << client_log.closed->error().message;
  EXPECT_EQ(pair.client->send_backlog_bytes(), 0u);
  run_for(50ms);
  EXPECT_EQ(server_log.closed_count, 1);
  EXPECT_EQ(client_log.closed_count, 1);
}

TEST_F(AsioEnvTest, AnUnboundedBacklogFailsTheStreamInsteadOfGrowing) {
  StreamPair pair = connect_pair(nullptr, nullptr);
  ASSERT_TRUE(pair.client && pair.server);  // the server never reads
  StreamLog client_log;
  pair.client->start(client_log.handlers());
  const Bytes mebibyte(1u << 20, 0x5a);
  for (int i = 0; i < 80; ++i) pair.client->send(mebibyte);
  ASSERT_TRUE(run_until([&] { return client_log.closed.has_value(); }));
  ASSERT_FALSE(client_log.closed->ok());
  EXPECT_NE(client_log.closed->error().message.find("send backlog"), std::string::npos) << client_log.closed->error().message;
  EXPECT_EQ(pair.client->send_backlog_bytes(), 0u);
  run_for(20ms);
  EXPECT_EQ(client_log.closed_count, 1);
}

TEST_F(AsioEnvTest, PlainCloseIsOkOnBothSides) {
  StreamPair pair = connect_pair(nullptr, nullptr);
  ASSERT_TRUE(pair.client && pair.server);
  StreamLog client_log, server_log;
  pair.client->start(client_log.handlers());
  pair.server->start(server_log.handlers());
  pair.server->send(view("last words"));
  pair.server->close();
  ASSERT_TRUE(run_until([&] { return server_log.closed && client_log.closed; }));
  EXPECT_EQ(text(client_log.data), "last words");
  EXPECT_TRUE(client_log.closed->ok()) << client_log.closed->error().message;
  EXPECT_TRUE(server_log.closed->ok()) << server_log.closed->error().message;
}

TEST_F(AsioEnvTest, AStreamDestroyedFromItsOwnCallbackCallsNothingMore) {
  StreamPair pair = connect_pair(tls(*a_, self_signed("a.tandem.test")), tls(*b_, self_signed("b.tandem.test")));
  ASSERT_TRUE(pair.client && pair.server);
  StreamLog client_log;
  int server_data = 0, server_closed = 0;
  pair.client->start(client_log.handlers());
  pair.server->start(StreamHandlers{[&](ByteView) {
                                      ++server_data;
                                      pair.server.reset();  // the stream that is calling us
                                    },
                                    [&](Status) { ++server_closed; }});
  for (int i = 0; i < 50; ++i) pair.client->send(view(std::string(10000, 'x')));
  ASSERT_TRUE(run_until([&] { return client_log.closed.has_value(); }));
  run_for(50ms);
  EXPECT_EQ(server_data, 1);
  EXPECT_EQ(server_closed, 0);
  EXPECT_FALSE(client_log.closed->ok());  // the server vanished without a TLS goodbye
}

TEST_F(AsioEnvTest, DestroyedOrCancelledThingsNeverCallBack) {
  auto listener = b_->listen(Endpoint{kHostB, 0}, tls(*b_, self_signed("b.tandem.test")),
                             [](std::unique_ptr<Stream>) { ADD_FAILURE() << "listener called after destruction"; });
  ASSERT_TRUE(listener.ok());
  const Endpoint where = (*listener)->local();
  bool connected = false;
  Handle connecting = a_->connect(ConnectOptions{where}, tls(*a_, self_signed("a.tandem.test")),
                                  [&](Result<std::unique_ptr<Stream>>) { connected = true; });
  connecting.cancel();
  listener.value().reset();  // stop accepting, and drop a handshake in progress
  run_for(300ms);
  EXPECT_FALSE(connected);

  // A stream destroyed while data is on its way: no on_data, no on_closed.
  StreamPair pair = connect_pair(nullptr, nullptr);
  ASSERT_TRUE(pair.client && pair.server);
  int calls = 0;
  pair.server->start(StreamHandlers{[&](ByteView) { ++calls; }, [&](Status) { ++calls; }});
  pair.client->send(view("never read"));
  pair.server.reset();
  run_for(100ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(AsioEnvTest, ConnectErrorsNameTheRemote) {
  // Nobody listens on this port: refused at once.
  boost::asio::ip::tcp::acceptor probe(io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.3"), 0));
  const Endpoint closed{kHostB, probe.local_endpoint().port()};
  probe.close();
  std::string error;
  Handle h1 = a_->connect(ConnectOptions{closed}, nullptr, [&](Result<std::unique_ptr<Stream>> s) {
    error = s.ok() ? "(connected)" : s.error().message;
  });
  ASSERT_TRUE(run_until([&] { return !error.empty(); }));
  EXPECT_NE(error.find("connect to " + closed.to_string()), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;

  // A listener that accepts TCP but never speaks TLS: the timeout ends it.
  boost::asio::ip::tcp::acceptor silent(io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.3"), 0));
  error.clear();
  Handle h2 = a_->connect(ConnectOptions{Endpoint{kHostB, silent.local_endpoint().port()}, std::nullopt, 300ms},
                          tls(*a_, self_signed("a.tandem.test")), [&](Result<std::unique_ptr<Stream>> s) {
                            error = s.ok() ? "(connected)" : s.error().message;
                          });
  ASSERT_TRUE(run_until([&] { return !error.empty(); }, 5s));
  EXPECT_NE(error.find("TLS handshake timed out after 300 ms"), std::string::npos) << error;
}

TEST_F(AsioEnvTest, ListeningTwiceOnOneEndpointIsAnError) {
  auto first = b_->listen(Endpoint{kHostB, 0}, nullptr, [](std::unique_ptr<Stream>) {});
  ASSERT_TRUE(first.ok());
  auto second = b_->listen((*first)->local(), nullptr, [](std::unique_ptr<Stream>) {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find((*first)->local().to_string()), std::string::npos) << second.error().message;
}

TEST_F(AsioEnvTest, BadTlsConfigIsRefusedWithTheReason) {
  const IssuedCertificate one = self_signed("one.tandem.test");
  const IssuedCertificate two = self_signed("two.tandem.test");
  auto context = a_->make_tls_context(TlsConfig{one.certificate_pem, two.private_key_pem, {}});
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.error().message.find("does not match"), std::string::npos) << context.error().message;
}

TEST_F(AsioEnvTest, DatagramsRoundTrip) {
  std::vector<std::pair<Endpoint, std::string>> at_a, at_b;
  std::unique_ptr<DatagramSocket> socket_b;
  auto socket_a = a_->open_datagram(Endpoint{kHostA, 0}, [&](const Endpoint& from, ByteView payload) {
    at_a.emplace_back(from, std::string(payload.begin(), payload.end()));
  });
  auto opened_b = b_->open_datagram(Endpoint{kHostB, 0}, [&](const Endpoint& from, ByteView payload) {
    at_b.emplace_back(from, std::string(payload.begin(), payload.end()));
    socket_b->send_to(from, view("pong"));
  });
  ASSERT_TRUE(socket_a.ok() && opened_b.ok());
  socket_b = std::move(opened_b.value());
  (*socket_a)->send_to(socket_b->local(), view("ping"));
  ASSERT_TRUE(run_until([&] { return !at_a.empty(); }, 2s));
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_b[0].first, (*socket_a)->local());
  EXPECT_EQ(at_b[0].second, "ping");
  EXPECT_EQ(at_a[0].first, socket_b->local());
  EXPECT_EQ(at_a[0].second, "pong");

  auto twice = a_->open_datagram(socket_b->local(), [](const Endpoint&, ByteView) {});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find(socket_b->local().to_string()), std::string::npos) << twice.error().message;

  const Endpoint b_at = socket_b->local();
  socket_b.reset();  // closed: what is sent to it now goes nowhere, and nobody is called
  (*socket_a)->send_to(b_at, view("ping"));
  run_for(50ms);
  EXPECT_EQ(at_b.size(), 1u);
}

TEST_F(AsioEnvTest, TraceIsJsonLinesAndLogIsOneLine) {
  AsioEnvOptions options;
  options.trace_file = dir_ / "trace.jsonl";
  options.min_log_level = LogLevel::Warn;
  auto env = make_env("traced", kHostA, options);
  ASSERT_TRUE(env);
  env->trace("peer.start", "say \"hi\"\n");
  env->trace("peer.stop", "");
  std::ifstream file(options.trace_file);
  std::string first, second;
  ASSERT_TRUE(std::getline(file, first) && std::getline(file, second));
  EXPECT_EQ(first.rfind("{\"t_ns\":", 0), 0u) << first;
  EXPECT_NE(first.find(R"("host":"traced","kind":"peer.start","detail":"say \"hi\"\n"})"), std::string::npos) << first;
  EXPECT_NE(second.find(R"("kind":"peer.stop")"), std::string::npos);

  testing::internal::CaptureStderr();
  env->log(LogLevel::Info, "cluster", "below the minimum level");
  env->log(LogLevel::Error, "cluster", "peer 127.0.0.3 unreachable");
  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_EQ(logged.find("below the minimum"), std::string::npos);
  EXPECT_NE(logged.find(" error traced cluster: peer 127.0.0.3 unreachable\n"), std::string::npos) << logged;
  EXPECT_EQ(logged[4], '-');  // starts with an ISO 8601 date
  EXPECT_EQ(logged.back(), '\n');
}

TEST_F(AsioEnvTest, FilesLiveInTheDataDirectory) {
  const std::vector<std::uint8_t> content{1, 2, 3};
  ASSERT_TRUE(write_file_synced(a_->files(), "state.bin", content).ok());
  EXPECT_TRUE(fs::exists(dir_ / "a" / "state.bin"));
  auto back = read_file(a_->files(), "state.bin");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, content);
}

TEST_F(AsioEnvTest, CreateNeedsADataDirectory) {
  auto env = AsioEnv::create(io_, AsioEnvOptions{});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().message.find("data directory"), std::string::npos);
}

// ---- DNS -------------------------------------------------------------------

std::uint16_t free_udp_port() {
  boost::asio::io_context io;
  boost::asio::ip::udp::socket socket(io, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return socket.local_endpoint().port();
}

// A dnsmasq serving tandem.test from its command line, for one test.
class Dnsmasq {
 public:
  static constexpr const char* kPath = "/usr/sbin/dnsmasq";
  explicit Dnsmasq(const fs::path& dir) : port_(free_udp_port()) {
    std::vector<std::string> args{kPath, "--keep-in-foreground", "--no-resolv", "--no-hosts",
                                  "--port=" + std::to_string(port_), "--listen-address=127.0.0.1", "--bind-interfaces",
                                  "--pid-file=" + (dir / "dnsmasq.pid").string(), "--local=/tandem.test/",
                                  "--local-ttl=60", "--address=/peer1.tandem.test/127.0.0.11", "--address=/peer2.tandem.test/127.0.0.12",
                                  "--srv-host=_sip._tcp.cluster.tandem.test,peer1.tandem.test,5060,10,20",
                                  "--srv-host=_sip._tcp.cluster.tandem.test,peer2.tandem.test,5060,10,30"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kPath, nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~Dnsmasq() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  bool running() const { return pid_ > 0; }
  Endpoint endpoint() const { return Endpoint{IpAddress::v4(127, 0, 0, 1), port_}; }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

class AsioDnsTest : public AsioEnvTest {
 protected:
  void SetUp() override {
    if (!fs::exists(Dnsmasq::kPath)) GTEST_SKIP() << Dnsmasq::kPath << " is not installed";
    AsioEnvTest::SetUp();
    dnsmasq_ = std::make_unique<Dnsmasq>(dir_);
    ASSERT_TRUE(dnsmasq_->running());
    AsioEnvOptions options;
    options.dns_servers = {dnsmasq_->endpoint()};
    env_ = make_env("resolver", kHostA, options);
    // dnsmasq needs a moment to bind: ask until it answers (bounded).
    bool ready = false;
    for (int tries = 0; tries < 100 && !ready; ++tries) {
      ready = lookup("peer1.tandem.test", DnsType::A).ok();
      if (!ready) run_for(20ms);
    }
    ASSERT_TRUE(ready) << "dnsmasq did not come up on " << dnsmasq_->endpoint().to_string();
  }
  void TearDown() override {
    env_.reset();
    dnsmasq_.reset();
    AsioEnvTest::TearDown();
  }

  Result<DnsAnswer> lookup(const std::string& name, DnsType type, AsioEnv* env = nullptr) {
    std::optional<Result<DnsAnswer>> answer;
    Handle h = (env ? env : env_.get())->lookup(name, type, [&](Result<DnsAnswer> a) { answer = std::move(a); });
    if (!run_until([&] { return answer.has_value(); }, 10s)) return make_error("no answer within 10 s");
    return std::move(*answer);
  }

  std::unique_ptr<Dnsmasq> dnsmasq_;
  std::unique_ptr<AsioEnv> env_;
};

TEST_F(AsioDnsTest, AddressRecords) {
  auto answer = lookup("peer1.tandem.test", DnsType::A);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->addresses, (std::vector<IpAddress>{IpAddress::v4(127, 0, 0, 11)}));
  EXPECT_EQ(answer->ttl_s, 60u);
}

TEST_F(AsioDnsTest, ServiceRecords) {
  auto answer = lookup("_sip._tcp.cluster.tandem.test", DnsType::SRV);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  std::vector<SrvRecord> services = answer->services;
  std::sort(services.begin(), services.end());
  EXPECT_EQ(services, (std::vector<SrvRecord>{{10, 20, 5060, "peer1.tandem.test"}, {10, 30, 5060, "peer2.tandem.test"}}));
}

TEST_F(AsioDnsTest, UnknownNameIsNoSuchName) {
  auto answer = lookup("nosuch.tandem.test", DnsType::A);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "no such name nosuch.tandem.test");
}

TEST_F(AsioDnsTest, RefusalIsAnErrorSayingSo) {
  auto answer = lookup("elsewhere.example", DnsType::A);  // outside dnsmasq's zone, no upstream
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("REFUSED"), std::string::npos) << answer.error().message;
}

TEST_F(AsioDnsTest, IpLiteralsAnswerThemselves) {
  auto answer = lookup("127.0.0.9", DnsType::A);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->addresses, (std::vector<IpAddress>{IpAddress::v4(127, 0, 0, 9)}));
}

TEST_F(AsioDnsTest, DeadServerIsSkippedForALiveOne) {
  AsioEnvOptions options;
  options.dns_servers = {Endpoint{IpAddress::v4(127, 0, 0, 1), free_udp_port()}, dnsmasq_->endpoint()};
  auto env = make_env("fallback", kHostA, options);
  auto answer = lookup("peer2.tandem.test", DnsType::A, env.get());
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->addresses, (std::vector<IpAddress>{IpAddress::v4(127, 0, 0, 12)}));

  options.dns_servers = {Endpoint{IpAddress::v4(127, 0, 0, 1), free_udp_port()}};
  auto lonely = make_env("lonely", kHostA, options);
  auto failed = lookup("peer2.tandem.test", DnsType::A, lonely.get());
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("lookup of peer2.tandem.test failed"), std::string::npos) << failed.error().message;
}

TEST_F(AsioDnsTest, RepliesWithTheWrongIdAreIgnoredUntilTheTryTimesOut) {
  // A "server" that answers every query at once, but with a wrong id.
  boost::asio::ip::udp::socket liar(io_, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  std::array<std::uint8_t, 512> buffer{};
  boost::asio::ip::udp::endpoint from;
  int queries = 0;
  std::function<void()> serve = [&] {
    liar.async_receive_from(boost::asio::buffer(buffer), from, [&](const boost::system::error_code& error, std::size_t size) {
      if (error) return;
      ++queries;
      buffer[0] ^= 0xff;  // not the id asked
      buffer[2] |= 0x80;  // a reply
      liar.send_to(boost::asio::buffer(buffer.data(), size), from);
      serve();
    });
  };
  serve();
  AsioEnvOptions options;
  options.dns_servers = {Endpoint{IpAddress::v4(127, 0, 0, 1), liar.local_endpoint().port()}};
  auto env = make_env("fooled", kHostA, options);
  auto answer = lookup("peer1.tandem.test", DnsType::A, env.get());
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("did not answer within 2 s"), std::string::npos) << answer.error().message;
  EXPECT_EQ(queries, 2);  // two rounds over one server
  liar.close();
}

TEST_F(AsioDnsTest, CancelledLookupNeverAnswers) {
  bool answered = false;
  Handle h = env_->lookup("peer1.tandem.test", DnsType::A, [&](Result<DnsAnswer>) { answered = true; });
  h.cancel();
  { Handle dropped = env_->lookup("127.0.0.1", DnsType::A, [&](Result<DnsAnswer>) { answered = true; }); }
  run_for(200ms);
  EXPECT_FALSE(answered);
}

}  // namespace
}  // namespace tandem
