#include "simulator/cluster_twin.hpp"

#include <map>

#include "runtime/admin/base64.hpp"
#include "runtime/admin/http.hpp"
#include "runtime/admin/password.hpp"
#include "runtime/config/install.hpp"
#include "runtime/config/store.hpp"
#include "runtime/env/tls/pki.hpp"
#include "runtime/net/framed_link.hpp"
#include "runtime/peer.hpp"
#include "runtime/wire/frame.hpp"

namespace tandem::sim {
namespace {

using namespace std::chrono_literals;

// The admin exchange on 8443 stands in for HTTPS: one request frame, one
// response frame, on a TLS stream. The types are outside the cluster
// protocols' so a frame sent to the wrong port is refused, not misread.
constexpr std::uint8_t kRequestFrame = 0xA1;
constexpr std::uint8_t kResponseFrame = 0xA2;
// Bigger than the API's 1 MiB body limit, so the API itself answers 413.
constexpr std::uint32_t kMaxRequestFrameBytes = 2u << 20;
constexpr std::uint32_t kMaxResponseFrameBytes = 16u << 20;
constexpr std::size_t kMaxTargetBytes = 8 * 1024;
constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
constexpr std::uint16_t kMaxResponseHeaders = 32;
// As tandemd's AdminServer and tandemctl (runtime/daemon).
constexpr std::size_t kMaxAdminConnections = 64;
constexpr Duration kRequestArrival = 30s;
constexpr Duration kRestartGrace = 300ms;
constexpr Duration kConnectTimeout = 10s;
constexpr Duration kCertificateLifetime = std::chrono::hours(24 * 365 * 2);
constexpr char kDatabaseName[] = "tandem.db";  // as tandemd's data directory

IpAddress dns_server() { return IpAddress::v4(10, 0, 0, 53); }
IpAddress ntp_server() { return IpAddress::v4(10, 0, 0, 123); }

std::string in_ms(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

// ---- the exchange's frames --------------------------------------------------------

Bytes encode_request(const admin::Request& r) {
  wire::Writer w;
  w.str(r.method).str(r.target).str(r.authorization).str(r.body);
  return wire::encode_frame(kRequestFrame, w.bytes());
}

Result<admin::Request> decode_request(const wire::Frame& frame, const IpAddress& client) {
  if (frame.type != kRequestFrame) return make_error("frame type " + std::to_string(frame.type) + " is not a request");
  wire::Reader r(frame.payload);
  admin::Request out;
  out.method = r.str("method", 16);
  out.target = r.str("target", kMaxTargetBytes);
  out.authorization = r.str("authorization", kMaxHeaderBytes);
  out.body = r.str("body", kMaxRequestFrameBytes);
  if (auto ok = r.finish(); !ok) return ok.error();
  out.client = client;
  return out;
}

Bytes encode_response(const admin::Response& r) {
  wire::Writer w;
  w.u16(static_cast<std::uint16_t>(r.status));
  TANDEM_ASSERT(r.headers.size() <= kMaxResponseHeaders);
  w.u16(static_cast<std::uint16_t>(r.headers.size()));
  for (const auto& [name, value] : r.headers) w.str(name).str(value);
  w.str(r.body);
  return wire::encode_frame(kResponseFrame, w.bytes());
}

Result<admin::Response> decode_response(const wire::Frame& frame) {
  if (frame.type != kResponseFrame) return make_error("frame type " + std::to_string(frame.type) + " is not a response");
  wire::Reader r(frame.payload);
  admin::Response out;
  out.status = r.u16("status");
  const std::uint16_t headers = r.u16("header count");
  if (headers > kMaxResponseHeaders) r.fail("header count", "more than " + std::to_string(kMaxResponseHeaders));
  for (std::uint16_t i = 0; i < headers && r.ok(); ++i) {
    std::string name = r.str("header name", kMaxHeaderBytes);
    out.headers.emplace_back(std::move(name), r.str("header value", kMaxHeaderBytes));
  }
  out.body = r.str("body", kMaxResponseFrameBytes);
  if (auto ok = r.finish(); !ok) return ok.error();
  return out;
}

// ---- the install wizard --------------------------------------------------------------

struct InstallAnswers {
  std::string system_name;
  std::string host_name;
  std::string domain;
  IpAddress address;
  std::vector<IpAddress> dns_servers;
  std::vector<IpAddress> ntp_servers;
  std::string admin_password_hash;  // made once per twin: hashing is slow on purpose
};

std::vector<config::Change> install_changes(const InstallAnswers& a, const IssuedCertificate& cert) {
  config::InstallSettings settings;
  settings.system_name = a.system_name;
  settings.host_name = a.host_name;
  settings.domain = a.domain;
  settings.addresses = {a.address};
  settings.dns_servers = a.dns_servers;
  settings.ntp_servers = a.ntp_servers;
  settings.admin_user = kTwinAdminUser;
  settings.admin_password_hash = a.admin_password_hash;
  settings.certificate_pem = cert.certificate_pem;
  settings.private_key_pem = cert.private_key_pem;
  return config::install_changes(settings);
}

// What `tandemd init` writes (runtime/daemon/tandemd/install_wizard.cpp),
// through Env::files(): a self-signed certificate for the host's FQDN and
// address, and the answers. Nothing is left behind on an error.
Status install(Env& env, const InstallAnswers& a) {
  const WallTime now = env.wall_now();
  const std::string fqdn = a.host_name + "." + a.domain;
  auto cert = make_self_signed(CertificateRequest{fqdn, {fqdn}, {a.address}, now - 1h, now + kCertificateLifetime, false});
  if (!cert) return cert.error();
  auto written = [&]() -> Status {
    auto store = config::Store::open(env.files(), config::vcs_schema(), kDatabaseName);
    if (!store) return store.error();
    if (auto applied = (*store)->apply(install_changes(a, *cert), "install-wizard", now); !applied) return applied.error();
    return (*store)->add_event(now, "peer.installed", "system name " + a.system_name);
  }();
  if (!written) {
    for (const std::string& name : env.files().list()) (void)env.files().remove(name);
  }
  return written;
}

// ---- tandemd's admin port --------------------------------------------------------------

// The admin API on 8443 as tandemd's AdminServer serves it: the client is
// the address the connection came from; one request per connection (the
// reply, then the server hangs up); at most kMaxAdminConnections at once,
// and kRequestArrival for the request to come.
class AdminPort {
 public:
  static Result<std::unique_ptr<AdminPort>> open(Env& env, const Endpoint& local, const TlsConfig& tls,
                                                 admin::AdminApi& api) {
    auto context = env.make_tls_context(tls);
    if (!context) return make_error("admin API certificate: " + context.error().message);
    auto port = std::unique_ptr<AdminPort>(new AdminPort(env, api));
    auto listener = env.listen(local, *context, [p = port.get()](std::unique_ptr<Stream> s) { p->accept(std::move(s)); });
    if (!listener) return make_error("admin API on " + local.to_string() + ": " + listener.error().message);
    port->listener_ = std::move(*listener);
    return port;
  }
  ~AdminPort() { *alive_ = false; }
  AdminPort(const AdminPort&) = delete;
  AdminPort& operator=(const AdminPort&) = delete;

 private:
  struct Connection {
    std::unique_ptr<net::FramedLink> link;
    Handle arrival;
    bool asked = false;
  };

  AdminPort(Env& env, admin::AdminApi& api) : env_(env), api_(api) {}

  void accept(std::unique_ptr<Stream> stream) {
    const IpAddress client = stream->remote().ip;
    if (connections_.size() >= kMaxAdminConnections) {
      env_.log(LogLevel::Warn, "admin", "connection from " + client.to_string() + " dropped: " +
                                            std::to_string(kMaxAdminConnections) + " are open already");
      return;  // the stream closes as it goes
    }
    const std::uint64_t id = next_id_++;
    Connection& c = connections_[id];
    c.link = std::make_unique<net::FramedLink>(
        std::move(stream), [this, id, client](const wire::Frame& f) { on_request(id, client, f); },
        [this, id](const Status&) { connections_.erase(id); }, kMaxRequestFrameBytes);
    c.arrival = env_.start_timer(kRequestArrival, [this, id] {
      if (auto it = connections_.find(id); it != connections_.end() && !it->second.asked) connections_.erase(it);
    });
  }

  void on_request(std::uint64_t id, const IpAddress& client, const wire::Frame& frame) {
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.asked) return;  // one request per connection
    it->second.asked = true;
    it->second.arrival.cancel();
    auto request = decode_request(frame, client);
    if (!request) return answer(id, admin::error_response(400, "malformed request: " + request.error().message));
    api_.handle(std::move(*request), [this, id, alive = alive_](admin::Response r) {
      if (*alive) answer(id, r);
    });
  }

  void answer(std::uint64_t id, const admin::Response& response) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;  // the client hung up first
    it->second.link->send(encode_response(response));
    connections_.erase(it);  // closes once the reply has gone, as "Connection: close"
  }

