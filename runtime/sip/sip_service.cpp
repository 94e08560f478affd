#include "runtime/sip/sip_service.hpp"

#include <algorithm>
#include <vector>

#include "runtime/sip/keepalive.hpp"

namespace tandem::sip {
namespace {

constexpr Duration kDropLogGap = std::chrono::minutes(1);  // anyone can send: one log line a minute at most
constexpr std::size_t kTraceToBytesMax = 120;

ByteView bytes_of(std::string_view text) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

// RFC 3261 §18.2.2 with RFC 3581: the source address; the source port if the
// client asked for rport, else the port it put in Via.
Endpoint udp_destination(const wire::SipMessage& request, const Endpoint& from) {
  const std::string* top = request.header("Via");
  if (top == nullptr) return from;
  auto parts = wire::split_list(*top, wire::kSipViasMax);
  if (!parts || parts->empty()) return from;
  auto via = wire::parse_via(parts->front());
  if (!via || wire::find_param(via->params, "rport") != nullptr) return from;
  return Endpoint{from.ip, via->port.value_or(kSipPort)};
}

}  // namespace

Result<std::unique_ptr<SipService>> SipService::start(Env& env, SipServiceOptions options) {
  if (auto ok = check(options.registrar); !ok) return make_error("SIP registrar: " + ok.error().message);
  if (!options.udp_port && !options.tcp_port && !options.tls_port) {
    return make_error("SIP service: none of UDP, TCP and TLS asked for");
  }
  if (options.tls_port && !options.tls) return make_error("SIP service: TLS asked for without a certificate");
  TANDEM_ASSERT(options.connections_max > 0 && options.sweep_interval > Duration::zero());
  std::unique_ptr<SipService> service(new SipService(env, std::move(options)));
  if (auto ok = service->open(); !ok) return ok.error();
  service->sweep_timer_ = env.start_timer(service->options_.sweep_interval, [s = service.get()] { s->sweep(); });
  return service;
}

SipService::SipService(Env& env, SipServiceOptions options)
    : env_(env), options_(std::move(options)), registrar_([&] {
        RegistrarOptions r = options_.registrar;
        r.tag_seed ^= env.random().next_u64();  // To tags differ between peers and boots
        return r;
      }()) {}

SipService::~SipService() = default;

Status SipService::open() {
  if (options_.udp_port) {
    auto socket = env_.open_datagram(Endpoint{options_.address, *options_.udp_port},
                                     [this](const Endpoint& from, ByteView payload) { on_datagram(from, payload); });
    if (!socket) return make_error("SIP UDP port: " + socket.error().message);
    udp_ = std::move(socket.value());
  }
  if (options_.tcp_port) {
    auto listener = env_.listen(Endpoint{options_.address, *options_.tcp_port}, nullptr,
                                [this](std::unique_ptr<Stream> stream) { on_accept(std::move(stream)); });
    if (!listener) return make_error("SIP TCP port: " + listener.error().message);
    listener_ = std::move(listener.value());
  }
  if (options_.tls_port) {
    auto listener = env_.listen(Endpoint{options_.address, *options_.tls_port}, options_.tls,
                                [this](std::unique_ptr<Stream> stream) { on_accept(std::move(stream)); });
    if (!listener) return make_error("SIP TLS port: " + listener.error().message);
    tls_listener_ = std::move(listener.value());
  }
  std::string where;
  const auto add = [&where](std::string_view name, const Endpoint& at) {
    where += (where.empty() ? "" : ", ") + std::string(name) + " " + at.to_string();
  };
  if (udp_) add("UDP", udp_->local());
  if (listener_) add("TCP", listener_->local());
  if (tls_listener_) add("TLS", tls_listener_->local());
  env_.log(LogLevel::Info, "sip", "registrar listening on " + where);
  return {};
}

std::optional<Endpoint> SipService::udp_endpoint() const {
  return udp_ ? std::optional<Endpoint>(udp_->local()) : std::nullopt;
}
std::optional<Endpoint> SipService::tcp_endpoint() const {
  return listener_ ? std::optional<Endpoint>(listener_->local()) : std::nullopt;
}
std::optional<Endpoint> SipService::tls_endpoint() const {
  return tls_listener_ ? std::optional<Endpoint>(tls_listener_->local()) : std::nullopt;
}

RequestContext SipService::context(const Endpoint& source, Transport transport, std::uint64_t connection) const {
  return RequestContext{source, transport, connection, env_.now(), options_.maintenance && options_.maintenance()};
}

std::optional<wire::SipMessage> SipService::answer(const wire::SipMessage& request, const RequestContext& context) {
  auto response = registrar_.handle(request, context);
  if (!response) {
    ++stats_.ignored;
    return std::nullopt;
  }
  ++stats_.responses;
  if (request.method == "REGISTER") {
    const std::string* to = response->header("To");
    env_.trace("sip.register", std::to_string(response->status) + " " + std::string(to_string(context.transport)) +
                                   " " + context.source.to_string() + " " +
                                   (to ? wire::safe_reason(*to).substr(0, kTraceToBytesMax) : std::string("-")));
  }
  return response;
}

// ---- UDP ----------------------------------------------------------------------------

void SipService::on_datagram(const Endpoint& from, ByteView payload) {
  ++stats_.datagrams;
  if (is_crlf_ping(payload)) {
    ++stats_.keepalives;
    udp_->send_to(from, bytes_of(kCrlfPong));
    return;
  }
  if (is_stun(payload)) {
    if (auto reply = stun_binding_response(payload, from)) {
      ++stats_.keepalives;
      udp_->send_to(from, *reply);
    }
    return;
  }
  auto message = wire::parse_sip_message(payload);
  if (!message) return drop("UDP", from, message.error().message);
  if (!message->request) {
    ++stats_.ignored;  // a response to nothing this registrar sent
    return;
  }
  if (auto response = answer(*message, context(from, Transport::Udp, 0))) {
    udp_->send_to(udp_destination(*message, from), bytes_of(wire::serialize(*response)));
  }
}

// ---- TCP ----------------------------------------------------------------------------

void SipService::on_accept(std::unique_ptr<Stream> stream) {
  if (connections_.size() >= options_.connections_max) {
    ++stats_.connections_refused;
    return;  // destroying the stream closes it
  }
  ++stats_.connections_accepted;
  const std::uint64_t id = next_connection_++;
  auto connection = std::make_unique<Connection>();
  connection->remote = stream->remote();
  connection->last_active = env_.now();
  connection->stream = std::move(stream);
  Stream& s = *connection->stream;
  connections_.emplace(id, std::move(connection));
  s.start(StreamHandlers{[this, id](ByteView bytes) { on_data(id, bytes); },
                         [this, id](Status) { close(id, Close::Peer); }});
}

void SipService::on_data(std::uint64_t id, ByteView bytes) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  c.last_active = env_.now();
  c.framer.feed(bytes);
  // Each item takes at least 2 bytes of the buffer: this bounds the loop.
  const std::size_t turns_max = c.framer.buffered_bytes() / 2 + 1;
  for (std::size_t turn = 0; turn < turns_max; ++turn) {
    auto item = c.framer.next();
    if (!item) {
      drop("TCP", c.remote, item.error().message);
      ++stats_.connections_closed_bad;
      return close(id, Close::Bad);
    }
    if (!*item) return;
    if (!on_stream_item(id, c, **item)) return;
  }
}

