#include "runtime/h323/gatekeeper.hpp"

#include <algorithm>
#include <cstdio>

namespace tandem::h323 {
namespace {

// Anyone can send to the port: one log line per gap at most, however many come.
constexpr Duration kDropLogGap = std::chrono::minutes(1);
constexpr std::size_t kExpireBatchMax = 4096;  // registrations removed by one sweep

Status check(const GatekeeperOptions& o) {
  if (o.gatekeeper_id.empty() || o.gatekeeper_id.size() > kIdentifierCharsMax) {
    return make_error("H.323 gatekeeper identifier must be 1.." + std::to_string(kIdentifierCharsMax) + " characters");
  }
  if (o.time_to_live_s == 0 || o.ttl_min_s > o.time_to_live_s) {
    return make_error("H.323 time to live " + std::to_string(o.time_to_live_s) + " s is below the minimum " +
                      std::to_string(o.ttl_min_s) + " s");
  }
  if (o.registrations_max == 0) return make_error("H.323 registrations_max must be at least 1");
  return {};
}

std::string describe(const Registration& r) {
  std::string aliases;
  for (const Alias& a : r.aliases) aliases += (aliases.empty() ? "" : ",") + a.value;
  return r.endpoint_id + " [" + aliases + "] from " + r.source.to_string();
}

}  // namespace

Result<std::unique_ptr<Gatekeeper>> Gatekeeper::start(Env& env, const Endpoint& local, GatekeeperOptions options) {
  if (auto ok = check(options); !ok) return ok.error();
  std::unique_ptr<Gatekeeper> gk(new Gatekeeper(env, std::move(options)));
  auto socket = env.open_datagram(local, [g = gk.get()](const Endpoint& from, ByteView payload) { g->on_datagram(from, payload); });
  if (!socket) return make_error("H.323 RAS port: " + socket.error().message);
  gk->socket_ = std::move(socket.value());
  gk->send_ = [s = gk->socket_.get()](const Endpoint& to, ByteView payload) { s->send_to(to, payload); };
  if (gk->options_.ras_address == Endpoint{}) gk->options_.ras_address = gk->socket_->local();
  return gk;
}

Result<std::unique_ptr<Gatekeeper>> Gatekeeper::attach(Env& env, GatekeeperOptions options, DatagramSender send) {
  if (auto ok = check(options); !ok) return ok.error();
  TANDEM_ASSERT(send != nullptr);
  std::unique_ptr<Gatekeeper> gk(new Gatekeeper(env, std::move(options)));
  gk->send_ = std::move(send);
  return gk;
}

Gatekeeper::Gatekeeper(Env& env, GatekeeperOptions options) : env_(env), options_(std::move(options)) {
  TANDEM_ASSERT(options_.sweep_interval > Duration::zero());
  sweep_timer_ = env_.start_timer(options_.sweep_interval, [this] { sweep(); });
}

Gatekeeper::~Gatekeeper() = default;

void Gatekeeper::on_datagram(const Endpoint& from, ByteView payload) {
  ++stats_.datagrams;
  auto message = decode_ras(payload);
  if (!message) return drop(from, message.error().message);
  if (const auto* grq = std::get_if<GatekeeperRequest>(&*message)) return on_grq(from, *grq);
  if (const auto* rrq = std::get_if<RegistrationRequest>(&*message)) return on_rrq(from, *rrq);
  if (const auto* urq = std::get_if<UnregistrationRequest>(&*message)) return on_urq(from, *urq);
  ++stats_.ignored;  // a confirm or reject: this gatekeeper asked nothing
}

Status Gatekeeper::set_time_to_live(std::uint32_t seconds) {
  GatekeeperOptions changed = options_;
  changed.time_to_live_s = seconds;
  if (auto ok = check(changed); !ok) return ok;
  options_.time_to_live_s = seconds;
  return {};
}

void Gatekeeper::answer(const Endpoint& to, const RasMessage& reply) {
  auto bytes = encode(reply);
  // Every reply is built from checked options and from values that decoded.
  TANDEM_ASSERT(bytes.ok());
  const bool confirm = std::holds_alternative<GatekeeperConfirm>(reply) ||
                       std::holds_alternative<RegistrationConfirm>(reply) ||
                       std::holds_alternative<UnregistrationConfirm>(reply);
  ++(confirm ? stats_.confirms : stats_.rejects);
  send_(to, *bytes);
}

std::vector<AlternateGatekeeper> Gatekeeper::alternates() const {
  if (!options_.alternates) return {};
  auto list = options_.alternates();
  if (list.size() > kAlternatesMax) list.resize(kAlternatesMax);
  return list;
}

std::vector<AlternateGatekeeper> spread_alternates(std::vector<AlternateGatekeeper> list, std::string_view key) {
  if (list.size() < 2) return list;
  std::size_t h = 0;
  for (char c : key) h = h * 31 + static_cast<unsigned char>(c);
  std::rotate(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(h % list.size()), list.end());
  for (std::size_t i = 0; i < list.size(); ++i) list[i].priority = static_cast<std::uint8_t>(i);
  return list;
}

void Gatekeeper::on_grq(const Endpoint& from, const GatekeeperRequest& grq) {
  if (in_maintenance()) {
    GatekeeperReject grj{grq.seq, options_.gatekeeper_id, GatekeeperRejectReason::ResourceUnavailable, alternates(), false};
    return answer(from, grj);
  }
  answer(from, GatekeeperConfirm{grq.seq, options_.gatekeeper_id, options_.ras_address, alternates()});
}

void Gatekeeper::reject(const Endpoint& from, const RegistrationRequest& rrq, RegistrationRejectReason reason,
                        std::vector<Alias> duplicates) {
  RegistrationReject rrj;
  rrj.seq = rrq.seq;
  rrj.reason = reason;
  rrj.duplicate_aliases = std::move(duplicates);
  rrj.gatekeeper_id = options_.gatekeeper_id;
  // Refused for want of room here: another peer may have it.
  if (reason == RegistrationRejectReason::ResourceUnavailable) rrj.alternates = alternates();
  answer(from, rrj);
}

std::uint32_t Gatekeeper::granted_ttl(const std::optional<std::uint32_t>& asked) const {
  if (!asked) return options_.time_to_live_s;
  return std::clamp(*asked, options_.ttl_min_s, options_.time_to_live_s);
}

RegistrationConfirm Gatekeeper::confirm(const RegistrationRequest& rrq, const Registration& r) const {
  RegistrationConfirm rcf;
  rcf.seq = rrq.seq;
  rcf.call_signal_addresses = {Endpoint{options_.ras_address.ip, options_.call_signal_port}};
  rcf.aliases = r.aliases;
  rcf.gatekeeper_id = options_.gatekeeper_id;
  rcf.endpoint_id = r.endpoint_id;
  rcf.alternates = spread_alternates(alternates(), r.endpoint_id);
  rcf.time_to_live_s = r.time_to_live_s;
  return rcf;
}

void Gatekeeper::on_rrq(const Endpoint& from, const RegistrationRequest& rrq) {
  using R = RegistrationRejectReason;
  if (rrq.keep_alive) return on_keep_alive(from, rrq);
  if (in_maintenance()) return reject(from, rrq, R::ResourceUnavailable);
  if (rrq.ras_addresses.empty()) return reject(from, rrq, R::InvalidRasAddress);
  if (rrq.call_signal_addresses.empty()) return reject(from, rrq, R::InvalidCallSignalAddress);
  // The same endpoint again (a retransmission, or it restarted): same RAS address.
  const auto same = by_ras_.find(rrq.ras_addresses.front());
  const std::string* previous = same == by_ras_.end() ? nullptr : &same->second;
  std::vector<Alias> duplicates;
  for (const Alias& a : rrq.aliases) {
    auto holder = by_alias_.find(a);
    if (holder != by_alias_.end() && (!previous || holder->second != *previous)) duplicates.push_back(a);
  }
  if (!duplicates.empty()) return reject(from, rrq, R::DuplicateAlias, std::move(duplicates));
  if (!previous && registrations_.size() >= options_.registrations_max) return reject(from, rrq, R::ResourceUnavailable);

  const std::string id = previous ? *previous : new_endpoint_id();
  if (previous) forget(id);
  Registration r;
  r.endpoint_id = id;
  r.aliases = rrq.aliases;
  r.call_signal_addresses = rrq.call_signal_addresses;
  r.ras_addresses = rrq.ras_addresses;
  r.source = from;
  r.kind = rrq.terminal_type;
  r.product = rrq.vendor.product;
  r.time_to_live_s = granted_ttl(rrq.time_to_live_s);
  r.registered = env_.now();
  r.expires = r.registered + std::chrono::seconds(r.time_to_live_s) + options_.expiry_grace;
  index(r);
  env_.trace("h323.register", describe(r));
  answer(from, confirm(rrq, r));
  registrations_.emplace(id, std::move(r));
}

// A lightweight RRQ: only the identifier counts, and only from where the
// endpoint registered (an identifier seen elsewhere refreshes nothing).
void Gatekeeper::on_keep_alive(const Endpoint& from, const RegistrationRequest& rrq) {
  using R = RegistrationRejectReason;
  auto it = registrations_.find(rrq.endpoint_id);
  if (it == registrations_.end() || it->second.source.ip != from.ip) return reject(from, rrq, R::FullRegistrationRequired);
  if (in_maintenance()) return reject(from, rrq, R::ResourceUnavailable);
  Registration& r = it->second;
  expiry_.erase({r.expires, r.endpoint_id});
  r.time_to_live_s = granted_ttl(rrq.time_to_live_s);
  r.source = from;
  r.expires = env_.now() + std::chrono::seconds(r.time_to_live_s) + options_.expiry_grace;
  expiry_.emplace(r.expires, r.endpoint_id);
  ++stats_.keep_alives;
  answer(from, confirm(rrq, r));
}

void Gatekeeper::on_urq(const Endpoint& from, const UnregistrationRequest& urq) {
  const Registration* found = nullptr;
  if (!urq.endpoint_id.empty()) {
    found = find(urq.endpoint_id);
  } else {
    for (const auto& [id, r] : registrations_) {
      const bool match = std::any_of(urq.call_signal_addresses.begin(), urq.call_signal_addresses.end(), [&](const Endpoint& e) {
        return std::find(r.call_signal_addresses.begin(), r.call_signal_addresses.end(), e) != r.call_signal_addresses.end();
      });
      if (match) {
        found = &r;
        break;
      }
    }
  }
  if (!found) return answer(from, UnregistrationReject{urq.seq, UnregRejectReason::NotCurrentlyRegistered});
  if (found->source.ip != from.ip) return answer(from, UnregistrationReject{urq.seq, UnregRejectReason::PermissionDenied});
  env_.trace("h323.unregister", describe(*found));
  forget(found->endpoint_id);
  answer(from, UnregistrationConfirm{urq.seq});
}

std::string Gatekeeper::new_endpoint_id() {
  // Random, so an identifier does not tell how many came before; unique here.
  for (;;) {
    char text[20];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(env_.random().next_u64()));
    if (!registrations_.count(text)) return text;
  }
}