  Env& env_;
  admin::AdminApi& api_;
  std::unique_ptr<StreamListener> listener_;
  std::map<std::uint64_t, Connection> connections_;
  std::uint64_t next_id_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// ---- tandemd -------------------------------------------------------------------------------

struct BootSpec {
  InstallAnswers install;  // used on the first boot only
  PeerOptions peer;
  Status host_ready;       // why the host cannot serve (its configured address), as tandemd would fail
  // Asks the twin to restart this process, once xCommand Restart's reply had its grace.
  std::function<void()> restart;
};

// One tandemd process: installs a fresh host, then serves the peer and its
// admin API, as tandemd's serve() does. A start that fails leaves nothing
// listening (the admin port refuses), as tandemd exiting with its error.
class TwinDaemon {
 public:
  static std::unique_ptr<TwinDaemon> boot(Env& env, BootSpec spec) {
    auto daemon = std::unique_ptr<TwinDaemon>(new TwinDaemon(env));
    if (auto ok = daemon->serve(spec); !ok) {
      env.log(LogLevel::Error, "tandemd", "cannot start: " + ok.error().message);
      daemon->stop();
    }
    return daemon;
  }
  ~TwinDaemon() { stop(); }
  TwinDaemon(const TwinDaemon&) = delete;
  TwinDaemon& operator=(const TwinDaemon&) = delete;

