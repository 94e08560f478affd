// TLS verification mode across whole peers in the twin (the guide's Appendix 3):
// under Enforce a cluster forms only with certificates from a trusted CA, in
// date, whose CN or a SAN resolves in each peer's DNS to the address the
// connection came from; both cluster ports (4371 membership, 4372 replication)
// refuse the others with "peer certificate refused" saying why. Permissive
// forms the cluster regardless.

#include <gtest/gtest.h>

#include "runtime/env/tls/pki.hpp"
#include "runtime/peer.hpp"
#include "simulator/simulation.hpp"

namespace tandem {
namespace {

using namespace std::chrono_literals;
using cluster::AlarmId;
using cluster::DatabaseStatus;
using cluster::PeerState;

const WallTime kEpoch = sim::SimulationOptions{}.wall_epoch;

std::string fqdn(int slot) { return "vcs" + std::to_string(slot) + ".example.test"; }
std::string lab_fqdn(int slot) { return "vcs" + std::to_string(slot) + ".lab.test"; }
IpAddress address(int slot) { return IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(slot)); }

// As the guide recommends: the cluster FQDN as CN, the peer's FQDN as SAN.
CertificateRequest request(const std::string& san, WallTime not_before, WallTime not_after) {
  return CertificateRequest{"cluster.example.test", {san}, {}, not_before, not_after, false};
}

// Made once: key generation draws on OpenSSL's randomness, and the same bytes
// in every run keep the twin's trace reproducible.
struct Certificates {
  IssuedCertificate ca;
  IssuedCertificate good[2];         // SAN vcsN.example.test, which DNS resolves to peer N
  IssuedCertificate lab[2];          // SAN vcsN.lab.test, which DNS may or may not resolve
  IssuedCertificate self_signed_2;   // SAN vcs2.example.test, no CA
  IssuedCertificate expired_2;       // SAN vcs2.example.test, ended an hour before the twin starts

  static const Certificates& get() {
    static const Certificates certs = [] {
      Certificates c;
      c.ca = make_self_signed(CertificateRequest{"Example CA", {}, {}, kEpoch - 24h, kEpoch + 24h * 365, true}).value();
      for (int slot = 1; slot <= 2; ++slot) {
        const auto i = static_cast<std::size_t>(slot - 1);
        c.good[i] = issue_certificate(request(fqdn(slot), kEpoch - 1h, kEpoch + 24h * 30), c.ca).value();
        c.lab[i] = issue_certificate(request(lab_fqdn(slot), kEpoch - 1h, kEpoch + 24h * 30), c.ca).value();
      }
      c.self_signed_2 = make_self_signed(request(fqdn(2), kEpoch - 1h, kEpoch + 24h * 30)).value();
      c.expired_2 = issue_certificate(request(fqdn(2), kEpoch - 24h * 60, kEpoch - 1h), c.ca).value();
      return c;
    }();
    return certs;
  }
};

enum class Bad : std::uint8_t { Untrusted, Expired, NameDoesNotResolve, NameResolvesElsewhere };

// Two peers on 10.0.0.1-2, listed by FQDN (as Enforce wants), peer 1 the primary.
class EnforceTwin {
 public:
  explicit EnforceTwin(std::uint64_t seed = 3) : sim_(sim::SimulationOptions{.seed = seed}) {
    const Certificates& certs = Certificates::get();
    for (int slot = 1; slot <= 2; ++slot) {
      hosts_.push_back(sim_.add_host("h" + std::to_string(slot), {address(slot)}).value());
      sim_.dns().set_addresses(fqdn(slot), {address(slot)});
      certs_.push_back(certs.good[static_cast<std::size_t>(slot - 1)]);
    }
  }

  // Gives peer `slot` a certificate with `bad`, and says what a refusal of it contains.
  std::string make_bad(int slot, Bad bad) {
    const Certificates& certs = Certificates::get();
    IssuedCertificate& cert = certs_[static_cast<std::size_t>(slot - 1)];
    switch (bad) {
      case Bad::Untrusted:
        cert = certs.self_signed_2;
        return "does not chain to a trusted CA";
      case Bad::Expired:
        cert = certs.expired_2;
        return "expired at";
      case Bad::NameDoesNotResolve:  // no DNS record for its SAN
        cert = certs.lab[static_cast<std::size_t>(slot - 1)];
        return "certificate name " + lab_fqdn(slot) + " does not resolve: no such name " + lab_fqdn(slot);
      case Bad::NameResolvesElsewhere:
        cert = certs.lab[static_cast<std::size_t>(slot - 1)];
        sim_.dns().set_addresses(lab_fqdn(slot), {IpAddress::v4(10, 0, 0, 9)});
        return "certificate name " + lab_fqdn(slot) + " resolves to 10.0.0.9, not " + address(slot).to_string();
    }
    return "?";
  }

  void start_all(TlsVerifyMode mode) {
    for (int slot = 1; slot <= 2; ++slot) start(slot, mode);
  }

