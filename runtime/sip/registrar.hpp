#pragma once
// The SIP registrar core: REGISTER as RFC 3261 §10.3 says a registrar
// handles it, with RFC 5626 outbound flows, and the VCS's refresh bounds and
// maintenance mode. Pure: requests and a timestamp in, responses out; no Env,
// no I/O, no clock of its own. SipService feeds it from UDP and TCP and calls
// expire() on an Env timer.
//
// A binding ties an address-of-record (the To URI in canonical form) to a
// contact until its expiry. A REGISTER is checked whole before anything
// changes: one refused contact refuses the request and leaves every binding
// as it was. What it checks and answers:
//   400  a missing or malformed Via/From/To/Call-ID/CSeq/Contact/Expires,
//        "Contact: *" without "Expires: 0" or with other contacts, two
//        outbound contacts in one request, over-long Call-ID/contact/instance;
//   404  the AOR's domain is not one of the configured SIP domains;
//   416  a Request-URI that is not sip: or sips:;
//   420  Require names an extension other than outbound (with Unsupported);
//   423  an expiry below the minimum refresh interval (with Min-Expires);
//   439  an outbound registration that came through a proxy (more than one Via);
//   403  more than bindings_per_aor_max contacts for one AOR;
//   500  a CSeq not above the binding's for the same Call-ID (out of order);
//   503  maintenance mode, for new registrations and refreshes (with
//        Retry-After; removals still work, and what exists drains by expiry),
//        or the registrar holds aors_max AORs already.
// The 200 lists every current contact of the AOR with its remaining expiry,
// and says Require: outbound when it applied outbound processing.
//
// Matching a contact to a binding: by (+sip.instance, reg-id) for outbound
// (the client said Supported: outbound and gave both), by +sip.instance when
// there is one without reg-id, else by URI equivalence (RFC 3261 §19.1.4).
// A repeated request (same Call-ID, same CSeq: a UDP retransmission whose 200
// was lost) changes nothing and gets the current bindings again.
//
// Expiry: contact expires= first, then the Expires header, then the maximum
// of the bounds; shortened to the maximum. Standard and outbound
// registrations have their own bounds, as the VCS's xConfiguration SIP
// Registration Standard/Outbound Refresh Minimum/Maximum.
//
// Memory (x86-64, GCC 12, libstdc++): sizeof(Binding) is 192 bytes (a
// 208-byte heap chunk in its AOR's vector), an AOR's map node 88 bytes plus
// its key when longer than 15 bytes, a binding's expiry-index node 56. With a
// sipp user's strings (contact ~45 bytes, Call-ID ~20) that is about 500 bytes
// a registration; tandem-registrar's RSS grew 502 bytes per registration over
// 81 000 sipp users. A softphone's longer contact (+sip.instance, reg-id) and
// User-Agent add ~150. Under the 1 KiB target; bench/ should track it, tests
// do not assert it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"
#include "runtime/wire/sip_message.hpp"

namespace tandem::sip {

enum class Transport : std::uint8_t { Udp, Tcp, Tls };
std::string_view to_string(Transport transport);

// Stored strings are bounded so a hostile client cannot make one binding large.
inline constexpr std::size_t kAorBytesMax = 256;
inline constexpr std::size_t kCallIdBytesMax = 256;
inline constexpr std::size_t kContactBytesMax = 512;
inline constexpr std::size_t kInstanceBytesMax = 128;
inline constexpr std::size_t kUserAgentBytesMax = 96;  // longer ones are cut, not refused
inline constexpr std::size_t kExpireBatchMax = 4096;   // bindings removed by one expire() call
inline constexpr std::size_t kDeviceRowsMax = 1000;    // rows of one devices() page

struct RefreshBounds {
  std::uint32_t min_s = 45;
  std::uint32_t max_s = 60;
};

struct RegistrarOptions {
  RefreshBounds standard{45, 60};     // SIP Registration Standard Refresh Minimum/Maximum
  RefreshBounds outbound{600, 3600};  // SIP Registration Outbound Refresh Minimum/Maximum
  std::size_t bindings_per_aor_max = 10;
  std::size_t aors_max = 100000;
  std::vector<std::string> domains;  // the SIP domains registered for; empty: any
  std::uint32_t retry_after_s = 60;  // in 503s
  std::string server = "Tandem";     // the Server header
  std::uint64_t tag_seed = 0;        // salts the To tags of responses
};
// Errors: a minimum of 0 or above its maximum, a zero size limit, more than
// 200 domains (the VCS's SIP Domains [1..200]).
Status check(const RegistrarOptions& options);

// Where and when a request came from.
struct RequestContext {
  Endpoint source;
  Transport transport = Transport::Udp;
  std::uint64_t connection = 0;  // the stream it came on; 0 for datagrams
  MonoTime now{};
  bool maintenance = false;
};

// One binding as the status views show it.
struct BindingStatus {
  std::string aor;
  std::string contact;       // as registered, without expires
  std::string instance;      // +sip.instance, or ""
  std::uint32_t reg_id = 0;  // 0: none
  bool outbound = false;     // registered with RFC 5626 outbound
  Transport transport = Transport::Udp;
  Endpoint source;  // the flow: where its REGISTERs came from
  std::uint64_t connection = 0;
  std::uint32_t expires_in_s = 0;
  std::string user_agent;
  bool operator==(const BindingStatus&) const = default;
};

struct RegistrarCounts {
  std::size_t aors = 0;
  std::size_t bindings = 0;
  std::size_t outbound_bindings = 0;
  // Since start.
  std::uint64_t registered = 0;  // new bindings
  std::uint64_t refreshed = 0;
  std::uint64_t unregistered = 0;  // removed by the client (expires 0 or *)
  std::uint64_t expired = 0;
  std::uint64_t removed_by_command = 0;   // unregister()
  std::uint64_t refused_maintenance = 0;  // 503s in maintenance mode
  std::uint64_t refused = 0;              // every other non-2xx answer
  bool operator==(const RegistrarCounts&) const = default;
};

class Registrar {
 public:
  explicit Registrar(RegistrarOptions options);  // asserts check(options)
  // Its index points into its own table: a copy would point into the original;
  // a move takes the nodes of both along, so the index stays right.
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;
  Registrar(Registrar&&) = default;
  Registrar& operator=(Registrar&&) = default;