  bool serving() const { return port_ != nullptr; }
  Peer* peer() { return peer_.get(); }
  // A clean stop, the front door first: nothing new comes in while the peer
  // closes its links (each with a FIN).
  void stop() {
    restart_timer_.cancel();
    port_.reset();
    api_.reset();
    peer_.reset();
  }

 private:
  explicit TwinDaemon(Env& env) : env_(env) {}

  Status serve(const BootSpec& spec) {
    if (!spec.host_ready) return spec.host_ready;
    if (!env_.files().exists(kDatabaseName)) {
      if (auto ok = install(env_, spec.install); !ok) return make_error("install: " + ok.error().message);
    }
    auto peer = Peer::start(env_, spec.peer);
    if (!peer) return peer.error();
    peer_ = std::move(*peer);
    api_ = std::make_unique<admin::AdminApi>(env_, *peer_, admin::Hooks{[this, restart = spec.restart] {
      restart_timer_ = env_.start_timer(kRestartGrace, restart);
    }});
    auto tls = peer_->tls_config();
    if (!tls) return tls.error();
    const Endpoint at{env_.addresses().front(), kAdminPort};
    auto port = AdminPort::open(env_, at, *tls, *api_);
    if (!port) return port.error();
    port_ = std::move(*port);
    env_.log(LogLevel::Info, "tandemd",
             "ready: software " + spec.peer.software_version + ", admin API on https://" + at.to_string());
    return {};
  }

