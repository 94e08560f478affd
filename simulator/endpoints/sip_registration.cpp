#include "simulator/endpoints/sip_registration.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "runtime/sip/keepalive.hpp"
#include "runtime/wire/sip_message.hpp"

namespace tandem::sim::endpoints {
namespace {

constexpr int kBriefRetriesMax = 2;  // 423s answered with a longer expiry before giving up
constexpr std::uint32_t kStunMagicCookie = 0x2112A442;
constexpr MonoTime kNever = MonoTime::max();

ByteView bytes_of(std::string_view text) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

std::string hex(std::uint64_t value) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(value));
  return out;
}

// A leading delta-seconds ("60", "60;duration=10", "60 (comment)"); nullopt otherwise.
std::optional<std::uint32_t> leading_seconds(const std::string* value) {
  if (value == nullptr || value->empty() || !std::isdigit(static_cast<unsigned char>(value->front()))) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < value->size() && i < 10 && std::isdigit(static_cast<unsigned char>((*value)[i])); ++i) {
    n = n * 10 + static_cast<std::uint64_t>((*value)[i] - '0');
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX));
}

Duration scaled(Duration d, double share) {
  return Duration(static_cast<std::int64_t>(static_cast<double>(to_ns(d)) * share));
}

class SipRegistration final : public Registration {
 public:
  SipRegistration(Env& env, const SipEndpointOptions& options, const EndpointIdentity& who, int flow,
                  const Endpoint& server, RegistrationEvents events)
      : env_(env), options_(options), who_(who), flow_(flow), server_(server), events_(std::move(events)) {
    call_id_ = hex(env_.random().next_u64()) + "@" + who_.user;
    from_tag_ = hex(env_.random().next_u64()).substr(0, 10);
    expires_ask_ = options_.expires_s;
  }

  void open() {
    if (options_.transport == SipTransport::Udp) {
      auto socket = env_.open_datagram(Endpoint{env_.addresses().front(), 0},
                                       [this](const Endpoint& from, ByteView payload) { on_datagram(from, payload); });
      if (!socket) {  // told from a fresh event: the owner does not hold this yet
        timer_ = env_.start_timer(Duration::zero(), [this, why = socket.error().message] {
          lose({"cannot open a UDP socket: " + why});
        });
        return;
      }
      udp_ = std::move(socket.value());
      set_local(udp_->local());
      return send_register();
    }
    connecting_ = env_.connect(ConnectOptions{server_, std::nullopt, options_.connect_timeout}, nullptr,
                               [this](Result<std::unique_ptr<Stream>> s) { on_connected(std::move(s)); });
  }

 private:
  bool outbound() const { return options_.outbound; }
  bool udp() const { return options_.transport == SipTransport::Udp; }

  // ---- transport ---------------------------------------------------------------

  void on_connected(Result<std::unique_ptr<Stream>> stream) {
    if (!stream) return lose({stream.error().message});
    stream_ = std::move(stream.value());
    set_local(stream_->local());
    stream_->start(StreamHandlers{[this](ByteView bytes) { on_bytes(bytes); },
                                  [this](Status why) {
                                    lose({why ? "the peer closed the connection" : why.error().message});
                                  }});
    send_register();
  }

  void on_bytes(ByteView bytes) {
    pong_deadline_ = kNever;  // anything from the peer shows the flow is alive (a pong is a bare CRLF)
    framer_.feed(bytes);
    const std::size_t turns_max = framer_.buffered_bytes() / 2 + 1;  // each item takes 2 bytes at least
    for (std::size_t turn = 0; turn < turns_max; ++turn) {
      auto item = framer_.next();
      if (!item) return lose({"unreadable SIP from the peer: " + item.error().message});
      if (!*item) break;
      if ((*item)->kind == wire::SipStreamItem::Kind::Message && !on_message((*item)->message)) return;
    }
    arm();
  }

  void on_datagram(const Endpoint& from, ByteView payload) {
    if (from != server_) return;
    if (sip::is_stun(payload)) {
      pong_deadline_ = kNever;
      return arm();
    }
    auto message = wire::parse_sip_message(payload);
    if (!message) return;  // UDP: a garbled datagram is as good as lost
    pong_deadline_ = kNever;
    if (on_message(*message)) arm();
  }

  void transmit() {
    if (udp()) {
      udp_->send_to(server_, bytes_of(pending_));
    } else {
      stream_->send(bytes_of(pending_));
    }
  }

  // ---- REGISTER ------------------------------------------------------------------