  void start(int slot, TlsVerifyMode mode) {
    std::vector<config::Change> install = {{"SystemUnit Name", "vcs-" + std::to_string(slot)},
                                           {"Alternates Cluster Name", "cluster.example.test"},
                                           {"Alternates Cluster TlsVerificationMode", std::string(to_string(mode))}};
    for (int p = 1; p <= 2; ++p) install.push_back({"Alternates Peer " + std::to_string(p) + " Address", fqdn(p)});
    const IssuedCertificate cert = certs_[static_cast<std::size_t>(slot - 1)];
    const std::string ca = Certificates::get().ca.certificate_pem;
    host(slot).start(sim::process_factory<Peer>([install, cert, ca](Env& env) {
      {
        auto store = config::Store::open(env.files(), config::vcs_schema()).value();
        TANDEM_ASSERT(store->apply(install, "install", env.wall_now()).ok());
      }
      PeerOptions options;
      options.software_version = "X8.9.1";
      options.tls = TlsConfig{cert.certificate_pem, cert.private_key_pem, {ca}, TlsVerifyMode::Permissive};
      return Peer::start(env, options).value();
    }));
  }

  sim::SimHost& host(int slot) { return *hosts_[static_cast<std::size_t>(slot - 1)]; }
  Peer& peer(int slot) { return *host(slot).process<Peer>(); }
  const cluster::Alarm* refused(int slot) { return peer(slot).alarms().find(AlarmId::PeerCertificateRefused); }

