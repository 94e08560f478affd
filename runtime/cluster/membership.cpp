#include "runtime/cluster/membership.hpp"

#include <algorithm>

namespace tandem::cluster {

std::string_view to_string(PeerState state) {
  switch (state) {
    case PeerState::ThisSystem: return "This system";
    case PeerState::Unknown: return "Unknown";
    case PeerState::Active: return "Active";
    case PeerState::Failed: return "Failed";
  }
  return "?";
}

struct Membership::Outbound {
  std::unique_ptr<net::Dialer> dialer;
  std::unique_ptr<VerifiedLink> link;  // carries heartbeats once the peer is verified
};

Result<std::unique_ptr<Membership>> Membership::start(Env& env, const ClusteringSettings& settings, int self_slot,
                                                      std::shared_ptr<const TlsContext> tls, LocalInfo local,
                                                      AlarmSet& alarms, MembershipOptions options) {
  if (auto ok = check(settings); !ok) return ok.error();
  if (self_slot < 1 || self_slot > settings.peer_count()) {
    return make_error("this system is not in the list of peers (slot " + std::to_string(self_slot) + ")");
  }
  std::unique_ptr<Membership> m(new Membership(env, settings, self_slot, std::move(tls), std::move(local), alarms, options));
  if (auto ok = m->listen(); !ok) return ok.error();
  m->dial_all();
  m->tick_timer_ = env.start_timer(options.interval, [raw = m.get()] { raw->tick(); });
  return m;
}

Membership::Membership(Env& env, ClusteringSettings settings, int self_slot, std::shared_ptr<const TlsContext> tls,
                       LocalInfo local, AlarmSet& alarms, MembershipOptions options)
    : env_(env),
      settings_(std::move(settings)),
      settings_hash_(settings_.hash()),
      self_slot_(self_slot),
      tls_(std::move(tls)),
      local_(std::move(local)),
      alarms_(alarms),
      options_(options),
      started_(env.now()) {
  for (int slot = 1; slot <= settings_.peer_count(); ++slot) {
    PeerView v;
    v.slot = slot;
    v.address = settings_.peers[static_cast<std::size_t>(slot - 1)];
    v.state = slot == self_slot_ ? PeerState::ThisSystem : PeerState::Unknown;
    auto ip = IpAddress::parse(v.address);
    listed_ips_.push_back(ip ? std::optional<IpAddress>(*ip) : std::nullopt);
    views_.push_back(std::move(v));
  }
}

Membership::~Membership() = default;

const PeerView& Membership::peer(int slot) const {
  TANDEM_ASSERT(slot >= 1 && slot <= static_cast<int>(views_.size()));
  return views_[static_cast<std::size_t>(slot - 1)];
}

std::optional<IpAddress> Membership::own_address() {
  if (options_.own_address) return options_.own_address;
  auto literal = IpAddress::parse(view(self_slot_).address);
  return literal ? std::optional<IpAddress>(*literal) : std::nullopt;
}

Status Membership::listen() {
  const auto own = own_address();
  const Endpoint local{own.value_or(IpAddress{}), options_.port};
  auto listener = env_.listen(local, tls_, [this](std::unique_ptr<Stream> s) { on_accept(std::move(s)); });
  if (!listener) return make_error("cluster recovery port: " + listener.error().message);
  listener_ = std::move(listener.value());
  return {};
}

void Membership::dial_all() {
  const auto own = own_address();
  for (const PeerView& v : views_) {
    if (v.slot == self_slot_) continue;
    auto out = std::make_unique<Outbound>();
    const int slot = v.slot;
    out->dialer = std::make_unique<net::Dialer>(
        env_, v.address, options_.port, own, tls_, options_.interval,
        [this, slot](std::unique_ptr<Stream> stream) { on_outbound(slot, std::move(stream)); });
    out->dialer->dial();
    outbound_[slot] = std::move(out);
  }
}

void Membership::on_outbound(int slot, std::unique_ptr<Stream> stream) {
  outbound_.at(slot)->link = std::make_unique<VerifiedLink>(
      env_, std::move(stream), settings_.tls_mode,
      [this, slot](const IdentityVerdict& verdict) { on_outbound_verdict(slot, verdict); },
      [this, slot](const wire::Frame& f) { on_outbound_frame(slot, f); },
      [this, slot](const Status&) { drop_outbound(slot); });
}

// Applies the TLS verification mode to a link we dialed; a refused one keeps
// the alarm up for that slot and is dialed again later.
void Membership::on_outbound_verdict(int slot, const IdentityVerdict& verdict) {
  Outbound& o = *outbound_.at(slot);
  if (!verdict.accepted()) {
    refused_[slot] = "peer " + std::to_string(slot) + " (" + o.link->remote().to_string() + "): " + verdict.message;
    env_.log(LogLevel::Warn, "cluster", "refused " + refused_[slot]);
    update_alarms(local_().feature_keys_hash);
    return drop_outbound(slot);
  }
  if (refused_.erase(slot) > 0) update_alarms(local_().feature_keys_hash);
  o.link->send(encode(heartbeat_now()));
}

void Membership::drop_outbound(int slot) {
  Outbound& o = *outbound_.at(slot);
  o.link.reset();
  o.dialer->redial();
}

// Inbound links are judged the same way; nothing they send counts before.
void Membership::on_accept(std::unique_ptr<Stream> stream) {
  const std::uint64_t id = next_inbound_++;
  inbound_[id] = std::make_unique<VerifiedLink>(
      env_, std::move(stream), settings_.tls_mode,
      [this, id](const IdentityVerdict& verdict) {
        // The alarm follows the links we dial, where the slot is known; a
        // refused caller is only logged (it may not even be a peer).
        if (!admit_peer(verdict, "connection", inbound_.at(id)->remote(), env_, "cluster")) inbound_.erase(id);
      },
      [this, id](const wire::Frame& f) { on_inbound_frame(id, f); },
      [this, id](const Status&) {
        inbound_.erase(id);
        inbound_slot_.erase(id);
      });
}

void Membership::set_query_handlers(RequestHandler on_request, ReplyHandler on_reply) {
  on_request_ = std::move(on_request);
  on_reply_ = std::move(on_reply);
}

bool Membership::send_request(int slot, const std::vector<std::uint8_t>& frame) {
  auto it = outbound_.find(slot);
  if (it == outbound_.end() || !it->second->link || !it->second->link->accepted()) return false;
  it->second->link->send(frame);
  return true;
}

// A query on an inbound link: only from a peer that has said who it is.
void Membership::on_inbound_request(std::uint64_t id, const wire::Frame& frame) {
  const auto slot = inbound_slot_.find(id);
  if (slot == inbound_slot_.end()) {
    env_.log(LogLevel::Warn, "cluster",
             "dropping recovery link from " + inbound_.at(id)->remote().to_string() + ": a query before any heartbeat");
    inbound_.erase(id);
    return;
  }
  if (!on_request_) return;
  if (auto reply = on_request_(slot->second, frame)) inbound_.at(id)->send(*reply);
}

void Membership::on_inbound_frame(std::uint64_t id, const wire::Frame& frame) {
  if (frame.type >= kFirstQueryFrame) return on_inbound_request(id, frame);
  VerifiedLink& link = *inbound_.at(id);
  const Status heartbeat = decode_heartbeat(frame, incoming_);
  const int slot = heartbeat ? incoming_.slot : 0;
  std::string refusal = heartbeat ? "" : heartbeat.error().message;
  if (heartbeat && (slot > static_cast<int>(views_.size()) || slot == self_slot_)) {
    refusal = "heartbeat claims slot " + std::to_string(slot) + ", which is not another listed peer";
  }
  // A listed IP address must be where the heartbeat comes from (names are
  // checked by TLS Enforce against DNS).
  if (refusal.empty()) {
    const std::optional<IpAddress>& listed = listed_ips_[static_cast<std::size_t>(slot - 1)];
    if (listed && *listed != link.remote().ip) {
      refusal = "heartbeat for slot " + std::to_string(slot) + " came from " + link.remote().ip.to_string() +
                ", not " + listed->to_string();
    }
  }
  if (!refusal.empty()) {
    env_.log(LogLevel::Warn, "cluster", "dropping recovery link from " + link.remote().to_string() + ": " + refusal);
    inbound_.erase(id);
    inbound_slot_.erase(id);
    return;
  }
  inbound_slot_[id] = slot;
  PeerView& v = view(slot);
  link.send(encode(Echo{static_cast<std::uint8_t>(self_slot_), incoming_.sent_ns}));
  if (v.last) {
    std::swap(*v.last, incoming_);  // the older one's storage takes the next heartbeat
  } else {
    v.last = std::move(incoming_);
  }
  v.last_heard = env_.now();
  v.last_contact = env_.wall_now();
  if (v.state != PeerState::Active) evaluate(local_().feature_keys_hash);
}

void Membership::on_outbound_frame(int slot, const wire::Frame& frame) {
  if (frame.type >= kFirstQueryFrame) {
    if (on_reply_) on_reply_(slot, frame);
    return;
  }
  auto echo = decode_echo(frame);
  if (!echo || echo->slot != slot) {
    env_.log(LogLevel::Warn, "cluster", "bad echo from peer " + std::to_string(slot));
    return drop_outbound(slot);
  }
  view(slot).rtt = env_.now() - MonoTime(Duration(echo->sent_ns));
}

Heartbeat Membership::heartbeat_now() {
  Heartbeat h = local_();
  h.slot = static_cast<std::uint8_t>(self_slot_);
  h.primary = static_cast<std::uint8_t>(settings_.primary);
  h.settings_hash = settings_hash_;
  h.sent_ns = to_ns(env_.now());
  return h;
}

void Membership::tick() {
  const Heartbeat mine = heartbeat_now();
  const auto frame = encode(mine);
  for (auto& [slot, out] : outbound_) {
    if (out->link && out->link->accepted()) out->link->send(frame);
  }
  evaluate(mine.feature_keys_hash);
  tick_timer_ = env_.start_timer(options_.interval, [this] { tick(); });
}

void Membership::evaluate(const std::string& own_keys_hash) {
  const MonoTime now = env_.now();
  bool changed = false;
  for (PeerView& v : views_) {
    if (v.state == PeerState::ThisSystem) continue;
    PeerState next = PeerState::Failed;
    if (v.last_heard && now - *v.last_heard <= options_.failure_after) {
      next = PeerState::Active;
    } else if (!v.last_heard && now - started_ < options_.failure_after) {
      next = PeerState::Unknown;
    }
    if (next == v.state) continue;
    v.state = next;
    changed = true;
    env_.trace("cluster.peer", "peer " + std::to_string(v.slot) + " " + std::string(to_string(next)));
  }
  update_alarms(own_keys_hash);
  if (changed && on_change_) on_change_();
}

void Membership::update_alarms(const std::string& own_keys_hash) {
  std::string failed, settings, primary, keys;
  auto add = [](std::string& list, const PeerView& v) { list += (list.empty() ? "peer " : ", peer ") + std::to_string(v.slot) + " (" + v.address + ")"; };
  for (const PeerView& v : views_) {
    if (v.state == PeerState::Failed) add(failed, v);
    if (v.state != PeerState::Active || !v.last) continue;
    if (v.last->settings_hash != settings_hash_) add(settings, v);
    if (v.last->primary != settings_.primary) add(primary, v);
    if (v.last->feature_keys_hash != own_keys_hash) add(keys, v);
  }
  const WallTime at = env_.wall_now();
  const auto set = [&](AlarmId id, const std::string& detail) {
    if (detail.empty()) {
      alarms_.clear(id);
    } else {
      alarms_.raise(id, detail, at);
    }
  };
  set(AlarmId::ClusterCommunicationFailure, failed);
  // Up while the last link dialed to some peer was refused: it goes only when
  // that peer's certificate passes (a peer still on old heartbeats does not count).
  std::string refused;
  for (const auto& [slot, why] : refused_) refused += (refused.empty() ? "" : "; ") + why;
  set(AlarmId::PeerCertificateRefused, refused);
  set(AlarmId::ClusteringSettingsMismatch, settings);
  set(AlarmId::ClusterPrimaryMismatch, primary);
  set(AlarmId::OptionKeysMismatch, keys);
}

}  // namespace tandem::cluster