  Env& env_;
  std::unique_ptr<Peer> peer_;
  std::unique_ptr<admin::AdminApi> api_;
  std::unique_ptr<AdminPort> port_;
  Handle restart_timer_;
};

// ---- the operator's workstation ----------------------------------------------------------------

struct Workstation {
  std::shared_ptr<const TlsContext> tls;
};

// One admin request from the workstation: connect, send, take the reply.
// Destroying it hangs up. Like tandemctl --insecure, the peer's certificate
// is not checked.
class Exchange {
 public:
  Exchange(Env& env, const std::shared_ptr<const TlsContext>& tls, const Endpoint& to, const admin::Request& request)
      : where_(to.to_string()), frame_(encode_request(request)) {
    connecting_ = env.connect(ConnectOptions{to, std::nullopt, kConnectTimeout}, tls,
                              [this](Result<std::unique_ptr<Stream>> stream) { connected(std::move(stream)); });
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const std::optional<Result<admin::Response>>& outcome() const { return outcome_; }

 private:
  void connected(Result<std::unique_ptr<Stream>> stream) {
    if (!stream) return finish(stream.error());
    link_ = std::make_unique<net::FramedLink>(
        std::move(*stream),
        [this](const wire::Frame& frame) {
          auto response = decode_response(frame);
          if (!response) return finish(make_error("the reply from " + where_ + " is malformed: " + response.error().message));
          finish(std::move(response));
        },
        [this](const Status& why) {
          finish(why ? make_error(where_ + " closed the connection without a reply") : why.error());
        },
        kMaxResponseFrameBytes);
    link_->send(frame_);
  }
  void finish(Result<admin::Response> outcome) {
    if (!outcome_) outcome_ = std::move(outcome);
  }

  std::string where_;
  Bytes frame_;
  std::optional<Result<admin::Response>> outcome_;
  // Declared last: gone first, so no callback reaches the fields above.
  std::unique_ptr<net::FramedLink> link_;
  Handle connecting_;
};

// Basic credentials, as a browser or tandemctl sends them.
std::string basic_authorization(std::string_view user, std::string_view password) {
  const std::string pair = std::string(user) + ":" + std::string(password);
  return "Basic " + admin::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(pair.data()), pair.size()));
}

}  // namespace

// ---- ClusterTwin ----------------------------------------------------------------------------------

struct ClusterTwin::Machine {
  int number = 0;
  SimHost* host = nullptr;
  IpAddress ip;
  std::string address;  // ip as text
  std::string software_version;
  bool powered_off = false;
  // Shared with the running peer's ntp_synchronized callback: it outlives restarts.
  std::shared_ptr<bool> ntp_synchronized = std::make_shared<bool>(true);
  std::uint64_t kills = 0;  // crash() calls: each resets what the workstation had in flight
};

ClusterTwin::ClusterTwin(ClusterTwinOptions options)
    : options_(std::move(options)),
      sim_(std::make_unique<Simulation>(SimulationOptions{.seed = options_.seed,
                                                          .keep_trace = options_.keep_trace,
                                                          .log_level = options_.log_level,
                                                          .print_logs = options_.print_logs})) {
  sim_->network().set_default_link(LinkSpec{options_.link_latency});
  // One hash for every host's install, at the fewest iterations a peer
  // accepts: the twin spends no virtual time hashing, so production's cost
  // would only slow the run (every peer start verifies it once).
  Random random = sim_->random_stream("cluster-twin.admin-password");
  admin_password_hash_ = admin::hash_password(options_.admin_password, random, admin::kPasswordIterationsMin);
}

ClusterTwin::~ClusterTwin() {
  // The processes first: their factories and restart hooks point into this twin.
  sim_.reset();
}

