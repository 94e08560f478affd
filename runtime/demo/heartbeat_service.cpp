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

// The next beat of `type` in the stream, nothing until a whole frame is in, or
// an error for a bad frame or a frame of another type.
Result<std::optional<Beat>> next_beat(wire::FrameDecoder& decoder, std::uint8_t type) {
  auto frame = decoder.next();
  if (!frame) return frame.error();
  if (!frame->has_value()) return std::optional<Beat>{};
  if ((*frame)->type != type) return make_error("unexpected frame type " + std::to_string((*frame)->type));
  auto beat = decode_beat(**frame);
  if (!beat) return beat.error();
  return std::optional<Beat>{std::move(beat.value())};
}

}  // namespace

struct HeartbeatService::Outbound {
  Handle pending;                  // connect in progress
  Handle retry;                    // reconnect timer
  std::unique_ptr<Stream> stream;  // established connection
  wire::FrameDecoder decoder;
  std::optional<MonoTime> last_echo;
};

struct HeartbeatService::Inbound {
  std::unique_ptr<Stream> stream;
  wire::FrameDecoder decoder;
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
  for (std::size_t i = 0; i < self->config_.peers.size(); ++i) self->connect(i);
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

void HeartbeatService::connect(std::size_t peer) {
  Outbound& out = *outbound_[peer];
  ConnectOptions options{config_.peers[peer], config_.listen.ip, config_.interval * 3};
  out.pending = env_.connect(options, tls_, [this, peer](Result<std::unique_ptr<Stream>> s) {
    on_connected(peer, std::move(s));
  });
}

void HeartbeatService::on_connected(std::size_t peer, Result<std::unique_ptr<Stream>> stream) {
  Outbound& out = *outbound_[peer];
  if (!stream) {
    drop_outbound(peer, stream.error().message);
    return;
  }
  out.stream = std::move(stream.value());
  out.decoder = wire::FrameDecoder();
  out.stream->start(StreamHandlers{
      [this, peer](ByteView bytes) { on_outbound_data(peer, bytes); },
      [this, peer](Status why) { drop_outbound(peer, why ? "closed by peer" : why.error().message); },
  });
  // A first beat at once, so a new link shows up without waiting a whole interval.
  out.stream->send(encode_beat(kHeartbeat, Beat{config_.name, seq_, to_ns(env_.now())}));
}

void HeartbeatService::drop_outbound(std::size_t peer, const std::string& why) {
  Outbound& out = *outbound_[peer];
  env_.log(LogLevel::Debug, "demo", "link to " + config_.peers[peer].to_string() + " down: " + why);
  out.stream.reset();
  // Retry after an interval plus jitter, so restarted hosts do not reconnect in lockstep.
  const auto jitter = Duration(env_.random().between(0, to_ns(config_.interval) / 4));
  out.retry = env_.start_timer(config_.interval + jitter, [this, peer] { connect(peer); });
}

void HeartbeatService::on_outbound_data(std::size_t peer, ByteView bytes) {
  Outbound& out = *outbound_[peer];
  out.decoder.feed(bytes);
  for (;;) {
    auto beat = next_beat(out.decoder, kEcho);
    if (!beat) {
      drop_outbound(peer, "bad echo: " + beat.error().message);
      return;
    }
    if (!beat->has_value()) return;
    out.last_echo = env_.now();
    PeerStatus& status = status_[peer];
    status.name = (*beat)->from;
    status.last_rtt = env_.now() - MonoTime(Duration((*beat)->sent_ns));
    ++status.echoes;
  }
}

void HeartbeatService::on_accept(std::unique_ptr<Stream> stream) {
  const std::uint64_t id = next_inbound_id_++;
  auto in = std::make_unique<Inbound>();
  in->stream = std::move(stream);
  Stream& s = *in->stream;
  inbound_[id] = std::move(in);
  s.start(StreamHandlers{
      [this, id](ByteView bytes) { on_inbound_data(id, bytes); },
      [this, id](Status) { inbound_.erase(id); },
  });
}

void HeartbeatService::on_inbound_data(std::uint64_t id, ByteView bytes) {
  auto it = inbound_.find(id);
  if (it == inbound_.end()) return;
  Inbound& in = *it->second;
  in.decoder.feed(bytes);
  for (;;) {
    auto beat = next_beat(in.decoder, kHeartbeat);
    if (!beat) {
      env_.log(LogLevel::Warn, "demo", "dropping connection from " + in.stream->remote().to_string() + ": " +
                                           beat.error().message);
      inbound_.erase(it);
      return;
    }
    if (!beat->has_value()) return;
    ++heartbeats_answered_;
    in.stream->send(encode_beat(kEcho, Beat{config_.name, (*beat)->seq, (*beat)->sent_ns}));
  }
}

void HeartbeatService::tick() {
  ++seq_;
  const Beat beat{config_.name, seq_, to_ns(env_.now())};
  const auto frame = encode_beat(kHeartbeat, beat);
  for (auto& out : outbound_) {
    if (out->stream) out->stream->send(frame);
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