  // Any request: REGISTER as handle_register(); OPTIONS 200; ACK nothing;
  // other methods 405 with Allow. Nothing for responses and for requests
  // without a Via (a response could not be addressed).
  std::optional<wire::SipMessage> handle(const wire::SipMessage& request, const RequestContext& context);
  // A REGISTER; always a response (see the list at the top).
  wire::SipMessage handle_register(const wire::SipMessage& request, const RequestContext& context);

  // Removes bindings whose expiry is at or before `now`, at most `max`; how
  // many it removed. next_expiry() says when to call it again.
  std::size_t expire(MonoTime now, std::size_t max = kExpireBatchMax);
  std::optional<MonoTime> next_expiry() const;

  // The operator's Unregister: removes every binding of `aor` (any spelling
  // of the URI; canonicalised as the registrar does); how many.
  std::size_t unregister(std::string_view aor);

  // One AOR's current bindings; none when it has none.
  std::vector<BindingStatus> bindings(std::string_view aor, MonoTime now) const;
  // Every current binding, by AOR then registration order, starting after
  // AOR `after` ("" for the first page); at most min(limit, kDeviceRowsMax).
  std::vector<BindingStatus> devices(MonoTime now, std::string_view after, std::size_t limit) const;
  RegistrarCounts counts() const;
  const RegistrarOptions& options() const { return options_; }

 private:
  struct Binding {
    std::uint64_t id = 0;
    std::string contact;  // name-addr as listed in 200s, without expires
    std::string instance;
    std::string call_id;
    std::string user_agent;
    MonoTime expires_at{};
    Endpoint source;
    std::uint64_t connection = 0;
    std::uint32_t cseq = 0;
    std::uint32_t reg_id = 0;
    Transport transport = Transport::Udp;
    bool outbound = false;
  };
  struct Aor {
    std::vector<Binding> bindings;  // registration order; at most bindings_per_aor_max
  };
  using AorMap = std::map<std::string, Aor, std::less<>>;
  struct ExpiryKey {
    std::int64_t at_ns = 0;
    std::uint64_t id = 0;
    auto operator<=>(const ExpiryKey&) const = default;
  };
  struct Refusal;
  struct Checked;
  struct Plan;

  std::optional<Refusal> check_register(const wire::SipMessage& request, const wire::SipCore& core, Checked& out) const;
  // A REGISTER finds its AOR once (`aor`, end() when it has none); the steps
  // below keep that iterator right as they add or remove the entry.
  void take_bindings(const Checked& request, AorMap::iterator aor, Plan& plan);
  std::optional<Refusal> plan(const Checked& request, const wire::SipCore& core, const RequestContext& context,
                              Plan& plan) const;
  std::optional<Refusal> plan_contact(const Checked& request, std::size_t index, const wire::SipCore& core,
                                      const RequestContext& context, Plan& plan) const;
  std::optional<Refusal> plan_wildcard(const wire::SipCore& core, Plan& plan) const;
  std::optional<Refusal> commit(const std::string& aor, AorMap::iterator& it, Plan& plan);
  void purge_expired(AorMap::iterator& it, MonoTime now);
  void forget(const Binding& binding);
  void remove_aor(AorMap::iterator it);
  wire::SipMessage ok(const wire::SipMessage& request, const wire::SipCore& core, AorMap::const_iterator aor,
                      const Checked& checked, const RequestContext& context) const;
  // `core`: the request's, or null when it did not parse.
  wire::SipMessage refuse(const wire::SipMessage& request, const Refusal& refusal, const RequestContext& context,
                          const wire::SipCore* core);
  wire::SipMessage answer(const wire::SipMessage& request, int status, const RequestContext& context,
                          const wire::SipCore* core) const;
  std::string to_tag(const wire::SipMessage& request) const;
  BindingStatus status_of(const std::string& aor, const Binding& b, MonoTime now) const;

  RegistrarOptions options_;
  AorMap::iterator find_aor(std::string_view aor);
  AorMap::const_iterator find_aor(std::string_view aor) const;
  void erase_aor(AorMap::iterator it);

  AorMap aors_;
  // Each AOR's entry by hash as well: a REGISTER finds its own without a walk
  // down thousands of string keys. The views are aors_'s keys, which a
  // std::map keeps in place; find_aor and erase_aor keep the two together.
  std::unordered_map<std::string_view, AorMap::iterator> by_name_;
  std::map<ExpiryKey, const std::string*> expiry_;  // -> the AOR (a key of aors_, stable)
  std::uint64_t next_id_ = 1;
  std::size_t bindings_ = 0;
  std::size_t outbound_bindings_ = 0;
  RegistrarCounts counters_;
};

}  // namespace tandem::sip