Result<std::unique_ptr<ClusterTwin>> ClusterTwin::create(ClusterTwinOptions options) {
  if (options.hosts < 0 || options.hosts > kMaxHostsUpFront) {
    return make_error("hosts must be 0 to " + std::to_string(kMaxHostsUpFront) + ", not " + std::to_string(options.hosts));
  }
  if (options.admin_password.size() < 8) return make_error("the admin password needs at least 8 characters");
  if (options.software_version.empty()) return make_error("the software version must not be empty");
  if (options.link_latency < Duration::zero()) return make_error("the link latency must not be negative");
  auto twin = std::unique_ptr<ClusterTwin>(new ClusterTwin(std::move(options)));
  if (auto ok = twin->start_workstation(); !ok) return ok.error();
  for (int i = 0; i < twin->options_.hosts; ++i) {
    if (auto added = twin->add_host(); !added) return added.error();
  }
  return twin;
}

const IpAddress& ClusterTwin::operator_address() {
  static const IpAddress address = IpAddress::v4(10, 0, 0, 100);
  return address;
}

Status ClusterTwin::start_workstation() {
  const WallTime epoch = sim_->wall_epoch();
  auto cert = make_self_signed(CertificateRequest{"operator", {}, {operator_address()}, epoch - 1h,
                                                  epoch + kCertificateLifetime, false});
  if (!cert) return make_error("the operator's certificate: " + cert.error().message);
  auto host = sim_->add_host("operator", {operator_address()});
  if (!host) return host.error();
  workstation_ = *host;
  const TlsConfig tls{cert->certificate_pem, cert->private_key_pem, {}, TlsVerifyMode::Permissive};
  workstation_->start(process_factory<Workstation>([tls](Env& env) {
    auto context = env.make_tls_context(tls);
    TANDEM_ASSERT(context.ok());  // a certificate made just above
    return std::make_unique<Workstation>(Workstation{*context});
  }));
  return {};
}

Result<int> ClusterTwin::add_host() {
  if (host_count() >= kMaxTwinHosts) {
    return make_error("the twin has " + std::to_string(kMaxTwinHosts) + " hosts, as many as it can hold");
  }
  const int number = host_count() + 1;
  const IpAddress ip = IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(number));
  auto host = sim_->add_host("peer" + std::to_string(number), {ip});
  if (!host) return host.error();
  sim_->dns().set_addresses(fqdn(number), {ip});
  auto m = std::make_unique<Machine>();
  m->number = number;
  m->host = *host;
  m->ip = ip;
  m->address = ip.to_string();
  m->software_version = options_.software_version;
  machines_.push_back(std::move(m));
  machines_.back()->host->start(daemon_factory(*machines_.back()));
  return number;
}

ProcessFactory ClusterTwin::daemon_factory(Machine& m) {
  return process_factory<TwinDaemon>([this, &m](Env& env) {
    BootSpec spec;
    spec.install = InstallAnswers{"PEER" + std::to_string(m.number), "peer" + std::to_string(m.number),
                                  kTwinDomain, m.ip, {dns_server()}, {ntp_server()},
                                  admin_password_hash_};
    spec.host_ready = follow_configured_address(m, env);
    spec.peer.software_version = m.software_version;
    spec.peer.membership = options_.membership;
    spec.peer.replication = options_.replication;
    spec.peer.ntp_synchronized = [synced = m.ntp_synchronized] { return *synced; };
    // From the loop, not from inside the process it replaces.
    spec.restart = [this, number = m.number, inc = m.host->incarnation()] {
      sim_->loop().schedule_at(sim_->loop().now_ns(), [this, number, inc] { reboot_if(number, inc); });
    };
    return TwinDaemon::boot(env, std::move(spec));
  });
}

