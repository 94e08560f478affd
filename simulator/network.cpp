#include "simulator/network.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "simulator/host.hpp"
#include "simulator/simulation.hpp"

namespace tandem::sim {

// ---- connection state ----------------------------------------------------------
// Side 0 is the client, side 1 the server. Direction d carries packets from side
// d to side 1 - d, in order; each queued packet has exactly one pending delivery
// event of the direction's current epoch.

// First in, first out, keeping its storage when it empties: a direction
// mostly holds one packet at a time, and a std::deque would free and
// allocate a block for each.
class SegmentQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  void push_back(Network::Segment s) { items_.push_back(std::move(s)); }
  Network::Segment pop_front() {
    Network::Segment s = std::move(items_[head_++]);
    if (empty()) {
      clear();
    } else if (head_ >= kCompactAfter && head_ * 2 >= items_.size()) {  // a queue that never drains stays bounded
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return s;
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }
  auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const { return items_.end(); }

 private:
  static constexpr std::size_t kCompactAfter = 64;
  std::vector<Network::Segment> items_;
  std::size_t head_ = 0;
};

struct Direction {
  SegmentQueue queue;
  std::uint64_t epoch = 0;
  bool held = false;
  std::int64_t held_since_ns = -1;  // first stall of the current outage; -1 when flowing
  std::int64_t last_ns = 0;
  std::size_t bytes = 0;
};

struct Connection {
  std::uint64_t id = 0;
  std::int32_t host[2] = {kNoHost, kNoHost};
  std::uint64_t inc[2] = {0, 0};
  Endpoint addr[2];
  std::shared_ptr<const TlsContext> tls[2];
  TlsSessionInfo session[2];
  SimStream* user[2] = {nullptr, nullptr};
  bool open[2] = {true, false};
  Direction dir[2];
  ConnectHandler on_connect;
  std::shared_ptr<bool> connect_live;

  bool connecting() const { return connect_live && *connect_live; }
};

// ---- user-facing objects ---------------------------------------------------------

class SimStream final : public Stream {
 public:
  SimStream(Network& net, std::shared_ptr<Connection> conn, int side)
      : net_(net), conn_(std::move(conn)), side_(side) {
    conn_->user[side_] = this;
  }
  ~SimStream() override {
    *alive_ = false;
    if (attached()) {
      conn_->user[side_] = nullptr;
      conn_->open[side_] = false;
      net_.send_segment(conn_, side_, Network::SegmentKind::Fin);
    }
  }

  void start(StreamHandlers handlers) override {
    TANDEM_ASSERT(!started_);
    handlers_ = std::move(handlers);
    started_ = true;
    if (buffered_.empty() && !pending_close_) return;
    net_.later(conn_->host[side_], conn_->inc[side_], alive_, [this] {
      if (!buffered_.empty()) {
        Bytes data = std::move(buffered_);
        buffered_.clear();
        if (handlers_.on_data) handlers_.on_data(data);
      }
      if (pending_close_ && handlers_.on_closed) handlers_.on_closed(*pending_close_);
    });
  }
  void send(ByteView bytes) override {
    if (!attached() || bytes.empty()) return;
    net_.send_segment(conn_, side_, Network::SegmentKind::Data, Bytes(bytes.begin(), bytes.end()));
  }
  std::size_t send_backlog_bytes() const override { return conn_->dir[side_].bytes; }
  void close() override {
    if (!attached()) return;
    conn_->user[side_] = nullptr;
    conn_->open[side_] = false;
    net_.send_segment(conn_, side_, Network::SegmentKind::Fin);
    net_.later(conn_->host[side_], conn_->inc[side_], alive_, [this] {
      if (handlers_.on_closed) handlers_.on_closed(Status{});
    });
  }
  Endpoint local() const override { return conn_->addr[side_]; }
  Endpoint remote() const override { return conn_->addr[1 - side_]; }
  const TlsSessionInfo& tls() const override { return conn_->session[side_]; }