  // The REGISTER this flow repeats, made once its local address is known;
  // each send changes only the Via branch, the CSeq and the Expires
  // (thousands of endpoints send these: no message is built from scratch).
  void set_local(const Endpoint& local) {
    local_ = local;
    const std::string address = local_.to_string();
    const std::string aor = "<sip:" + who_.user + "@" + options_.domain + ">";
    std::string contact = "<sip:" + who_.user + "@" + address + ";transport=" + (udp() ? "udp" : "tcp") +
                          ">;+sip.instance=\"" + who_.instance + "\"";
    if (outbound()) contact += ";reg-id=" + std::to_string(flow_);
    via_prefix_ = std::string("SIP/2.0/") + (udp() ? "UDP" : "TCP") + " " + address + ";branch=z9hG4bK" + from_tag_;
    via_prefix_ += ".";
    wire::SipMessage& m = register_;
    m.method = "REGISTER";
    m.request_uri = "sip:" + options_.domain;
    m.headers.clear();
    m.add("Via", "");  // send_register fills in Via, CSeq and Expires
    m.add("Max-Forwards", "70");
    m.add("From", aor + ";tag=" + from_tag_);
    m.add("To", aor);
    m.add("Call-ID", call_id_);
    m.add("CSeq", "");
    m.add("Contact", std::move(contact));
    if (outbound()) m.add("Supported", "outbound");
    m.add("Expires", "");
    m.add("User-Agent", "Tandem twin endpoint");
  }

  void send_register() {
    ++cseq_;
    const std::string cseq = std::to_string(cseq_);
    for (wire::SipHeader& h : register_.headers) {
      if (h.name == "Via") h.value.assign(via_prefix_).append(cseq).append(";rport");
      if (h.name == "CSeq") h.value.assign(cseq).append(" REGISTER");
      if (h.name == "Expires") h.value = std::to_string(expires_ask_);
    }
    pending_ = wire::serialize(register_);
    const MonoTime now = env_.now();
    transaction_deadline_ = now + options_.transaction_timeout;
    rto_ = options_.t1;
    retransmit_at_ = udp() ? now + rto_ : kNever;
    transmit();
    arm();
  }

  // A response; false when the registration was lost (this may be gone).
  bool on_message(const wire::SipMessage& m) {
    if (m.request || pending_.empty()) return true;
    const std::string* call_id = m.header("Call-ID");
    const auto cseq = leading_seconds(m.header("CSeq"));
    if (call_id == nullptr || *call_id != call_id_ || cseq != cseq_) return true;  // a stale answer
    if (m.status < 200) return true;
    pending_.clear();
    retransmit_at_ = kNever;
    transaction_deadline_ = kNever;
    if (m.status < 300) return on_ok(m);
    if (m.status == 423 && brief_retries_ < kBriefRetriesMax) {
      if (auto min = leading_seconds(m.header("Min-Expires")); min && *min > expires_ask_) {
        ++brief_retries_;
        expires_ask_ = *min;
        send_register();
        return true;
      }
    }
    RegistrationLoss loss{std::to_string(m.status) + " " + m.reason};
    if (auto after = leading_seconds(m.header("Retry-After"))) loss.retry_after = std::chrono::seconds(*after);
    lose(std::move(loss));
    return false;
  }

  bool on_ok(const wire::SipMessage& m) {
    std::optional<std::uint32_t> granted;
    if (auto contacts = wire::parse_contacts(m)) {
      for (const wire::SipContact& c : contacts->contacts) {
        const bool ours = c.instance && *c.instance == who_.instance && (!outbound() || c.reg_id == std::uint32_t(flow_));
        if (ours) granted = c.expires_s;
      }
    }
    if (!granted) granted = leading_seconds(m.header("Expires"));
    if (!granted || *granted == 0) {
      lose({"the 200 to REGISTER does not list this contact"});
      return false;
    }
    const MonoTime now = env_.now();
    const Duration granted_time = std::chrono::seconds(*granted);
    const double share = options_.refresh_at_min + (options_.refresh_at_max - options_.refresh_at_min) * env_.random().unit();
    expires_at_ = now + granted_time;
    refresh_at_ = now + scaled(granted_time, share);
    if (outbound() && ping_at_ == kNever) schedule_ping(now);
    events_.registered(expires_at_);
    return true;
  }

  // ---- keep-alives (outbound) ------------------------------------------------------

  void schedule_ping(MonoTime now) {
    ping_at_ = now + scaled(options_.keepalive_interval, 0.8 + 0.2 * env_.random().unit());
  }

  void send_ping(MonoTime now) {
    if (udp()) {
      std::vector<std::uint8_t> stun(20, 0);
      stun[1] = 0x01;  // Binding request, no attributes
      for (int i = 0; i < 4; ++i) stun[4 + i] = static_cast<std::uint8_t>(kStunMagicCookie >> (24 - 8 * i));
      const std::uint64_t id = env_.random().next_u64();
      for (int i = 0; i < 8; ++i) stun[8 + i] = static_cast<std::uint8_t>(id >> (8 * i));
      udp_->send_to(server_, stun);
    } else {
      stream_->send(bytes_of(sip::kCrlfPing));
    }
    pong_deadline_ = now + options_.pong_timeout;
    schedule_ping(now);
  }