// tandemd takes its LAN address from its configuration at every start
// (read_host_facts), before the peer opens: when Ethernet 1 IP V4 Address was
// changed, the machine now lives at the new address, and the operator's DNS
// follows (the host's FQDN is given it). Runs as the host starts, before its
// process holds any socket. A host not yet installed keeps its address.
Status ClusterTwin::follow_configured_address(Machine& m, Env& env) {
  if (!env.files().exists(kDatabaseName)) return {};
  std::string text;
  {
    auto store = config::Store::open(env.files(), config::vcs_schema(), kDatabaseName);
    if (!store) return store.error();
    text = *(*store)->get("Ethernet 1 IP V4 Address");
  }
  if (text.empty()) return make_error("no LAN address is configured (Ethernet 1 IP V4 Address)");
  auto configured = IpAddress::parse(text);
  if (!configured || !configured->is_v4()) {
    return make_error("Ethernet 1 IP V4 Address '" + text + "' is not an IPv4 address");
  }
  if (*configured == m.ip) return {};
  if (auto moved = sim_->readdress_host(m.host->index(), {*configured}); !moved) {
    return make_error("cannot take address " + text + ": " + moved.error().message);
  }
  sim_->dns().set_addresses(fqdn(m.number), {*configured});
  m.ip = *configured;
  m.address = configured->to_string();
  return {};
}

ClusterTwin::Machine& ClusterTwin::machine(int number) {
  TANDEM_ASSERT(number >= 1 && number <= host_count());
  return *machines_[static_cast<std::size_t>(number - 1)];
}

const ClusterTwin::Machine& ClusterTwin::machine(int number) const {
  TANDEM_ASSERT(number >= 1 && number <= host_count());
  return *machines_[static_cast<std::size_t>(number - 1)];
}

SimHost& ClusterTwin::host(int number) { return *machine(number).host; }
const std::string& ClusterTwin::address(int number) const { return machine(number).address; }
std::string ClusterTwin::fqdn(int number) const { return "peer" + std::to_string(number) + "." + kTwinDomain; }

std::optional<int> ClusterTwin::host_at(std::string_view address) const {
  for (const auto& m : machines_) {
    if (m->address == address || fqdn(m->number) == address) return m->number;
  }
  return std::nullopt;
}

bool ClusterTwin::running(int number) {
  SimHost& h = host(number);
  auto* daemon = h.process<TwinDaemon>();
  return h.state() == HostState::Running && daemon && daemon->serving();
}

Peer* ClusterTwin::peer(int number) {
  auto* daemon = host(number).process<TwinDaemon>();
  return daemon ? daemon->peer() : nullptr;
}

Status ClusterTwin::set_software_version(int number, std::string version) {
  if (version.empty()) return make_error("the software version of peer" + std::to_string(number) + " must not be empty");
  machine(number).software_version = std::move(version);
  return {};
}

const std::string& ClusterTwin::software_version(int number) const { return machine(number).software_version; }

// ---- process control ----------------------------------------------------------------------

void ClusterTwin::crash(int number) {
  Machine& m = machine(number);
  if (!m.host->up()) return;
  ++m.kills;
  m.host->crash();
}

void ClusterTwin::power_off(int number) {
  Machine& m = machine(number);
  m.powered_off = true;
  m.host->crash();
}

void ClusterTwin::restart(int number) {
  Machine& m = machine(number);
  TANDEM_ASSERT(!m.host->up());
  m.powered_off = false;
  m.host->restart();
}

void ClusterTwin::reboot(int number) {
  Machine& m = machine(number);
  TANDEM_ASSERT(m.host->up());
  sim_->trace().record(sim_->loop().now_ns(), "host.reboot", m.host->index());
  if (auto* daemon = m.host->process<TwinDaemon>()) daemon->stop();
  // A process that exits loses nothing it wrote: the kernel's page cache
  // reaches the disk. The twin's disk model only knows crashes, so sync first.
  FileSystem& files = m.host->env()->files();
  for (const std::string& name : files.list()) {
    if (auto file = files.open(name, OpenMode::ReadWrite)) (void)(*file)->sync();
  }
  m.host->crash();
  m.host->restart();
}

void ClusterTwin::reboot_if(int number, std::uint64_t incarnation) {
  SimHost& h = host(number);
  if (h.up() && h.incarnation() == incarnation) reboot(number);
}

void ClusterTwin::pause(int number) { host(number).pause(); }
void ClusterTwin::resume(int number) { host(number).resume(); }
void ClusterTwin::step_wall_clock(int number, Duration offset) { host(number).step_wall_clock(offset); }
void ClusterTwin::set_ntp_synchronized(int number, bool synchronized) {
  *machine(number).ntp_synchronized = synchronized;
}

