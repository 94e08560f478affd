#include "runtime/demo/heartbeat_service.hpp"

#include <algorithm>
#include <string>

namespace tandem::demo {
namespace {

constexpr std::uint8_t kHeartbeat = 1;
constexpr std::uint8_t kEcho = 2;
constexpr char kBootFile[] = "demo-boots";
constexpr char kReachLog[] = "demo-reach.log";

struct Beat {
  std::string from;
  std::uint64_t seq = 0;
  std::int64_t sent_ns = 0;  // sender's monotonic clock, echoed back
};

std::vector<std::uint8_t> encode_beat(std::uint8_t type, const Beat& beat) {
  wire::Writer w;
  w.str(beat.from).u64(beat.seq).i64(beat.sent_ns);
  return wire::encode_frame(type, w.bytes());
}

Result<Beat> decode_beat(const wire::Frame& frame) {
  wire::Reader r(frame.payload);
  Beat beat;
  beat.from = r.str("from", 255);
  beat.seq = r.u64("seq");
  beat.sent_ns = r.i64("sent_ns");
  if (auto ok = r.finish(); !ok) return ok.error();
  return beat;
}

Result<Beat> beat_of(const wire::Frame& frame, std::uint8_t type) {
  if (frame.type != type) return make_error("unexpected frame type " + std::to_string(frame.type));
  return decode_beat(frame);
}

}  // namespace

struct HeartbeatService::Outbound {
  std::unique_ptr<net::Dialer> dialer;
  std::unique_ptr<net::FramedLink> link;
  std::optional<MonoTime> last_echo;
};

Result<std::unique_ptr<HeartbeatService>> HeartbeatService::start(Env& env, HeartbeatConfig config) {
  if (config.name.empty()) return make_error("heartbeat service needs a name");
  if (config.interval <= Duration::zero()) return make_error("heartbeat interval must be positive");
  std::unique_ptr<HeartbeatService> service(new HeartbeatService(env, std::move(config)));
  if (auto ok = service->load_boot_count(); !ok) return ok.error();
  auto tls = env.make_tls_context(service->config_.tls);
  if (!tls) return make_error("heartbeat TLS: " + tls.error().message);
  service->tls_ = std::move(tls.value());
  auto* self = service.get();
  auto listener = env.listen(self->config_.listen, self->tls_,
                             [self](std::unique_ptr<Stream> s) { self->on_accept(std::move(s)); });
  if (!listener) return listener.error();
  self->listener_ = std::move(listener.value());
  for (std::size_t i = 0; i < self->config_.peers.size(); ++i) {
    const Endpoint& peer = self->config_.peers[i];
    auto& dialer = self->outbound_[i]->dialer;
    dialer = std::make_unique<net::Dialer>(
        env, peer.ip.to_string(), peer.port, self->config_.listen.ip, self->tls_, self->config_.interval,
        [self, i](std::unique_ptr<Stream> s) { self->on_connected(i, std::move(s)); },
        [self, peer](const Error& e) {
          self->env_.log(LogLevel::Debug, "demo", "no link to " + peer.to_string() + ": " + e.message);
        });
    dialer->dial();
  }
  self->tick_timer_ = env.start_timer(self->config_.interval, [self] { self->tick(); });
  env.log(LogLevel::Info, "demo", self->config_.name + " up, boot " + std::to_string(self->boot_count_) +
                                      ", listening on " + self->config_.listen.to_string());
  return service;
}

HeartbeatService::HeartbeatService(Env& env, HeartbeatConfig config) : env_(env), config_(std::move(config)) {
  for (const Endpoint& peer : config_.peers) {
    outbound_.push_back(std::make_unique<Outbound>());
    status_.push_back(PeerStatus{peer, {}, false, std::nullopt, 0});
  }
}

HeartbeatService::~HeartbeatService() = default;

Status HeartbeatService::load_boot_count() {
  FileSystem& fs = env_.files();
  if (fs.exists(kBootFile)) {
    auto bytes = read_file(fs, kBootFile);
    if (!bytes) return bytes.error();
    wire::Reader r(*bytes);
    boot_count_ = r.u64("boot count");
    if (auto ok = r.finish(); !ok) return make_error(std::string(kBootFile) + " is corrupt: " + ok.error().message);
  }
  ++boot_count_;
  wire::Writer w;
  w.u64(boot_count_);
  if (auto ok = write_file_synced(fs, kBootFile, w.bytes()); !ok) return ok;
  auto log = fs.open(kReachLog, OpenMode::CreateReadWrite);
  if (!log) return log.error();
  reach_log_ = std::move(log.value());
  auto size = reach_log_->size();
  if (!size) return size.error();
  reach_log_size_ = *size;
  return {};
}

void HeartbeatService::on_connected(std::size_t peer, std::unique_ptr<Stream> stream) {
  Outbound& out = *outbound_[peer];
  out.link = std::make_unique<net::FramedLink>(
      std::move(stream), [this, peer](const wire::Frame& f) { on_echo(peer, f); },
      [this, peer](const Status& why) { drop_outbound(peer, why ? "closed by peer" : why.error().message); });
  // A first beat at once, so a new link shows up without waiting a whole interval.
  out.link->send(encode_beat(kHeartbeat, Beat{config_.name, seq_, to_ns(env_.now())}));
}

void HeartbeatService::drop_outbound(std::size_t peer, const std::string& why) {
  Outbound& out = *outbound_[peer];
  env_.log(LogLevel::Debug, "demo", "link to " + config_.peers[peer].to_string() + " down: " + why);
  out.link.reset();
  out.dialer->redial();
}

void HeartbeatService::on_echo(std::size_t peer, const wire::Frame& frame) {
  auto beat = beat_of(frame, kEcho);
  if (!beat) return drop_outbound(peer, "bad echo: " + beat.error().message);
  Outbound& out = *outbound_[peer];
  out.last_echo = env_.now();
  PeerStatus& status = status_[peer];
  status.name = beat->from;
  status.last_rtt = env_.now() - MonoTime(Duration(beat->sent_ns));
  ++status.echoes;
}

void HeartbeatService::on_accept(std::unique_ptr<Stream> stream) {
  const std::uint64_t id = next_inbound_id_++;
  inbound_[id] = std::make_unique<net::FramedLink>(
      std::move(stream), [this, id](const wire::Frame& f) { on_heartbeat(id, f); },
      [this, id](const Status&) { inbound_.erase(id); });
}

void HeartbeatService::on_heartbeat(std::uint64_t id, const wire::Frame& frame) {
  net::FramedLink& link = *inbound_.at(id);
  auto beat = beat_of(frame, kHeartbeat);
  if (!beat) {
    env_.log(LogLevel::Warn, "demo", "dropping connection from " + link.stream().remote().to_string() + ": " +
                                         beat.error().message);
    inbound_.erase(id);
    return;
  }
  ++heartbeats_answered_;
  link.send(encode_beat(kEcho, Beat{config_.name, beat->seq, beat->sent_ns}));
}

void HeartbeatService::tick() {
  ++seq_;
  const Beat beat{config_.name, seq_, to_ns(env_.now())};
  const auto frame = encode_beat(kHeartbeat, beat);
  for (auto& out : outbound_) {
    if (out->link) out->link->send(frame);
  }
  update_reachability();
  tick_timer_ = env_.start_timer(config_.interval, [this] { tick(); });
}

void HeartbeatService::update_reachability() {
  const Duration window = config_.interval * config_.missed_before_unreachable;
  for (std::size_t i = 0; i < outbound_.size(); ++i) {
    const auto& last = outbound_[i]->last_echo;
    status_[i].reachable = last && env_.now() - *last <= window;
  }
  std::string now_summary = summary();
  if (now_summary == last_summary_) return;
  last_summary_ = now_summary;
  env_.trace("demo.reach", now_summary);
  env_.log(LogLevel::Info, "demo", now_summary);
  // An operator's log: appended without sync, so a crash may lose its tail.
  const std::string line = now_summary + "\n";
  if (reach_log_->write(reach_log_size_, std::span(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()))) {
    reach_log_size_ += line.size();
  }
}

std::vector<std::string> HeartbeatService::reachable() const {
  std::vector<std::string> names;
  for (const PeerStatus& s : status_) {
    if (s.reachable) names.push_back(s.name.empty() ? s.endpoint.to_string() : s.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string HeartbeatService::summary() const {
  const auto names = reachable();
  std::string out = config_.name + " reaches ";
  if (names.empty()) return out + "nobody";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + names[i];
  return out;
}

}  // namespace tandem::demo
