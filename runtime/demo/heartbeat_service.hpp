#pragma once
// The seam's proof: a small service written once against Env that runs both on
// real sockets (tandem-demo) and in the twin. Each host keeps a TLS connection to
// every other host, sends a heartbeat each interval, and the other side echoes
// it; a host "reaches" a peer while its echoes keep coming. The boot count is a
// synced file (it survives crashes); the reachability log is written without
// sync (a crash may lose its tail).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/env/env.hpp"
#include "runtime/net/framed_link.hpp"
#include "runtime/wire/frame.hpp"

namespace tandem::demo {

struct HeartbeatConfig {
  std::string name;               // this host, as the others will know it
  Endpoint listen;                // own address and port
  std::vector<Endpoint> peers;    // every other host's listen endpoint
  Duration interval = std::chrono::seconds(1);
  int missed_before_unreachable = 3;
  TlsConfig tls;
};

struct PeerStatus {
  Endpoint endpoint;
  std::string name;               // learnt from its echoes; empty until then
  bool reachable = false;
  std::optional<Duration> last_rtt;
  std::uint64_t echoes = 0;       // echoes received since this boot
};

class HeartbeatService {
 public:
  static Result<std::unique_ptr<HeartbeatService>> start(Env& env, HeartbeatConfig config);
  ~HeartbeatService();

  const std::string& name() const { return config_.name; }
  std::uint64_t boot_count() const { return boot_count_; }
  std::uint64_t heartbeats_answered() const { return heartbeats_answered_; }
  const std::vector<PeerStatus>& peers() const { return status_; }
  // Names of the peers reached now, sorted.
  std::vector<std::string> reachable() const;
  // "h1 reaches h2,h3" (or "h1 reaches nobody").
  std::string summary() const;

 private:
  struct Outbound;

  HeartbeatService(Env& env, HeartbeatConfig config);
  Status load_boot_count();
  void on_connected(std::size_t peer, std::unique_ptr<Stream> stream);
  void on_echo(std::size_t peer, const wire::Frame& frame);
  void drop_outbound(std::size_t peer, const std::string& why);
  void on_accept(std::unique_ptr<Stream> stream);
  void on_heartbeat(std::uint64_t id, const wire::Frame& frame);
  void tick();
  void update_reachability();

  Env& env_;
  HeartbeatConfig config_;
  std::shared_ptr<const TlsContext> tls_;
  std::unique_ptr<StreamListener> listener_;
  std::vector<std::unique_ptr<Outbound>> outbound_;  // one per peer, same order as config_.peers
  std::map<std::uint64_t, std::unique_ptr<net::FramedLink>> inbound_;
  std::vector<PeerStatus> status_;
  Handle tick_timer_;
  std::uint64_t next_inbound_id_ = 1;
  std::uint64_t seq_ = 0;
  std::uint64_t boot_count_ = 0;
  std::uint64_t heartbeats_answered_ = 0;
  std::unique_ptr<File> reach_log_;
  std::uint64_t reach_log_size_ = 0;
  std::string last_summary_;
};

}  // namespace tandem::demo
