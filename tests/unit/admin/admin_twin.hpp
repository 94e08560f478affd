#pragma once
// Peers with their admin API on twin hosts 10.0.0.1..n: a test calls the API
// as tandemd's HTTPS server would (AdminApi::handle) and drives virtual time.
// Every peer has the same administrator accounts (they are replicated items).

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/admin/admin_api.hpp"
#include "runtime/admin/base64.hpp"
#include "runtime/admin/http.hpp"
#include "runtime/admin/password.hpp"
#include "runtime/env/tls/pki.hpp"
#include "runtime/peer.hpp"
#include "simulator/simulation.hpp"

namespace tandem::admin {

using namespace std::chrono_literals;

// One twin host's process: the peer and the API over it (destroyed first).
struct Node {
  std::unique_ptr<Peer> peer;
  std::unique_ptr<AdminApi> api;
};

inline constexpr char kAdminPassword[] = "Adm1n-pass";
inline constexpr char kViewerPassword[] = "View-only-7";
inline constexpr char kAuditorPassword[] = "Audit-9";
inline constexpr char kRetiredPassword[] = "Retired-3";

// The accounts every peer is installed with. Hashing is slow on purpose, so
// the hashes are made once per test binary.
inline const std::vector<config::Change>& account_changes() {
  static const std::vector<config::Change> changes = [] {
    Random random(11);
    return std::vector<config::Change>{
        {"Login Administrator 1 Name", "admin"},
        {"Login Administrator 1 PasswordHash", hash_password(kAdminPassword, random)},
        {"Login Administrator 2 Name", "viewer"},
        {"Login Administrator 2 PasswordHash", hash_password(kViewerPassword, random)},
        {"Login Administrator 2 AccessLevel", "ReadOnly"},
        {"Login Administrator 3 Name", "auditor"},
        {"Login Administrator 3 PasswordHash", hash_password(kAuditorPassword, random)},
        {"Login Administrator 3 AccessLevel", "Auditor"},
        {"Login Administrator 4 Name", "retired"},
        {"Login Administrator 4 PasswordHash", hash_password(kRetiredPassword, random)},
        {"Login Administrator 4 State", "Disabled"},
    };
  }();
  return changes;
}

inline std::string basic(std::string_view user, std::string_view password) {
  const std::string pair = std::string(user) + ":" + std::string(password);
  return "Basic " + base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(pair.data()), pair.size()));
}

// A reply that may come later (a watch).
struct Pending {
  std::optional<Response> response;
  Json json() const { return Json::parse(response->body); }
};

class AdminTwin : public ::testing::Test {
 protected:
  AdminTwin() : sim_(sim::SimulationOptions{.seed = 5, .log_level = LogLevel::Info}) {}

  // n hosts; when `clustered`, every peer lists all n (peer 1 is the primary).
  void build(int n, bool clustered) {
    const WallTime epoch = sim_.wall_epoch();
    cert_ = make_self_signed(CertificateRequest{"peer", {}, {}, epoch - 24h, epoch + 24h * 365, false}).value();
    for (int i = 0; i < n; ++i) {
      auto host = sim_.add_host("h" + std::to_string(i + 1), {IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i + 1))});
      ASSERT_TRUE(host.ok());
      hosts_.push_back(*host);
      std::vector<config::Change> install = account_changes();
      install.push_back({"SystemUnit Name", "vcs-" + std::to_string(i + 1)});
      if (clustered) {
        install.push_back({"Alternates Cluster Name", "cluster.tandem.test"});
        for (int p = 0; p < n; ++p) {
          install.push_back({"Alternates Peer " + std::to_string(p + 1) + " Address", "10.0.0." + std::to_string(p + 1)});
        }
      }
      installs_.push_back(install);
    }
  }

  void start(int slot, const std::vector<config::Change>& extra = {}) {
    auto install = installs_[static_cast<std::size_t>(slot - 1)];
    install.insert(install.end(), extra.begin(), extra.end());
    const IssuedCertificate cert = cert_;
    const std::shared_ptr<int> restarts = restarts_;
    host(slot).start(sim::process_factory<Node>([install, cert, restarts](Env& env) {
      {  // what the operator configured before this boot
        auto store = config::Store::open(env.files(), config::vcs_schema()).value();
        TANDEM_ASSERT(store->apply(install, "install", env.wall_now()).ok());
      }
      PeerOptions options;
      options.software_version = "X8.9.1";
      options.tls = TlsConfig{cert.certificate_pem, cert.private_key_pem, {}, TlsVerifyMode::Permissive};
      options.membership.interval = 1s;
      options.membership.failure_after = 5s;
      options.replication.pull_interval = 10s;
      auto node = std::make_unique<Node>();
      node->peer = Peer::start(env, options).value();
      node->api = std::make_unique<AdminApi>(env, *node->peer, Hooks{[restarts] { ++*restarts; }});
      return node;
    }));
  }

  // Two peers that have formed their cluster (peer 1 is the primary).
  void cluster_of_two() {
    build(2, true);
    start(1);
    start(2);
    run(3s);
  }

  sim::SimHost& host(int slot) { return *hosts_[static_cast<std::size_t>(slot - 1)]; }
  Peer& peer(int slot) { return *host(slot).process<Node>()->peer; }
  AdminApi& api(int slot) { return *host(slot).process<Node>()->api; }
  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }

  // Hands a request to peer `slot`'s API; the reply lands in the result.
  std::shared_ptr<Pending> send(int slot, std::string method, std::string target, std::string authorization,
                                std::string body = "", IpAddress client = IpAddress::v4(192, 0, 2, 10)) {
    auto pending = std::make_shared<Pending>();
    api(slot).handle(Request{std::move(method), std::move(target), std::move(authorization), std::move(body), client},
                     [pending](Response r) {
                       EXPECT_FALSE(pending->response.has_value()) << "replied twice";
                       pending->response = std::move(r);
                     });
    return pending;
  }

  // A request that must be answered at once.
  Response call(int slot, std::string method, std::string target, std::string body = "",
                std::string authorization = basic("admin", kAdminPassword),
                IpAddress client = IpAddress::v4(192, 0, 2, 10)) {
    auto pending = send(slot, std::move(method), std::move(target), std::move(authorization), std::move(body), client);
    EXPECT_TRUE(pending->response.has_value()) << "no reply at once";
    return pending->response.value_or(Response{0, "{}", {}});
  }

  static Json json(const Response& r) { return Json::parse(r.body); }
  static std::string error(const Response& r) { return json(r).value("error", std::string("(no error field)")); }
  // The reply is an error with this status and exactly this message.
  static ::testing::AssertionResult refused(const Response& r, int status, std::string_view message) {
    if (r.status == status && error(r) == message) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << r.status << " " << r.body << "; expected " << status << " "
                                         << message;
  }
  static std::string header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (iequals(k, name)) return v;
    }
    return "";
  }

  sim::Simulation sim_;
  IssuedCertificate cert_;
  std::vector<sim::SimHost*> hosts_;
  std::vector<std::vector<config::Change>> installs_;
  std::shared_ptr<int> restarts_ = std::make_shared<int>(0);
};

}  // namespace tandem::admin
