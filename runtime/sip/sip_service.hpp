#pragma once
// SIP on UDP and TCP 5060 and TLS 5061 (the guide's Appendix 1), answered by the
// registrar. Written against Env only: the same code serves real endpoints in
// tandemd and simulated ones in the twin.
//
// UDP: one socket; each datagram is one message. Responses go where RFC 3261
// §18.2.2 and RFC 3581 say: the source address, and the source port when the
// top Via asked for rport, else the Via's port (5060 when none). CRLF CRLF and
// STUN Binding requests are keep-alives and get their answers (keepalive.hpp).
//
// TCP and TLS: the same, TLS with the peer's certificate (a client certificate
// is asked for but not required: endpoints seldom have one). Each connection has its
// own framer (64 KiB per message at most), answers go back on it, CRLF CRLF is
// answered with CRLF (RFC 5626 §4.4.1). A connection is closed when its bytes
// cannot be framed, when its unsent answers pile up past the backlog limit (a
// client that does not read), when it sends nothing valid within
// first_message_timeout, or when it is idle for idle_timeout. Connections
// beyond connections_max are closed as they are accepted.
//
// Malformed input is dropped (counted, and logged at most once a minute);
// what parses far enough to be addressed gets the registrar's 400. Expired
// bindings are swept on a timer every sweep_interval.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "runtime/env/env.hpp"
#include "runtime/sip/registrar.hpp"
#include "runtime/wire/sip_message.hpp"

namespace tandem::sip {

inline constexpr std::uint16_t kSipPort = 5060;
inline constexpr std::uint16_t kSipTlsPort = 5061;

struct SipServiceOptions {
  IpAddress address;                                 // the peer's address, bound for both
  std::optional<std::uint16_t> udp_port = kSipPort;  // nullopt: no UDP; 0: any free port
  std::optional<std::uint16_t> tcp_port = kSipPort;  // nullopt: no TCP; 0: any free port
  std::optional<std::uint16_t> tls_port;             // nullopt: no TLS; 0: any free port
  std::shared_ptr<const TlsContext> tls;             // the server side of TLS; needed with tls_port
  RegistrarOptions registrar;
  std::function<bool()> maintenance;  // asked at each request; null: never
  std::size_t connections_max = 1000;
  std::size_t send_backlog_bytes_max = 256 * 1024;
  Duration first_message_timeout = std::chrono::seconds(30);
  // Longer than the outbound refresh maximum: a registered client that keeps
  // its connection but only refreshes is not cut off.
  Duration idle_timeout = std::chrono::seconds(3600 + 300);
  Duration sweep_interval = std::chrono::seconds(1);
};

struct SipServiceStats {
  std::uint64_t datagrams = 0;        // UDP datagrams received
  std::uint64_t stream_messages = 0;  // SIP messages framed from TCP
  std::uint64_t responses = 0;        // SIP responses sent
  std::uint64_t keepalives = 0;       // pings and STUN requests answered
  std::uint64_t malformed = 0;        // datagrams and messages dropped unparsed
  std::uint64_t ignored = 0;          // parsed but not answered (responses, ACK, no Via)
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;         // over connections_max
  std::uint64_t connections_closed_bad = 0;      // framing error
  std::uint64_t connections_closed_idle = 0;     // silent or idle too long
  std::uint64_t connections_closed_backlog = 0;  // not reading its answers
  bool operator==(const SipServiceStats&) const = default;
};

class SipService {
 public:
  // Binds what the options ask for and starts the sweep. Errors: the
  // registrar options fail check(), none of UDP, TCP and TLS asked for, TLS
  // without a context, a port cannot be bound.
  static Result<std::unique_ptr<SipService>> start(Env& env, SipServiceOptions options);
  ~SipService();
  SipService(const SipService&) = delete;
  SipService& operator=(const SipService&) = delete;

  Registrar& registrar() { return registrar_; }
  const Registrar& registrar() const { return registrar_; }
  const SipServiceStats& stats() const { return stats_; }
  std::optional<Endpoint> udp_endpoint() const;
  std::optional<Endpoint> tcp_endpoint() const;
  std::optional<Endpoint> tls_endpoint() const;
  std::size_t connection_count() const { return connections_.size(); }

 private:
  struct Connection {
    std::unique_ptr<Stream> stream;
    wire::SipStreamFramer framer;
    Endpoint remote;
    MonoTime last_active{};
    bool spoke = false;  // has sent one valid message or ping
  };
  enum class Close : std::uint8_t { Bad, Idle, Backlog, Peer };

  SipService(Env& env, SipServiceOptions options);
  Status open();
  void on_datagram(const Endpoint& from, ByteView payload);
  void on_accept(std::unique_ptr<Stream> stream);
  void on_data(std::uint64_t id, ByteView bytes);
  // Answers one framed item; false when the connection was closed.
  bool on_stream_item(std::uint64_t id, Connection& c, wire::SipStreamItem& item);
  void close(std::uint64_t id, Close why);
  std::optional<wire::SipMessage> answer(const wire::SipMessage& request, const RequestContext& context);
  RequestContext context(const Endpoint& source, Transport transport, std::uint64_t connection) const;
  void sweep();
  void drop(std::string_view where, const Endpoint& from, const std::string& why);

  Env& env_;
  SipServiceOptions options_;
  Registrar registrar_;
  std::unique_ptr<DatagramSocket> udp_;
  std::unique_ptr<StreamListener> listener_;
  std::unique_ptr<StreamListener> tls_listener_;
  std::map<std::uint64_t, std::unique_ptr<Connection>> connections_;  // by id: ordered, deterministic
  std::uint64_t next_connection_ = 1;
  Handle sweep_timer_;
  SipServiceStats stats_;
  std::optional<MonoTime> drop_logged_;
  std::uint64_t drops_unlogged_ = 0;
};

}  // namespace tandem::sip