// ---- network and time ---------------------------------------------------------------------

std::int32_t ClusterTwin::sim_index(int number) {
  return number == kOperator ? workstation_->index() : host(number).index();
}

void ClusterTwin::partition(int a, int b) { sim_->network().partition(sim_index(a), sim_index(b)); }
void ClusterTwin::partition_one_way(int from, int to) {
  sim_->network().partition_one_way(sim_index(from), sim_index(to));
}
void ClusterTwin::heal(int a, int b) { sim_->network().heal(sim_index(a), sim_index(b)); }
void ClusterTwin::heal_all() { sim_->network().heal_all(); }

Status ClusterTwin::run_for(Duration d) {
  TANDEM_ASSERT(!running_loop_);
  running_loop_ = true;
  Status ran = sim_->run_for(d);
  running_loop_ = false;
  return ran;
}

Result<bool> ClusterTwin::run_until(const std::function<bool()>& done, Duration limit) {
  TANDEM_ASSERT(!running_loop_);
  running_loop_ = true;
  Result<bool> held = sim_->run_until(done, limit);
  running_loop_ = false;
  return held;
}

Duration ClusterTwin::now() const { return Duration(sim_->loop().now_ns()); }

// ---- the admin API ----------------------------------------------------------------------------

admin::Request ClusterTwin::authorized(std::string method, std::string target, std::string body) const {
  return admin::Request{std::move(method), std::move(target),
                        basic_authorization(kTwinAdminUser, options_.admin_password), std::move(body),
                        operator_address()};
}

// An IP literal as it is; a name through the twin's DNS, as the
// workstation's resolver would ask it (Enforce clusters list peers by FQDN).
Result<IpAddress> ClusterTwin::resolve(const std::string& address, Duration limit) {
  if (auto ip = IpAddress::parse(address)) return *ip;
  Env* env = workstation_->env();
  if (!env) return make_error("the operator's workstation is down");
  std::optional<Result<DnsAnswer>> answer;
  Handle lookup = env->lookup(address, DnsType::A, [&answer](Result<DnsAnswer> a) { answer = std::move(a); });
  auto done = run_until([&answer] { return answer.has_value(); }, limit);
  if (!done) return done.error();
  if (!answer) return make_error("cannot resolve " + address + ": no answer within " + in_ms(limit));
  if (!*answer) return make_error("cannot resolve " + address + ": " + answer->error().message);
  if ((*answer)->addresses.empty()) return make_error("cannot resolve " + address + ": it has no address");
  return (*answer)->addresses.front();
}

Result<admin::Response> ClusterTwin::request(const std::string& address, admin::Request request, Duration limit) {
  const Duration started = now();
  auto ip = resolve(address, limit);
  if (!ip) return ip.error();
  const Endpoint to{*ip, kAdminPort};
  const std::string where = to.to_string();
  const auto number = host_at(ip->to_string());
  if (!number) return make_error("connection to " + where + " refused: no host of the twin has that address");
  Machine& m = machine(*number);
  // The host's kernel answers for a dead tandemd; a machine that is off answers nothing.
  if (!m.host->up() && !m.powered_off) return make_error("connection to " + where + " refused: tandemd is not running");
  auto* workstation = workstation_->process<Workstation>();
  if (!workstation) return make_error("the operator's workstation is down");
  Exchange exchange(*workstation_->env(), workstation->tls, to, request);
  const std::uint64_t kills = m.kills;
  auto done = run_until([&] { return exchange.outcome().has_value() || m.kills != kills; }, limit - (now() - started));
  if (!done) return done.error();
  if (exchange.outcome()) return *exchange.outcome();
  if (m.kills != kills) return make_error("connection with " + where + " reset by peer: tandemd died");
  return make_error("no reply from " + where + " within " + in_ms(limit));
}

}  // namespace tandem::sim