  // Whether host `slot` logged, under `component`, a line containing `text`.
  bool logged(int slot, std::string_view component, std::string_view text) const {
    for (const sim::LogLine& line : sim_.logs()) {
      if (line.host == slot - 1 && line.component == component && line.message.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  // Both peers Active to each other, the database Active on both, no alarm anywhere.
  bool formed() {
    for (int slot = 1; slot <= 2; ++slot) {
      if (peer(slot).database_status() != DatabaseStatus::Active || peer(slot).alarms().size() != 0) return false;
      if (peer(slot).membership()->peer(3 - slot).state != PeerState::Active) return false;
    }
    return true;
  }

  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }
  bool run_until_formed(Duration limit) {
    auto done = sim_.run_until([this] { return formed(); }, limit);
    return done.ok() && *done;
  }

  sim::Simulation sim_;

 private:
  std::vector<sim::SimHost*> hosts_;
  std::vector<IssuedCertificate> certs_;
};

class EnforceTest : public ::testing::Test, public EnforceTwin {};

TEST_F(EnforceTest, CertificatesWhoseNamesResolveToTheirPeersFormTheCluster) {
  start_all(TlsVerifyMode::Enforce);
  ASSERT_TRUE(run_until_formed(5s));
  ASSERT_TRUE(peer(1).configure({{"Zones Zone 1 Name", "Verified"}}, "admin").ok());
  run(100ms);
  EXPECT_EQ(*peer(2).get("Zones Zone 1 Name"), "Verified");
  EXPECT_FALSE(refused(1));
  EXPECT_FALSE(refused(2));
}

class EnforceRefusalTest : public EnforceTest, public ::testing::WithParamInterface<Bad> {};

TEST_P(EnforceRefusalTest, BothPortsRefuseThePeerAndSayWhy) {
  const std::string why = make_bad(2, GetParam());
  start_all(TlsVerifyMode::Enforce);
  run(8s);
  const cluster::Alarm* alarm = refused(1);
  ASSERT_NE(alarm, nullptr);
  EXPECT_NE(alarm->detail.find(why), std::string::npos) << alarm->detail;
  EXPECT_TRUE(logged(1, "cluster", "refused peer 2 (10.0.0.2:4371): "));          // the link peer 1 dialed
  EXPECT_TRUE(logged(1, "cluster", why));
  EXPECT_TRUE(logged(1, "replication", "refused database connection (10.0.0.2:"));  // 4372
  EXPECT_TRUE(logged(1, "replication", why));
  EXPECT_EQ(peer(1).membership()->peer(2).state, PeerState::Failed);
  EXPECT_EQ(peer(2).membership()->peer(1).state, PeerState::Failed);  // peer 1 sends it nothing
  EXPECT_NE(peer(2).database_status(), DatabaseStatus::Active);
  EXPECT_FALSE(refused(2));  // peer 1's certificate is fine
}

TEST_P(EnforceRefusalTest, PermissiveFormsTheClusterAnyway) {
  make_bad(2, GetParam());
  start_all(TlsVerifyMode::Permissive);
  EXPECT_TRUE(run_until_formed(5s));
  EXPECT_FALSE(logged(1, "cluster", "refused"));
  EXPECT_FALSE(logged(1, "replication", "refused"));
}

constexpr const char* kBadNames[] = {"Untrusted", "Expired", "NameDoesNotResolve", "NameResolvesElsewhere"};
void PrintTo(Bad bad, std::ostream* out) { *out << kBadNames[static_cast<int>(bad)]; }
std::string fault_name(const ::testing::TestParamInfo<Bad>& info) { return kBadNames[static_cast<int>(info.param)]; }

INSTANTIATE_TEST_SUITE_P(EachFault, EnforceRefusalTest,
                         ::testing::Values(Bad::Untrusted, Bad::Expired, Bad::NameDoesNotResolve,
                                           Bad::NameResolvesElsewhere),
                         fault_name);

TEST_F(EnforceTest, AddingTheMissingDnsRecordLetsTheNextAttemptInAndClearsTheAlarm) {
  make_bad(2, Bad::NameDoesNotResolve);
  start_all(TlsVerifyMode::Enforce);
  run(8s);
  ASSERT_TRUE(refused(1));
  sim_.dns().set_addresses(lab_fqdn(2), {address(2)});  // the operator adds the record; nobody restarts
  EXPECT_TRUE(run_until_formed(10s));
  EXPECT_FALSE(refused(1));
}

TEST_F(EnforceTest, ThePeerThatComesBackWithABadCertificateKeepsTheAlarmUpSteadily) {
  start_all(TlsVerifyMode::Enforce);
  ASSERT_TRUE(run_until_formed(5s));
  const std::string why = make_bad(2, Bad::Untrusted);
  host(2).crash();
  start(2, TlsVerifyMode::Enforce);  // back at once, untrusted: its old heartbeats still count a while
  ASSERT_TRUE(sim_.run_until([this] { return refused(1) != nullptr; }, 5s).value());
  for (int i = 0; i < 100; ++i) {  // 10 s: past the failure window, through many redials
    run(100ms);
    ASSERT_NE(refused(1), nullptr) << "cleared at " << i * 100 << " ms";
  }
  EXPECT_NE(refused(1)->detail.find(why), std::string::npos) << refused(1)->detail;
  std::size_t raised = 0;
  for (const sim::LogLine& line : sim_.logs()) raised += line.host == 0 && line.message.find("refused peer 2") != std::string::npos;
  EXPECT_GT(raised, 1u);  // redialled and refused again, without the alarm going away in between
}

TEST_F(EnforceTest, ARefusedCallerThatIsNotAListedPeerIsOnlyLogged) {
  start_all(TlsVerifyMode::Enforce);
  ASSERT_TRUE(run_until_formed(5s));
  auto outsider = sim_.add_host("outsider", {IpAddress::v4(10, 0, 0, 77)}).value();
  struct Caller {  // holds its connection open while peer 1 judges it
    Handle dialing;
    std::unique_ptr<Stream> stream;
  };
  const IssuedCertificate self_signed = Certificates::get().self_signed_2;
  outsider->start(sim::process_factory<Caller>([self_signed](Env& env) {
    auto caller = std::make_unique<Caller>();
    auto tls = env.make_tls_context(TlsConfig{self_signed.certificate_pem, self_signed.private_key_pem, {}, TlsVerifyMode::Permissive});
    caller->dialing = env.connect(ConnectOptions{Endpoint{address(1), cluster::kRecoveryPort}}, tls.value(),
                                  [c = caller.get()](Result<std::unique_ptr<Stream>> s) {
                                    if (s) c->stream = std::move(s.value());
                                  });
    return caller;
  }));
  run(2s);
  EXPECT_TRUE(logged(1, "cluster", "refused connection (10.0.0.77:"));
  EXPECT_EQ(refused(1), nullptr);
  EXPECT_TRUE(formed());
}

TEST_F(EnforceTest, ASubordinateRefusesAPrimaryWhoseNameResolvesElsewhere) {
  const std::string why = make_bad(1, Bad::NameResolvesElsewhere);
  start_all(TlsVerifyMode::Enforce);
  run(8s);
  ASSERT_NE(refused(2), nullptr);
  EXPECT_NE(refused(2)->detail.find(why), std::string::npos) << refused(2)->detail;
  EXPECT_TRUE(logged(2, "replication", "refused primary peer 1 (10.0.0.1:4372): " + why));
  EXPECT_EQ(peer(2).database_status(), DatabaseStatus::Failed);
  EXPECT_EQ(peer(2).membership()->peer(1).state, PeerState::Failed);
}

TEST(EnforceTwinTest, TheSameSeedReplaysRefusalAndRecoveryToTheSameTrace) {
  std::string hashes[2];
  for (std::string& hash : hashes) {
    EnforceTwin twin(17);
    twin.make_bad(2, Bad::NameResolvesElsewhere);
    twin.start_all(TlsVerifyMode::Enforce);
    twin.run(8s);
    twin.sim_.dns().set_addresses(lab_fqdn(2), {address(2)});
    EXPECT_TRUE(twin.run_until_formed(10s));
    hash = twin.sim_.trace().hash_hex();
  }
  EXPECT_EQ(hashes[0], hashes[1]);
}

}  // namespace
}  // namespace tandem
