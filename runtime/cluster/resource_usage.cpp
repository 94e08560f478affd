#include "runtime/cluster/resource_usage.hpp"

#include <algorithm>

#include "runtime/wire/frame.hpp"

namespace tandem::cluster {
namespace {

// Anyone can send to the port: one log line per gap at most, however many come.
constexpr Duration kDropLogGap = std::chrono::minutes(1);
// A name may resolve to many addresses; a peer sends from one or two.
constexpr std::size_t kAddressesPerPeerMax = 8;

Error datagram_error(const std::string& why) { return make_error("resource usage datagram: " + why); }

std::string describe(int slot, const Usage& u) {
  return "peer " + std::to_string(slot) + ": " + std::to_string(u.registrations) + " registrations, " +
         std::to_string(u.traversal_calls) + " traversal, " + std::to_string(u.non_traversal_calls) +
         " non-traversal, " + std::to_string(u.turn_relays) + " TURN, " + std::to_string(u.pipe_kbps.size()) +
         " pipes in use";
}

}  // namespace

Status check_usage(const Usage& usage) {
  if (usage.pipe_kbps.size() > kMaxUsagePipes) {
    return make_error("resource usage names " + std::to_string(usage.pipe_kbps.size()) + " pipes; at most " +
                      std::to_string(kMaxUsagePipes) + " fit in a datagram");
  }
  for (const auto& [pipe, kbps] : usage.pipe_kbps) {
    if (pipe < 1 || pipe > kMaxPipeNumber) {
      return make_error("resource usage names pipe " + std::to_string(pipe) + "; pipes are 1.." +
                        std::to_string(kMaxPipeNumber));
    }
  }
  return {};
}

std::vector<std::uint8_t> encode(const UsageDatagram& d) {
  TANDEM_ASSERT(check_usage(d.usage).ok());
  wire::Writer w;
  w.u8(d.slot).u64(d.boot_id).u64(d.seq);
  w.u32(d.usage.registrations).u32(d.usage.traversal_calls).u32(d.usage.non_traversal_calls).u32(d.usage.turn_relays);
  w.u8(static_cast<std::uint8_t>(d.usage.pipe_kbps.size()));
  for (const auto& [pipe, kbps] : d.usage.pipe_kbps) w.u16(pipe).u32(kbps);  // a map: ascending, as decode wants
  TANDEM_ASSERT(w.bytes().size() <= kUsagePayloadBytesMax);
  return wire::encode_frame(kResourceUsageFrame, w.bytes());
}

// One whole frame and nothing else: a datagram is never a stream fragment.
Result<UsageDatagram> decode_usage_datagram(std::span<const std::uint8_t> bytes) {
  wire::FrameDecoder frames(static_cast<std::uint32_t>(kUsagePayloadBytesMax));
  frames.feed(bytes);
  auto next = frames.next();
  if (!next) return datagram_error(next.error().message);
  if (!next->has_value()) return datagram_error("truncated at " + std::to_string(bytes.size()) + " bytes");
  if (frames.buffered_bytes() != 0) {
    return datagram_error(std::to_string(frames.buffered_bytes()) + " bytes after the frame");
  }
  const wire::Frame& frame = **next;
  if (frame.type != kResourceUsageFrame) {
    return datagram_error("frame type " + std::to_string(frame.type) + " is not resource usage (" +
                          std::to_string(kResourceUsageFrame) + ")");
  }
  wire::Reader r(frame.payload);
  UsageDatagram d;
  d.slot = r.u8("slot");
  if (r.ok() && (d.slot < 1 || d.slot > kMaxPeers)) r.fail("slot", std::to_string(d.slot) + " is not 1..6");
  d.boot_id = r.u64("boot_id");
  d.seq = r.u64("seq");
  d.usage.registrations = r.u32("registrations");
  d.usage.traversal_calls = r.u32("traversal_calls");
  d.usage.non_traversal_calls = r.u32("non_traversal_calls");
  d.usage.turn_relays = r.u32("turn_relays");
  const std::uint8_t count = r.u8("pipe_count");
  if (count > kMaxUsagePipes) r.fail("pipe_count", std::to_string(count) + " exceeds " + std::to_string(kMaxUsagePipes));
  std::uint16_t previous = 0;
  for (std::size_t i = 0; r.ok() && i < count; ++i) {
    const std::uint16_t pipe = r.u16("pipe");
    const std::uint32_t kbps = r.u32("pipe kbps");
    if (r.ok() && (pipe < 1 || pipe > kMaxPipeNumber)) {
      r.fail("pipe", std::to_string(pipe) + " is not 1.." + std::to_string(kMaxPipeNumber));
    }
    // Ascending and unique: a pipe twice would make its sum ambiguous.
    if (r.ok() && pipe <= previous) r.fail("pipe", std::to_string(pipe) + " comes after pipe " + std::to_string(previous));
    previous = pipe;
    d.usage.pipe_kbps.emplace(pipe, kbps);
  }
  if (auto ok = r.finish(); !ok) return datagram_error(ok.error().message);
  return d;
}

bool is_resource_usage_datagram(std::span<const std::uint8_t> payload) {
  return payload.size() >= wire::kFrameHeaderBytes && payload[0] == 'T' && payload[1] == 'D' &&
         payload[2] == wire::kFrameVersion && payload[3] == kResourceUsageFrame;
}

Result<std::unique_ptr<SharedDatagramPort>> SharedDatagramPort::open(Env& env, const Endpoint& local) {
  std::unique_ptr<SharedDatagramPort> port(new SharedDatagramPort());
  auto socket = env.open_datagram(local, [p = port.get()](const Endpoint& from, ByteView payload) { p->on_datagram(from, payload); });
  if (!socket) return socket.error();
  port->socket_ = std::move(socket.value());
  return port;
}

void SharedDatagramPort::on_datagram(const Endpoint& from, ByteView payload) {
  const bool usage = is_resource_usage_datagram(payload);
  const DatagramHandler& first = usage ? usage_ : other_;
  const DatagramHandler& fallback = usage ? other_ : usage_;
  if (first) {
    first(from, payload);
  } else if (fallback) {
    fallback(from, payload);
  }
}

UsageTotals add_up(const std::vector<PeerUsage>& peers) {
  UsageTotals t;
  for (const PeerUsage& p : peers) {
    if (!p.usage) {
      t.unknown.push_back(p.slot);
      continue;
    }
    t.registrations += p.usage->registrations;
    t.traversal_calls += p.usage->traversal_calls;
    t.non_traversal_calls += p.usage->non_traversal_calls;
    t.turn_relays += p.usage->turn_relays;
    for (const auto& [pipe, kbps] : p.usage->pipe_kbps) t.pipe_kbps[pipe] += kbps;
  }
  std::sort(t.unknown.begin(), t.unknown.end());
  return t;
}

// ---- the service ----------------------------------------------------------------------

Result<std::unique_ptr<ResourceUsage>> ResourceUsage::start(Env& env, const ClusteringSettings& settings, int self_slot,
                                                            const std::map<std::string, std::vector<IpAddress>>& resolved,
                                                            Usage local, ResourceUsageOptions options) {
  if (auto ok = check(settings); !ok) return ok.error();
  if (self_slot < 1 || self_slot > settings.peer_count()) {
    return make_error("this system is not in the list of peers (slot " + std::to_string(self_slot) + ")");
  }
  if (auto ok = check_usage(local); !ok) return ok.error();
  std::unique_ptr<ResourceUsage> u(new ResourceUsage(env, settings, self_slot, std::move(local), options));
  u->resolve(resolved);
  if (auto ok = u->open(); !ok) return ok.error();
  u->tick();  // the others hear of this boot at once, then every interval
  return u;
}

ResourceUsage::ResourceUsage(Env& env, ClusteringSettings settings, int self_slot, Usage local,
                             ResourceUsageOptions options)
    : env_(env),
      settings_(std::move(settings)),
      self_slot_(self_slot),
      local_(std::move(local)),
      options_(options),
      boot_id_(env.random().next_u64()) {
  TANDEM_ASSERT(options_.interval > Duration::zero() && options_.stale_after > Duration::zero());
  TANDEM_ASSERT(options_.min_gap >= Duration::zero());
}

ResourceUsage::~ResourceUsage() {
  if (shared_) shared_->set_usage_handler(nullptr);
}

void ResourceUsage::resolve(const std::map<std::string, std::vector<IpAddress>>& resolved) {
  for (int slot = 1; slot <= settings_.peer_count(); ++slot) {
    const std::string& listed = settings_.peers[static_cast<std::size_t>(slot - 1)];
    Record& r = record(slot);
    if (auto literal = IpAddress::parse(listed)) {
      r.addresses = {*literal};
    } else if (auto it = resolved.find(listed); it != resolved.end()) {
      const std::size_t n = std::min(it->second.size(), kAddressesPerPeerMax);
      r.addresses.assign(it->second.begin(), it->second.begin() + static_cast<long>(n));
    }
  }
}

Status ResourceUsage::open() {
  std::optional<IpAddress> own = options_.own_address;
  if (!own) {
    auto literal = IpAddress::parse(settings_.peers[static_cast<std::size_t>(self_slot_ - 1)]);
    if (literal) own = *literal;
  }
  // Bound to this peer's own address, so what it sends comes from the address
  // the others list; every address only when it has none (as membership does).
  const Endpoint local{own.value_or(IpAddress{}), options_.port};
  SharedDatagramPort* shared = options_.shared_port;
  if (shared && shared->local().port == local.port && (!own || shared->local().ip == local.ip)) {
    shared_ = shared;
    shared_->set_usage_handler([this](const Endpoint& from, ByteView payload) { on_datagram(from, payload); });
    return {};
  }
  auto socket = env_.open_datagram(local, [this](const Endpoint& from, ByteView payload) { on_datagram(from, payload); });
  if (!socket) return make_error("resource usage port: " + socket.error().message);
  socket_ = std::move(socket.value());
  return {};
}

Status ResourceUsage::set_local(const Usage& usage) {
  if (auto ok = check_usage(usage); !ok) return ok;
  if (usage == local_) return {};
  local_ = usage;
  send_soon();
  return {};
}

void ResourceUsage::tick() {
  send_all();
  tick_timer_ = env_.start_timer(options_.interval, [this] { tick(); });
}

// A change goes out now, or at the end of the gap after the last change sent
// at once; one pending send carries whatever the usage is by then.
void ResourceUsage::send_soon() {
  if (change_timer_.active()) return;
  const MonoTime now = env_.now();
  if (!change_sent_ || now - *change_sent_ >= options_.min_gap) {
    change_sent_ = now;
    send_all();
    return;
  }
  change_timer_ = env_.start_timer(*change_sent_ + options_.min_gap - now, [this] {
    change_sent_ = env_.now();
    send_all();
  });
}

void ResourceUsage::send_all() {
  const auto bytes = encode(UsageDatagram{static_cast<std::uint8_t>(self_slot_), boot_id_, next_seq_++, local_});
  for (int slot = 1; slot <= settings_.peer_count(); ++slot) {
    const Record& r = record(slot);
    if (slot == self_slot_ || r.addresses.empty()) continue;
    send_to(Endpoint{r.addresses.front(), options_.port}, bytes);
  }
}

void ResourceUsage::send_to(const Endpoint& to, ByteView payload) {
  if (shared_) {
    shared_->send_to(to, payload);
  } else {
    socket_->send_to(to, payload);
  }
}

void ResourceUsage::on_datagram(const Endpoint& from, ByteView payload) {
  auto datagram = decode_usage_datagram(payload);
  if (!datagram) return drop(Drop::Malformed, from, datagram.error().message);
  const int slot = datagram->slot;
  if (slot > settings_.peer_count() || slot == self_slot_) {
    return drop(Drop::Unlisted, from, "it claims slot " + std::to_string(slot) + ", which is not another listed peer");
  }
  Record& r = record(slot);
  if (std::find(r.addresses.begin(), r.addresses.end(), from.ip) == r.addresses.end()) {
    return drop(Drop::Unlisted, from,
                "it claims slot " + std::to_string(slot) + ", listed as " +
                    settings_.peers[static_cast<std::size_t>(slot - 1)]);
  }
  if (!newer(r, *datagram)) return drop(Drop::Stale, from, "not newer than the last one taken");
  take(r, std::move(datagram.value()));
}

// Same boot: only a higher number. Another boot: only one not retired, which
// is the peer's restart (its earlier boots' late datagrams are refused).
bool ResourceUsage::newer(const Record& r, const UsageDatagram& d) {
  if (!r.heard) return true;
  if (d.boot_id == r.boot_id) return d.seq > r.seq;
  const auto retired_end = r.retired.begin() + static_cast<long>(r.retired_count);
  return std::find(r.retired.begin(), retired_end, d.boot_id) == retired_end;
}

void ResourceUsage::take(Record& r, UsageDatagram d) {
  const MonoTime now = env_.now();
  const bool restarted = r.heard && d.boot_id != r.boot_id;
  const bool was_known = r.heard && now - *r.heard <= options_.stale_after;
  if (restarted) {
    if (r.retired_count == kRetiredBootsMax) {
      std::shift_left(r.retired.begin(), r.retired.end(), 1);
      --r.retired_count;
    }
    r.retired[r.retired_count++] = r.boot_id;
    env_.log(LogLevel::Info, "cluster", "peer " + std::to_string(d.slot) + " restarted: its resource usage starts afresh");
  }
  const bool changed = !was_known || restarted || d.usage != r.usage;
  r.heard = now;
  r.boot_id = d.boot_id;
  r.seq = d.seq;
  r.usage = std::move(d.usage);
  if (changed) env_.trace("cluster.usage", describe(d.slot, r.usage));
}

void ResourceUsage::drop(Drop reason, const Endpoint& from, const std::string& why) {
  switch (reason) {
    case Drop::Malformed: ++drops_.malformed; break;
    case Drop::Unlisted: ++drops_.unlisted; break;
    case Drop::Stale: ++drops_.stale; return;  // UDP duplicates and reorders: normal, not worth a line
  }
  const MonoTime now = env_.now();
  if (drop_logged_ && now - *drop_logged_ < kDropLogGap) {
    ++drops_unlogged_;
    return;
  }
  std::string line = "ignoring a UDP " + std::to_string(options_.port) + " datagram from " + from.to_string() + ": " + why;
  if (drops_unlogged_ > 0) line += " (and " + std::to_string(drops_unlogged_) + " more since the last report)";
  env_.log(LogLevel::Warn, "cluster", line);
  drop_logged_ = now;
  drops_unlogged_ = 0;
}

std::vector<PeerUsage> ResourceUsage::peers() const {
  std::vector<PeerUsage> out;
  for (int slot = 1; slot <= settings_.peer_count(); ++slot) out.push_back(peer(slot));
  return out;
}

PeerUsage ResourceUsage::peer(int slot) const {
  TANDEM_ASSERT(slot >= 1 && slot <= settings_.peer_count());
  PeerUsage p;
  p.slot = slot;
  p.address = settings_.peers[static_cast<std::size_t>(slot - 1)];
  if (slot == self_slot_) {
    p.self = true;
    p.usage = local_;
    p.age = Duration::zero();
    p.boot_id = boot_id_;
    p.seq = next_seq_ > 0 ? next_seq_ - 1 : 0;
    return p;
  }
  const Record& r = record(slot);
  p.boot_id = r.boot_id;
  p.seq = r.seq;
  const MonoTime now = env_.now();
  if (r.heard && now - *r.heard <= options_.stale_after) {
    p.usage = r.usage;
    p.age = now - *r.heard;
  }
  return p;
}

}  // namespace tandem::cluster