void Gatekeeper::index(const Registration& r) {
  expiry_.emplace(r.expires, r.endpoint_id);
  by_ras_[r.ras_addresses.front()] = r.endpoint_id;
  for (const Alias& a : r.aliases) by_alias_[a] = r.endpoint_id;
}

void Gatekeeper::unindex(const Registration& r) {
  expiry_.erase({r.expires, r.endpoint_id});
  if (auto it = by_ras_.find(r.ras_addresses.front()); it != by_ras_.end() && it->second == r.endpoint_id) by_ras_.erase(it);
  for (const Alias& a : r.aliases) {
    if (auto it = by_alias_.find(a); it != by_alias_.end() && it->second == r.endpoint_id) by_alias_.erase(it);
  }
}

void Gatekeeper::forget(const std::string& endpoint_id) {
  auto it = registrations_.find(endpoint_id);
  if (it == registrations_.end()) return;
  unindex(it->second);
  registrations_.erase(it);
}

void Gatekeeper::sweep() {
  const MonoTime now = env_.now();
  for (std::size_t n = 0; n < kExpireBatchMax && !expiry_.empty() && expiry_.begin()->first <= now; ++n) {
    const std::string id = expiry_.begin()->second;
    env_.trace("h323.expire", describe(registrations_.at(id)));
    forget(id);
    ++stats_.expired;
  }
  sweep_timer_ = env_.start_timer(options_.sweep_interval, [this] { sweep(); });
}

