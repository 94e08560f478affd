#pragma once
// The twin's network: links between hosts (latency, jitter, loss, bandwidth),
// one-way and two-way partitions, UDP datagrams and modelled TCP/TLS streams.
//
// Streams are reliable and ordered, as TCP: a lost packet costs a retransmission
// delay, not data. While the far side is unreachable (partition, host down) the
// data waits; if it waits longer than the TCP user timeout the sender's end
// breaks. A host that restarted answers old connections with a reset. TLS is
// modelled, not run: the handshake costs its round trips and each side's chain
// is judged by the same verify_chain() AsioEnv uses.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "runtime/env/env.hpp"
#include "simulator/link.hpp"

namespace tandem::sim {

class Simulation;
class SimStream;
class SimListener;
class SimDatagramSocket;
struct Connection;

struct NetworkStats {
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_delivered = 0;
  std::uint64_t datagrams_lost = 0;
  std::uint64_t segments_delivered = 0;
  std::uint64_t bytes_delivered = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_broken = 0;
};

class Network {
 public:
  explicit Network(Simulation& sim);
  ~Network();

  // Links. set_link applies to both directions.
  void set_default_link(const LinkSpec& link) { default_link_ = link; }
  void set_link(std::int32_t a, std::int32_t b, const LinkSpec& link);
  void set_link_one_way(std::int32_t from, std::int32_t to, const LinkSpec& link);
  const LinkSpec& link(std::int32_t from, std::int32_t to) const;

  // Partitions. One-way: packets from `from` to `to` are dropped (datagrams) or
  // held (streams); the other direction still flows.
  void partition(std::int32_t a, std::int32_t b);
  void partition_one_way(std::int32_t from, std::int32_t to);
  void heal(std::int32_t a, std::int32_t b);
  void heal_all();
  bool blocked(std::int32_t from, std::int32_t to) const { return cuts_.count({from, to}) != 0; }

  void set_tcp_user_timeout(Duration timeout) { user_timeout_ns_ = to_ns(timeout); }
  const NetworkStats& stats() const { return stats_; }

  // Called when a host comes back or resumes: held data gets another try.
  void retry_held();
  // Called when a host crashes: its listeners and sockets are gone with it.
  void host_crashed(std::int32_t host);

  // The stream model's packets (public only so the model's helper types in
  // network.cpp can name them).
  enum class SegmentKind : std::uint8_t { Syn, SynAck, Ack, ClientHello, ServerFlight, ClientFinished, Data, Fin, Rst };
  struct Segment {
    SegmentKind kind;
    Bytes data;
  };

  // ---- Env entry points (SimEnv forwards here) ----
  Result<std::unique_ptr<StreamListener>> listen(std::int32_t host, std::uint64_t inc, const Endpoint& local,
                                                 std::shared_ptr<const TlsContext> tls, AcceptHandler on_accept);
  Handle connect(std::int32_t host, std::uint64_t inc, const ConnectOptions& options,
                 std::shared_ptr<const TlsContext> tls, ConnectHandler on_connect);
  Result<std::unique_ptr<DatagramSocket>> open_datagram(std::int32_t host, std::uint64_t inc,
                                                        const Endpoint& local, DatagramHandler on_datagram);

 private:
  friend class SimStream;
  friend class SimListener;
  friend class SimDatagramSocket;

  std::int32_t host_of(const IpAddress& ip) const;
  Status check_local(std::int32_t host, const Endpoint& local) const;
  // The endpoints a bind to `local` occupies (every address of the host for the
  // wildcard address), or why it cannot have them.
  template <class Sockets>
  Result<std::vector<Endpoint>> claim(const Sockets& taken, std::int32_t host, const Endpoint& local,
                                      std::string_view what) const;
  std::uint16_t ephemeral_port(std::int32_t host);
  std::int64_t transit_ns(std::int32_t from, std::int32_t to, std::size_t bytes, bool syn);

  // Stream machinery.
  void send_segment(const std::shared_ptr<Connection>& conn, int dir, SegmentKind kind, Bytes data = {});
  void deliver_segment(std::uint64_t conn_id, int dir, std::uint64_t epoch);
  void handle_segment(const std::shared_ptr<Connection>& conn, int dir, SegmentKind kind, Bytes data);
  void on_syn(const std::shared_ptr<Connection>& conn);
  void on_client_ready(const std::shared_ptr<Connection>& conn);
  void on_server_ready(const std::shared_ptr<Connection>& conn);
  void hold(const std::shared_ptr<Connection>& conn, int dir);
  void reschedule(const std::shared_ptr<Connection>& conn, int dir);
  void fail_connect(const std::shared_ptr<Connection>& conn, const std::string& why);
  void close_end(const std::shared_ptr<Connection>& conn, int side, Status why);
  void forget_if_done(const std::shared_ptr<Connection>& conn);
  TlsSessionInfo judge(const TlsContext* mine, const TlsContext* theirs);
  // Runs `fn` as `host`'s process while `alive` holds: `later` from a fresh
  // event (never inside the caller), `later_direct` from the current one.
  void later(std::int32_t host, std::uint64_t inc, std::shared_ptr<bool> alive, std::function<void()> fn);
  template <class F>
  void later_direct(std::int32_t host, std::uint64_t inc, const std::shared_ptr<bool>& alive, F fn);

  // Datagrams.
  void send_datagram(std::int32_t host, const Endpoint& from, const Endpoint& to, ByteView payload);
  void deliver_datagram(std::int32_t from_host, const Endpoint& from, const Endpoint& to, const Bytes& payload);

  Simulation& sim_;
  Random random_;
  LinkSpec default_link_;
  std::map<std::pair<std::int32_t, std::int32_t>, LinkSpec> links_;
  std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> link_busy_until_ns_;
  std::set<std::pair<std::int32_t, std::int32_t>> cuts_;
  std::map<Endpoint, SimListener*> listeners_;
  // Every datagram looks its socket up (10 000 endpoints hold one each); nothing iterates it in an order that matters.
  std::unordered_map<Endpoint, SimDatagramSocket*, EndpointHash> datagram_sockets_;
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
  std::map<std::int32_t, std::uint16_t> next_port_;
  std::map<std::pair<std::string, std::string>, ChainVerdict> verdict_cache_;
  std::uint64_t next_connection_id_ = 1;
  std::int64_t user_timeout_ns_ = 20'000'000'000;
  NetworkStats stats_;
};

}  // namespace tandem::sim