  // Network side: runs as the host's process.
  void receive(const Bytes& data) {
    if (!started_) {
      buffered_.insert(buffered_.end(), data.begin(), data.end());
    } else if (handlers_.on_data) {
      handlers_.on_data(data);
    }
  }
  void closed(Status why) {
    if (!started_) {
      pending_close_ = std::move(why);
    } else if (handlers_.on_closed) {
      handlers_.on_closed(why);
    }
  }
  const std::shared_ptr<bool>& alive() const { return alive_; }

 private:
  bool attached() const { return conn_->user[side_] == this && conn_->open[side_]; }

  Network& net_;
  std::shared_ptr<Connection> conn_;
  int side_;
  StreamHandlers handlers_;
  bool started_ = false;
  Bytes buffered_;
  std::optional<Status> pending_close_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class SimListener final : public StreamListener {
 public:
  SimListener(Network& net, std::int32_t host, std::uint64_t inc, Endpoint local,
              std::shared_ptr<const TlsContext> tls, AcceptHandler on_accept)
      : net_(net), host_(host), inc_(inc), local_(local), tls_(std::move(tls)), on_accept_(std::move(on_accept)) {}
  ~SimListener() override {
    for (const Endpoint& e : bound_) {
      auto it = net_.listeners_.find(e);
      if (it != net_.listeners_.end() && it->second == this) net_.listeners_.erase(it);
    }
  }
  Endpoint local() const override { return local_; }

  Network& net_;
  std::int32_t host_;
  std::uint64_t inc_;
  Endpoint local_;
  std::shared_ptr<const TlsContext> tls_;
  AcceptHandler on_accept_;
  std::vector<Endpoint> bound_;
};

class SimDatagramSocket final : public DatagramSocket {
 public:
  SimDatagramSocket(Network& net, std::int32_t host, std::uint64_t inc, Endpoint local, DatagramHandler handler)
      : net_(net), host_(host), inc_(inc), local_(local), handler_(std::move(handler)) {}
  ~SimDatagramSocket() override {
    for (const Endpoint& e : bound_) {
      auto it = net_.datagram_sockets_.find(e);
      if (it != net_.datagram_sockets_.end() && it->second == this) net_.datagram_sockets_.erase(it);
    }
  }
  void send_to(const Endpoint& to, ByteView payload) override {
    Endpoint from = local_;
    if (from.ip == IpAddress{}) from.ip = net_.sim_.host(host_).addresses().front();
    net_.send_datagram(host_, from, to, payload);
  }
  Endpoint local() const override { return local_; }