  // ---- the one timer -------------------------------------------------------------------

  MonoTime next_deadline() const {
    MonoTime next = std::min(expires_at_, pending_.empty() ? refresh_at_ : std::min(transaction_deadline_, retransmit_at_));
    return std::min({next, ping_at_, pong_deadline_});
  }

  void arm() {
    const MonoTime next = next_deadline();
    if (timer_.active() && timer_at_ == next) return;
    timer_at_ = next;
    if (next == kNever) return timer_.cancel();
    timer_ = env_.start_timer(next - env_.now(), [this] { on_timer(); });
  }

  void on_timer() {
    const MonoTime now = env_.now();
    if (now >= pong_deadline_) return lose({"keep-alive unanswered for " + std::to_string(to_ns(options_.pong_timeout) / 1'000'000'000) + " s"});
    if (now >= expires_at_) return lose({"the registration expired before a refresh was answered"});
    if (!pending_.empty()) {
      if (now >= transaction_deadline_) return lose({"REGISTER unanswered"});
      if (now >= retransmit_at_) {
        rto_ = std::min(rto_ * 2, options_.t2);
        retransmit_at_ = now + rto_;
        transmit();
      }
    } else if (now >= refresh_at_) {
      brief_retries_ = 0;
      refresh_at_ = kNever;
      send_register();
      return;
    }
    if (now >= ping_at_) send_ping(now);
    arm();
  }

  // Last call: the owner may destroy this inside.
  void lose(RegistrationLoss loss) {
    timer_.cancel();
    connecting_.cancel();
    stream_.reset();  // allowed from the stream's own callbacks (env.hpp)
    udp_.reset();
    auto lost = std::move(events_.lost);
    events_ = {};
    lost(loss);
  }

  Env& env_;
  const SipEndpointOptions& options_;
  const EndpointIdentity& who_;
  int flow_;
  Endpoint server_;
  RegistrationEvents events_;
  Endpoint local_;
  std::string call_id_;
  std::string from_tag_;
  wire::SipMessage register_;  // the REGISTER as last sent (set_local makes it)
  std::string via_prefix_;     // its Via up to the CSeq that ends the branch
  std::uint32_t cseq_ = 0;
  std::uint32_t expires_ask_ = 0;
  int brief_retries_ = 0;
  std::string pending_;  // the REGISTER in flight, as sent; empty when none
  MonoTime transaction_deadline_ = kNever;
  MonoTime retransmit_at_ = kNever;
  Duration rto_{};
  MonoTime expires_at_ = kNever;  // of the registration the peer holds
  MonoTime refresh_at_ = kNever;
  MonoTime ping_at_ = kNever;
  MonoTime pong_deadline_ = kNever;
  wire::SipStreamFramer framer_;
  Handle timer_;
  MonoTime timer_at_ = kNever;
  // Declared last, destroyed first: nothing of theirs calls back into the fields above.
  std::unique_ptr<DatagramSocket> udp_;
  std::unique_ptr<Stream> stream_;
  Handle connecting_;
};

}  // namespace

Status check(const SipEndpointOptions& o) {
  if (o.domain.empty()) return make_error("SIP endpoint domain must not be empty");
  if (!(o.refresh_at_min > 0.0 && o.refresh_at_min <= o.refresh_at_max && o.refresh_at_max <= 1.0)) {
    return make_error("SIP endpoint refresh share must satisfy 0 < refresh_at_min <= refresh_at_max <= 1");
  }
  if (o.expires_s == 0) return make_error("SIP endpoint expires_s must not be 0");
  for (Duration d : {o.keepalive_interval, o.pong_timeout, o.t1, o.t2, o.transaction_timeout, o.connect_timeout}) {
    if (d <= Duration::zero()) return make_error("SIP endpoint timers must be positive");
  }
  return {};
}

SipProtocol::SipProtocol(SipEndpointOptions options) : options_(std::move(options)) {
  TANDEM_ASSERT(check(options_).ok());
}

std::unique_ptr<Registration> SipProtocol::start(Env& env, const EndpointIdentity& who, int flow,
                                                 const Endpoint& server, RegistrationEvents events) {
  auto registration = std::make_unique<SipRegistration>(env, options_, who, flow, server, std::move(events));
  registration->open();
  return registration;
}

std::string SipProtocol::srv_prefix() const {
  return options_.transport == SipTransport::Udp ? "_sip._udp" : "_sip._tcp";
}

}  // namespace tandem::sim::endpoints