std::vector<Registration> Gatekeeper::registrations() const {
  std::vector<Registration> out;
  out.reserve(registrations_.size());
  for (const auto& [id, r] : registrations_) out.push_back(r);
  return out;
}

const Registration* Gatekeeper::find(const std::string& endpoint_id) const {
  auto it = registrations_.find(endpoint_id);
  return it == registrations_.end() ? nullptr : &it->second;
}

const Registration* Gatekeeper::find_alias(const Alias& alias) const {
  auto it = by_alias_.find(alias);
  return it == by_alias_.end() ? nullptr : find(it->second);
}

std::optional<Endpoint> Gatekeeper::local_endpoint() const {
  if (!socket_) return std::nullopt;
  return socket_->local();
}

void Gatekeeper::drop(const Endpoint& from, const std::string& why) {
  ++stats_.malformed;
  const MonoTime now = env_.now();
  if (drop_logged_ && now - *drop_logged_ < kDropLogGap) {
    ++drops_unlogged_;
    return;
  }
  std::string line = "ignoring a RAS datagram from " + from.to_string() + ": " + why;
  if (drops_unlogged_ > 0) line += " (and " + std::to_string(drops_unlogged_) + " more since the last report)";
  env_.log(LogLevel::Warn, "h323", line);
  drop_logged_ = now;
  drops_unlogged_ = 0;
}

}  // namespace tandem::h323