  Network& net_;
  std::int32_t host_;
  std::uint64_t inc_;
  Endpoint local_;
  DatagramHandler handler_;
  std::vector<Endpoint> bound_;
};

// ---- set-up and faults -------------------------------------------------------------

Network::Network(Simulation& sim) : sim_(sim), random_(sim.random_stream("network")) {}
Network::~Network() = default;

void Network::set_link(std::int32_t a, std::int32_t b, const LinkSpec& link) {
  links_[{a, b}] = link;
  links_[{b, a}] = link;
}

void Network::set_link_one_way(std::int32_t from, std::int32_t to, const LinkSpec& link) { links_[{from, to}] = link; }

const LinkSpec& Network::link(std::int32_t from, std::int32_t to) const {
  auto it = links_.find({from, to});
  return it == links_.end() ? default_link_ : it->second;
}

void Network::partition(std::int32_t a, std::int32_t b) {
  const bool changed = cuts_.insert({a, b}).second | cuts_.insert({b, a}).second;
  if (changed) sim_.trace().record(sim_.loop().now_ns(), "fault.partition", a, b);
}

void Network::partition_one_way(std::int32_t from, std::int32_t to) {
  if (!cuts_.insert({from, to}).second) return;
  sim_.trace().record(sim_.loop().now_ns(), "fault.partition_one_way", from, to);
}

void Network::heal(std::int32_t a, std::int32_t b) {
  bool changed = cuts_.erase({a, b}) + cuts_.erase({b, a}) > 0;
  if (!changed) return;
  sim_.trace().record(sim_.loop().now_ns(), "fault.heal", a, b);
  retry_held();
}

void Network::heal_all() {
  if (cuts_.empty()) return;
  cuts_.clear();
  sim_.trace().record(sim_.loop().now_ns(), "fault.heal_all", kNoHost);
  retry_held();
}

void Network::retry_held() {
  for (auto& [id, conn] : connections_) {
    for (int d = 0; d < 2; ++d) {
      if (conn->dir[d].held) reschedule(conn, d);
    }
  }
}

void Network::host_crashed(std::int32_t host) {
  std::erase_if(listeners_, [&](const auto& entry) { return entry.second->host_ == host; });
  std::erase_if(datagram_sockets_, [&](const auto& entry) { return entry.second->host_ == host; });
  for (auto& [id, conn] : connections_) {
    for (int side = 0; side < 2; ++side) {
      if (conn->host[side] != host || !conn->open[side]) continue;
      // Power loss: the far side is told nothing; its packets will find no one.
      conn->open[side] = false;
      conn->user[side] = nullptr;
      if (side == 0 && conn->connect_live) *conn->connect_live = false;
    }
  }
}

// ---- helpers ----------------------------------------------------------------------

std::int32_t Network::host_of(const IpAddress& ip) const { return sim_.host_by_address(ip); }

Status Network::check_local(std::int32_t host, const Endpoint& local) const {
  if (local.ip == IpAddress{}) return {};
  if (host_of(local.ip) != host) {
    return make_error("cannot bind " + local.to_string() + ": not an address of host " + sim_.host(host).name());
  }
  return {};
}

template <class Sockets>
Result<std::vector<Endpoint>> Network::claim(const Sockets& taken, std::int32_t host, const Endpoint& local,
                                             std::string_view what) const {
  if (auto ok = check_local(host, local); !ok) return ok.error();
  std::vector<Endpoint> bind;
  if (local.ip == IpAddress{}) {
    for (const IpAddress& ip : sim_.host(host).addresses()) bind.push_back(Endpoint{ip, local.port});
  } else {
    bind.push_back(local);
  }
  for (const Endpoint& e : bind) {
    if (taken.count(e)) return make_error("cannot " + std::string(what) + " " + e.to_string() + ": address already in use");
  }
  return bind;
}

std::uint16_t Network::ephemeral_port(std::int32_t host) {
  auto [it, inserted] = next_port_.try_emplace(host, std::uint16_t{49152});
  const std::uint16_t port = it->second;
  it->second = port == 65535 ? std::uint16_t{49152} : static_cast<std::uint16_t>(port + 1);
  return port;
}

std::int64_t Network::transit_ns(std::int32_t from, std::int32_t to, std::size_t bytes, bool syn) {
  const LinkSpec& spec = link(from, to);
  const std::int64_t now = sim_.loop().now_ns();
  std::int64_t t = now;
  if (spec.bandwidth_bps > 0) {
    std::int64_t& busy = link_busy_until_ns_[{from, to}];
    const std::int64_t start = std::max(now, busy);
    const auto serialize = static_cast<std::int64_t>(static_cast<double>(bytes) * 8e9 /
                                                     static_cast<double>(spec.bandwidth_bps));
    busy = start + serialize;
    t = busy;
  }
  t += sample_delay_ns(spec, random_);
  // A lost packet is resent after a retransmission timeout that doubles each time.
  const std::int64_t rto = syn ? 1'000'000'000 : std::max<std::int64_t>(200'000'000, 3 * to_ns(spec.latency));
  for (int k = 0; k < 8 && spec.loss > 0 && random_.chance(spec.loss); ++k) t += rto << k;
  return t;
}

void Network::later(std::int32_t host, std::uint64_t inc, std::shared_ptr<bool> alive, std::function<void()> fn) {
  sim_.loop().schedule_at(sim_.loop().now_ns(), [this, host, inc, alive = std::move(alive), fn = std::move(fn)] {
    sim_.host(host).dispatch(inc, [alive, fn] {
      if (*alive) fn();
    });
  });
}

// ---- streams: Env entry points ------------------------------------------------------

Result<std::unique_ptr<StreamListener>> Network::listen(std::int32_t host, std::uint64_t inc, const Endpoint& local,
                                                        std::shared_ptr<const TlsContext> tls,
                                                        AcceptHandler on_accept) {
  auto bind = claim(listeners_, host, local, "listen on");
  if (!bind) return bind.error();
  auto listener = std::make_unique<SimListener>(*this, host, inc, local, std::move(tls), std::move(on_accept));
  for (const Endpoint& e : *bind) listeners_[e] = listener.get();
  listener->bound_ = std::move(bind.value());
  return std::unique_ptr<StreamListener>(std::move(listener));
}

Handle Network::connect(std::int32_t host, std::uint64_t inc, const ConnectOptions& options,
                        std::shared_ptr<const TlsContext> tls, ConnectHandler on_connect) {
  auto conn = std::make_shared<Connection>();
  conn->id = next_connection_id_++;
  conn->host[0] = host;
  conn->inc[0] = inc;
  conn->tls[0] = std::move(tls);
  conn->on_connect = std::move(on_connect);
  conn->connect_live = std::make_shared<bool>(true);
  Handle handle(conn->connect_live);

  const IpAddress source = options.local.value_or(sim_.host(host).addresses().front());
  conn->addr[0] = Endpoint{source, ephemeral_port(host)};
  conn->addr[1] = options.remote;
  conn->host[1] = host_of(options.remote.ip);
  connections_[conn->id] = conn;
  ++stats_.connections_opened;

  if (auto ok = check_local(host, Endpoint{source, 0}); !ok) {
    fail_connect(conn, ok.error().message);
    return handle;
  }
  const std::int64_t deadline = sim_.loop().now_ns() + to_ns(options.timeout);
  sim_.loop().schedule_at(deadline, [this, weak = std::weak_ptr<Connection>(conn), timeout = options.timeout] {
    auto c = weak.lock();
    if (!c || !c->connecting()) return;
    fail_connect(c, "connection to " + c->addr[1].to_string() + " timed out after " +
                        std::to_string(to_ns(timeout) / 1'000'000) + " ms");
  });
  if (conn->host[1] == kNoHost) return handle;  // nobody has that address: the SYN goes nowhere
  send_segment(conn, 0, SegmentKind::Syn);
  return handle;
}

// ---- streams: packets ---------------------------------------------------------------

void Network::send_segment(const std::shared_ptr<Connection>& conn, int dir, SegmentKind kind, Bytes data) {
  Direction& d = conn->dir[dir];
  const std::int64_t at =
      std::max(transit_ns(conn->host[dir], conn->host[1 - dir], data.size() + 40, kind == SegmentKind::Syn), d.last_ns);
  d.last_ns = at;
  d.bytes += data.size();
  d.queue.push_back(Segment{kind, std::move(data)});
  if (d.held) return;
  sim_.loop().schedule_at(at, [this, id = conn->id, dir, epoch = d.epoch] { deliver_segment(id, dir, epoch); });
}

void Network::deliver_segment(std::uint64_t conn_id, int dir, std::uint64_t epoch) {
  auto it = connections_.find(conn_id);
  if (it == connections_.end()) return;
  std::shared_ptr<Connection> conn = it->second;
  Direction& d = conn->dir[dir];
  if (d.epoch != epoch || d.queue.empty()) return;
  const std::int32_t from = conn->host[dir];
  const std::int32_t to = conn->host[1 - dir];
  SimHost& dest = sim_.host(to);
  if (blocked(from, to) || !dest.up()) {
    hold(conn, dir);
    return;
  }
  d.held_since_ns = -1;
  Segment segment = d.queue.pop_front();
  d.bytes -= segment.data.size();
  const bool stale_end = segment.kind != SegmentKind::Syn && dest.incarnation() != conn->inc[1 - dir];
  if (stale_end) {
    // The host restarted since: its kernel knows nothing of this connection.
    if (segment.kind != SegmentKind::Rst) send_segment(conn, 1 - dir, SegmentKind::Rst);
    return;
  }
  handle_segment(conn, dir, segment.kind, std::move(segment.data));
  forget_if_done(conn);
}

void Network::handle_segment(const std::shared_ptr<Connection>& conn, int dir, SegmentKind kind, Bytes data) {
  const int side = 1 - dir;  // the receiving side
  const std::int64_t now = sim_.loop().now_ns();
  switch (kind) {
    case SegmentKind::Syn: on_syn(conn); return;
    case SegmentKind::SynAck:
      if (!conn->connecting()) {
        send_segment(conn, 0, SegmentKind::Rst);
      } else if (conn->tls[0]) {
        send_segment(conn, 0, SegmentKind::ClientHello);
      } else {
        send_segment(conn, 0, SegmentKind::Ack);
        on_client_ready(conn);
      }
      return;
    case SegmentKind::Ack:
      if (conn->tls[1]) {  // a plain client at a TLS server: the server gives up
        send_segment(conn, 1, SegmentKind::Rst);
        conn->open[1] = false;
        return;
      }
      on_server_ready(conn);
      return;
    case SegmentKind::ClientHello:
      if (!conn->tls[1]) {
        fail_connect(conn, "TLS handshake with " + conn->addr[1].to_string() + " failed: the server does not speak TLS");
        send_segment(conn, 1, SegmentKind::Rst);
        return;
      }
      send_segment(conn, 1, SegmentKind::ServerFlight);
      return;
    case SegmentKind::ServerFlight:
      if (!conn->connecting()) {
        send_segment(conn, 0, SegmentKind::Rst);
        return;
      }
      conn->session[0] = judge(conn->tls[0].get(), conn->tls[1].get());
      send_segment(conn, 0, SegmentKind::ClientFinished);
      on_client_ready(conn);
      return;
    case SegmentKind::ClientFinished:
      conn->session[1] = judge(conn->tls[1].get(), conn->tls[0].get());
      on_server_ready(conn);
      return;
    case SegmentKind::Data: {
      if (!conn->open[side]) {
        send_segment(conn, side, SegmentKind::Rst);
        return;
      }
      ++stats_.segments_delivered;
      stats_.bytes_delivered += data.size();
      sim_.trace().record(now, "net.data", conn->host[side], conn->host[dir], static_cast<std::int64_t>(data.size()));
      SimStream* user = conn->user[side];
      if (!user) return;
      later_direct(conn->host[side], conn->inc[side], user->alive(),
                   [user, data = std::move(data)] { user->receive(data); });
      return;
    }
    case SegmentKind::Fin:
      if (!conn->open[side]) return;
      sim_.trace().record(now, "net.fin", conn->host[side], conn->host[dir]);
      close_end(conn, side, Status{});
      return;
    case SegmentKind::Rst:
      sim_.trace().record(now, "net.reset", conn->host[side], conn->host[dir]);
      if (side == 0 && conn->connecting()) {
        fail_connect(conn, "connection to " + conn->addr[1].to_string() + " refused");
      } else if (conn->open[side]) {
        close_end(conn, side, make_error("connection with " + conn->addr[dir].to_string() + " reset by peer"));
      }
      return;
  }
}

void Network::on_syn(const std::shared_ptr<Connection>& conn) {
  auto it = listeners_.find(conn->addr[1]);
  if (it == listeners_.end()) {
    send_segment(conn, 1, SegmentKind::Rst);
    return;
  }
  conn->inc[1] = it->second->inc_;
  conn->open[1] = true;
  conn->tls[1] = it->second->tls_;
  send_segment(conn, 1, SegmentKind::SynAck);
}

void Network::on_client_ready(const std::shared_ptr<Connection>& conn) {
  if (!conn->connecting()) {  // cancelled meanwhile: hang up politely
    conn->open[0] = false;
    send_segment(conn, 0, SegmentKind::Fin);
    return;
  }
  *conn->connect_live = false;
  sim_.trace().record(sim_.loop().now_ns(), "net.connect", conn->host[0], conn->host[1]);
  auto stream = std::make_shared<std::unique_ptr<Stream>>(std::make_unique<SimStream>(*this, conn, 0));
  ConnectHandler handler = std::move(conn->on_connect);
  sim_.host(conn->host[0]).dispatch(conn->inc[0], [stream, handler = std::move(handler)] {
    handler(std::move(*stream));
  });
}

void Network::on_server_ready(const std::shared_ptr<Connection>& conn) {
  if (!conn->open[1]) return;
  auto it = listeners_.find(conn->addr[1]);
  if (it == listeners_.end() || it->second->inc_ != conn->inc[1]) {
    conn->open[1] = false;
    send_segment(conn, 1, SegmentKind::Rst);
    return;
  }
  sim_.trace().record(sim_.loop().now_ns(), "net.accept", conn->host[1], conn->host[0]);
  auto stream = std::make_shared<std::unique_ptr<Stream>>(std::make_unique<SimStream>(*this, conn, 1));
  sim_.host(conn->host[1]).dispatch(conn->inc[1], [this, stream, local = conn->addr[1]] {
    auto listener = listeners_.find(local);
    if (listener != listeners_.end()) listener->second->on_accept_(std::move(*stream));
  });
}

// ---- streams: holding, breaking, closing ----------------------------------------------

void Network::hold(const std::shared_ptr<Connection>& conn, int dir) {
  Direction& d = conn->dir[dir];
  d.held = true;
  const std::uint64_t epoch = ++d.epoch;
  // The timeout counts from the first stall: another try in between (a heal or
  // restart elsewhere) that stalls again does not give the connection more time.
  const std::int64_t now = sim_.loop().now_ns();
  if (d.held_since_ns < 0) d.held_since_ns = now;
  sim_.loop().schedule_at(std::max(now, d.held_since_ns + user_timeout_ns_), [this, weak = std::weak_ptr<Connection>(conn), dir, epoch] {
    auto c = weak.lock();
    if (!c || !c->dir[dir].held || c->dir[dir].epoch != epoch) return;
    ++stats_.connections_broken;
    c->dir[dir].queue.clear();
    c->dir[dir].bytes = 0;
    c->dir[dir].held = false;
    c->dir[dir].held_since_ns = -1;
    const std::string why = "connection to " + c->addr[1 - dir].to_string() + " timed out: no answer for " +
                            std::to_string(user_timeout_ns_ / 1'000'000'000) + " s";
    sim_.trace().record(sim_.loop().now_ns(), "net.timeout", c->host[dir], c->host[1 - dir]);
    if (dir == 0 && c->connecting()) {
      fail_connect(c, why);
    } else {
      close_end(c, dir, make_error(why));
    }
    forget_if_done(c);
  });
}

void Network::reschedule(const std::shared_ptr<Connection>& conn, int dir) {
  Direction& d = conn->dir[dir];
  d.held = false;
  const std::uint64_t epoch = ++d.epoch;
  d.last_ns = sim_.loop().now_ns();
  for (const Segment& s : d.queue) {
    const std::int64_t at = std::max(transit_ns(conn->host[dir], conn->host[1 - dir], s.data.size() + 40, false), d.last_ns);
    d.last_ns = at;
    sim_.loop().schedule_at(at, [this, id = conn->id, dir, epoch] { deliver_segment(id, dir, epoch); });
  }
}

void Network::fail_connect(const std::shared_ptr<Connection>& conn, const std::string& why) {
  conn->open[0] = false;
  if (!conn->connecting()) return;
  *conn->connect_live = false;
  ConnectHandler handler = std::move(conn->on_connect);
  sim_.loop().schedule_at(sim_.loop().now_ns(), [this, host = conn->host[0], inc = conn->inc[0],
                                                 handler = std::move(handler), why] {
    sim_.host(host).dispatch(inc, [handler, why] { handler(make_error(why)); });
  });
  forget_if_done(conn);
}

void Network::close_end(const std::shared_ptr<Connection>& conn, int side, Status why) {
  if (!conn->open[side]) return;
  conn->open[side] = false;
  SimStream* user = conn->user[side];
  conn->user[side] = nullptr;
  if (!user) return;
  later_direct(conn->host[side], conn->inc[side], user->alive(), [user, why = std::move(why)] { user->closed(why); });
}

void Network::forget_if_done(const std::shared_ptr<Connection>& conn) {
  if (conn->open[0] || conn->open[1] || conn->connecting()) return;
  if (!conn->dir[0].queue.empty() || !conn->dir[1].queue.empty()) return;
  connections_.erase(conn->id);
}

template <class F>
void Network::later_direct(std::int32_t host, std::uint64_t inc, const std::shared_ptr<bool>& alive, F fn) {
  SimHost& h = sim_.host(host);
  if (h.runs_now(inc)) {
    if (*alive) fn();
    return;
  }
  h.dispatch(inc, [alive, fn = std::move(fn)] {
    if (*alive) fn();
  });
}

TlsSessionInfo Network::judge(const TlsContext* mine, const TlsContext* theirs) {
  TlsSessionInfo session;
  session.encrypted = true;
  session.protocol = "TLSv1.3";
  session.verify_mode = mine->config().verify_mode;
  session.peer_certificate = theirs->certificate();
  std::string trust;
  for (const std::string& ca : mine->config().trusted_ca_pem) trust += ca;
  auto key = std::make_pair(theirs->certificate().fingerprint_sha256, std::move(trust));
  auto it = verdict_cache_.find(key);
  if (it == verdict_cache_.end()) {
    ChainVerdict verdict = verify_chain(theirs->chain_pem(), mine->config().trusted_ca_pem);
    it = verdict_cache_.emplace(std::move(key), std::move(verdict)).first;
  }
  session.chain = it->second;
  return session;
}

// ---- datagrams ------------------------------------------------------------------------

Result<std::unique_ptr<DatagramSocket>> Network::open_datagram(std::int32_t host, std::uint64_t inc,
                                                               const Endpoint& local, DatagramHandler on_datagram) {
  Endpoint bound_local = local;
  if (bound_local.port == 0) bound_local.port = ephemeral_port(host);
  auto bind = claim(datagram_sockets_, host, bound_local, "bind UDP");
  if (!bind) return bind.error();
  auto socket = std::make_unique<SimDatagramSocket>(*this, host, inc, bound_local, std::move(on_datagram));
  for (const Endpoint& e : *bind) datagram_sockets_[e] = socket.get();
  socket->bound_ = std::move(bind.value());
  return std::unique_ptr<DatagramSocket>(std::move(socket));
}

void Network::send_datagram(std::int32_t host, const Endpoint& from, const Endpoint& to, ByteView payload) {
  ++stats_.datagrams_sent;
  const std::int64_t now = sim_.loop().now_ns();
  const std::int32_t dest = host_of(to.ip);
  if (dest == kNoHost || random_.chance(link(host, dest).loss)) {
    ++stats_.datagrams_lost;
    sim_.trace().record(now, "net.drop", host, dest, static_cast<std::int64_t>(payload.size()));
    return;
  }
  const LinkSpec& spec = link(host, dest);
  std::int64_t at = now;
  if (spec.bandwidth_bps > 0) {
    std::int64_t& busy = link_busy_until_ns_[{host, dest}];
    busy = std::max(now, busy) + static_cast<std::int64_t>(static_cast<double>(payload.size() + 28) * 8e9 /
                                                             static_cast<double>(spec.bandwidth_bps));
    at = busy;
  }
  at += sample_delay_ns(spec, random_);
  sim_.loop().schedule_at(at, [this, host, from, to, data = Bytes(payload.begin(), payload.end())] {
    deliver_datagram(host, from, to, data);
  });
}

void Network::deliver_datagram(std::int32_t from_host, const Endpoint& from, const Endpoint& to, const Bytes& payload) {
  const std::int64_t now = sim_.loop().now_ns();
  const std::int32_t dest = host_of(to.ip);
  auto it = datagram_sockets_.find(to);
  if (blocked(from_host, dest) || !sim_.host(dest).up() || it == datagram_sockets_.end()) {
    ++stats_.datagrams_lost;
    sim_.trace().record(now, "net.drop", dest, from_host, static_cast<std::int64_t>(payload.size()));
    return;
  }
  ++stats_.datagrams_delivered;
  sim_.trace().record(now, "net.datagram", dest, from_host, static_cast<std::int64_t>(payload.size()));
  SimHost& host = sim_.host(dest);
  if (host.runs_now(it->second->inc_)) {
    it->second->handler_(from, payload);
    return;
  }
  host.dispatch(it->second->inc_, [this, from, to, payload] {
    auto socket = datagram_sockets_.find(to);
    if (socket != datagram_sockets_.end()) socket->second->handler_(from, payload);
  });
}

}  // namespace tandem::sim
