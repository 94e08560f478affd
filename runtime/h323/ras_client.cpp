#include "runtime/h323/ras_client.hpp"

#include <algorithm>

namespace tandem::h323 {

std::string_view to_string(RasClientState state) {
  switch (state) {
    case RasClientState::Idle: return "idle";
    case RasClientState::Registering: return "registering";
    case RasClientState::Registered: return "registered";
    case RasClientState::Unregistering: return "unregistering";
  }
  return "?";
}

Result<std::unique_ptr<RasClient>> RasClient::start(Env& env, RasClientOptions options, RasClientHandlers handlers) {
  if (options.aliases.empty()) return make_error("an H.323 endpoint needs at least one alias to register");
  if (options.tries_max < 1) return make_error("RAS tries_max must be at least 1");
  if (options.local.ip == IpAddress{} && !env.addresses().empty()) options.local.ip = env.addresses().front();
  std::unique_ptr<RasClient> client(new RasClient(env, std::move(options), std::move(handlers)));
  auto socket = env.open_datagram(client->options_.local,
                                  [c = client.get()](const Endpoint& from, ByteView payload) { c->on_datagram(from, payload); });
  if (!socket) return make_error("RAS client socket: " + socket.error().message);
  client->socket_ = std::move(socket.value());
  return client;
}

RasClient::RasClient(Env& env, RasClientOptions options, RasClientHandlers handlers)
    : env_(env), options_(std::move(options)), handlers_(std::move(handlers)) {}

RasClient::~RasClient() = default;

void RasClient::register_with(const Endpoint& gatekeeper) {
  refresh_timer_.cancel();
  gatekeeper_ = gatekeeper;
  endpoint_id_.clear();
  time_to_live_s_ = 0;
  state_ = RasClientState::Registering;
  keep_alive_ = false;
  send_request(rrq(false));
}

void RasClient::unregister() {
  refresh_timer_.cancel();
  if (!gatekeeper_ || state_ == RasClientState::Idle) {
    retry_timer_.cancel();
    outstanding_.reset();
    state_ = RasClientState::Idle;
    return;
  }
  UnregistrationRequest urq;
  urq.seq = next_seq();
  urq.call_signal_addresses = {Endpoint{local().ip, options_.call_signal_port}};
  urq.aliases = options_.aliases;
  urq.endpoint_id = endpoint_id_;
  state_ = RasClientState::Unregistering;
  keep_alive_ = false;
  send_request(urq);
}

std::optional<Endpoint> RasClient::next_alternate() const {
  std::vector<AlternateGatekeeper> by_priority = alternates_;
  std::stable_sort(by_priority.begin(), by_priority.end(),
                   [](const AlternateGatekeeper& a, const AlternateGatekeeper& b) { return a.priority < b.priority; });
  for (const AlternateGatekeeper& a : by_priority) {
    if (failed_.count(a.ras_address) || (gatekeeper_ && a.ras_address == *gatekeeper_)) continue;
    return a.ras_address;
  }
  return std::nullopt;
}

RegistrationRequest RasClient::rrq(bool keep_alive) {
  RegistrationRequest m;
  m.seq = next_seq();
  m.call_signal_addresses = {Endpoint{local().ip, options_.call_signal_port}};
  m.ras_addresses = {local()};
  m.vendor = options_.vendor;
  m.time_to_live_s = options_.time_to_live_s;
  m.keep_alive = keep_alive;
  m.supports_alt_gk = true;
  if (keep_alive) {
    m.endpoint_id = endpoint_id_;  // a lightweight RRQ names itself, not its aliases
  } else {
    m.aliases = options_.aliases;
  }
  return m;
}

std::uint16_t RasClient::next_seq() {
  if (++seq_ == 0) seq_ = 1;
  return seq_;
}

void RasClient::send_request(RasMessage request) {
  outstanding_ = std::move(request);
  tries_ = 0;
  transmit();
}

void RasClient::transmit() {
  if (tries_ == options_.tries_max) {
    outstanding_.reset();
    if (state_ == RasClientState::Unregistering) {
      state_ = RasClientState::Idle;  // gone either way
      return;
    }
    return lose("no answer after " + std::to_string(options_.tries_max) + " tries");
  }
  auto bytes = encode(*outstanding_);
  TANDEM_ASSERT(bytes.ok());  // built from checked options
  ++tries_;
  ++stats_.requests;
  socket_->send_to(*gatekeeper_, *bytes);
  retry_timer_ = env_.start_timer(options_.retry_interval, [this] { transmit(); });
}

void RasClient::on_datagram(const Endpoint& from, ByteView payload) {
  auto message = decode_ras(payload);
  if (!outstanding_ || !gatekeeper_ || from != *gatekeeper_ || !message ||
      request_seq_num(*message) != request_seq_num(*outstanding_)) {
    ++stats_.ignored;
    return;
  }
  const bool asked_rrq = std::holds_alternative<RegistrationRequest>(*outstanding_);
  if (const auto* rcf = std::get_if<RegistrationConfirm>(&*message); rcf && asked_rrq) return on_confirm(*rcf);
  if (const auto* rrj = std::get_if<RegistrationReject>(&*message); rrj && asked_rrq) return on_reject(*rrj);
  const bool unregistered = std::holds_alternative<UnregistrationConfirm>(*message) ||
                            std::holds_alternative<UnregistrationReject>(*message);
  if (unregistered && !asked_rrq) {
    retry_timer_.cancel();
    outstanding_.reset();
    endpoint_id_.clear();
    state_ = RasClientState::Idle;
    return;
  }
  ++stats_.ignored;
}

void RasClient::on_confirm(const RegistrationConfirm& rcf) {
  retry_timer_.cancel();
  outstanding_.reset();
  const bool full = !keep_alive_;
  endpoint_id_ = rcf.endpoint_id;
  time_to_live_s_ = rcf.time_to_live_s.value_or(0);
  if (full || !rcf.alternates.empty()) alternates_ = rcf.alternates;
  failed_.clear();
  state_ = RasClientState::Registered;
  schedule_refresh();
  if (!full) {
    ++stats_.keep_alives;
    return;
  }
  if (handlers_.on_registered) handlers_.on_registered(RasRegistered{*gatekeeper_, endpoint_id_, time_to_live_s_, alternates_});
}

void RasClient::on_reject(const RegistrationReject& rrj) {
  retry_timer_.cancel();
  outstanding_.reset();
  if (!rrj.alternates.empty()) alternates_ = rrj.alternates;
  if (keep_alive_ && rrj.reason == RegistrationRejectReason::FullRegistrationRequired) {
    return register_with(*gatekeeper_);  // it forgot us (restarted, or we were late): register again
  }
  lose("rejected: " + std::string(to_string(rrj.reason)), rrj.reason);
}

// Last thing done: the handler may register elsewhere, or destroy this client.
void RasClient::lose(std::string why, std::optional<RegistrationRejectReason> rejected) {
  retry_timer_.cancel();
  refresh_timer_.cancel();
  outstanding_.reset();
  failed_.insert(*gatekeeper_);
  endpoint_id_.clear();
  state_ = RasClientState::Idle;
  if (handlers_.on_lost) handlers_.on_lost(RasLost{*gatekeeper_, std::move(why), rejected});
}

void RasClient::schedule_refresh() {
  if (time_to_live_s_ == 0) return;
  const Duration ttl = std::chrono::seconds(time_to_live_s_);
  const Duration delay = std::max<Duration>(ttl - options_.refresh_margin, ttl / 2);
  refresh_timer_ = env_.start_timer(delay, [this] {
    keep_alive_ = true;
    send_request(rrq(true));
  });
}

}  // namespace tandem::h323