bool SipService::on_stream_item(std::uint64_t id, Connection& c, wire::SipStreamItem& item) {
  c.spoke = true;
  if (item.kind == wire::SipStreamItem::Kind::Ping) {
    ++stats_.keepalives;
    c.stream->send(bytes_of(kCrlfPong));
  } else {
    ++stats_.stream_messages;
    if (!item.message.request) {
      ++stats_.ignored;
      return true;
    }
    const Transport transport = c.stream->tls().encrypted ? Transport::Tls : Transport::Tcp;
    if (auto response = answer(item.message, context(c.remote, transport, id))) {
      c.stream->send(bytes_of(wire::serialize(*response)));
    }
  }
  if (c.stream->send_backlog_bytes() > options_.send_backlog_bytes_max) {
    ++stats_.connections_closed_backlog;
    close(id, Close::Backlog);
    return false;
  }
  return true;
}

void SipService::close(std::uint64_t id, Close why) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (why != Close::Peer) {
    env_.log(LogLevel::Debug, "sip",
             "closing SIP connection from " + it->second->remote.to_string() +
                 (why == Close::Bad    ? ": bad framing"
                  : why == Close::Idle ? ": idle"
                                       : ": answers not read"));
  }
  connections_.erase(it);  // destroys the stream: no callback of it runs after this
}

// ---- the sweep ----------------------------------------------------------------------

void SipService::sweep() {
  const MonoTime now = env_.now();
  const std::size_t expired = registrar_.expire(now);
  std::vector<std::uint64_t> idle;
  for (const auto& [id, c] : connections_) {  // at most connections_max turns
    const Duration limit = c->spoke ? options_.idle_timeout : options_.first_message_timeout;
    if (now - c->last_active >= limit) idle.push_back(id);
  }
  for (std::uint64_t id : idle) {
    ++stats_.connections_closed_idle;
    close(id, Close::Idle);
  }
  // A full batch means more are due: come back at once rather than a whole interval later.
  const Duration next = expired >= kExpireBatchMax ? Duration::zero() : options_.sweep_interval;
  sweep_timer_ = env_.start_timer(next, [this] { sweep(); });
}

void SipService::drop(std::string_view where, const Endpoint& from, const std::string& why) {
  ++stats_.malformed;
  const MonoTime now = env_.now();
  if (drop_logged_ && now - *drop_logged_ < kDropLogGap) {
    ++drops_unlogged_;
    return;
  }
  std::string line = "dropped malformed SIP from " + std::string(where) + " " + from.to_string() + ": " + why;
  if (drops_unlogged_ > 0) line += " (and " + std::to_string(drops_unlogged_) + " more since the last report)";
  env_.log(LogLevel::Warn, "sip", line);
  drop_logged_ = now;
  drops_unlogged_ = 0;
}

}  // namespace tandem::sip
