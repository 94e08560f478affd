#pragma once
// SIP messages (RFC 3261 §7, §20, §25): a pure codec, bytes in and values or
// errors out, no Env and no I/O. Everything it reads is untrusted: every size,
// count and loop is bounded, nothing is read past the input, and a malformed
// message is an Error naming what was wrong, never a crash (fuzzed).
//
// Two levels, so a registrar can answer 400 to what it can still address:
//   parse_sip_message()  the start line, the header lines (compact names
//                        expanded, folded lines unfolded, Content-Length
//                        checked against the body) and the body;
//   parse_core() and the parse_* helpers  the typed fields a registrar needs:
//                        Via, From/To, Call-ID, CSeq, Contact, Expires,
//                        Supported/Require, Max-Forwards.
// make_response() copies a request's Via/From/To/Call-ID/CSeq verbatim, so a
// 400 can go back even when one of those did not parse.
//
// Streams (TCP) are cut into messages by SipStreamFramer: the blank line ends
// the headers, Content-Length ends the body, and RFC 5626's keep-alive ping
// (CRLF CRLF between messages) is reported so the caller can answer CRLF.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/result.hpp"

namespace tandem::wire {

// ---- limits -------------------------------------------------------------------------
// A REGISTER is about 500 bytes and a dozen headers; these leave room for
// real traffic (long Via chains, many Record-Routes) and refuse the rest.
inline constexpr std::size_t kSipMessageBytesMax = 64 * 1024;    // start line, headers and body
inline constexpr std::size_t kSipHeaderLineBytesMax = 8 * 1024;  // one header, unfolded; also the start line
inline constexpr std::size_t kSipHeadersMax = 64;                // header lines in one message
inline constexpr std::size_t kSipViasMax = 16;                   // Via entries (hops) in one message
inline constexpr std::size_t kSipContactsMax = 16;               // Contact entries in one message
inline constexpr std::size_t kSipParamsMax = 32;                 // parameters of one URI or header entry
inline constexpr std::size_t kSipOptionTagsMax = 32;             // entries of one Supported/Require list
inline constexpr std::size_t kSipMethodBytesMax = 32;

// ---- the message --------------------------------------------------------------------

struct SipHeader {
  std::string name;   // the long form for known headers ("v" and "VIA" become "Via")
  std::string value;  // leading and trailing whitespace removed; never holds CR or LF
  bool operator==(const SipHeader&) const = default;
};

struct SipMessage {
  bool request = true;
  std::string method;       // requests: "REGISTER"... (case-sensitive, as RFC 3261 says)
  std::string request_uri;  // requests: as received
  int status = 0;           // responses: 100..699
  std::string reason;       // responses
  // In order. Content-Length is not kept here: it is body.size(), and
  // serialize() writes it last.
  std::vector<SipHeader> headers;
  std::string body;

  // The first header named `name` (any case, long or compact form), or null.
  const std::string* header(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  void add(std::string name, std::string value) { headers.push_back({std::move(name), std::move(value)}); }
  bool operator==(const SipMessage&) const = default;
};

// One whole message (a datagram, or what SipStreamFramer cut from a stream).
// Errors name the first problem: empty input, no blank line after the
// headers, a NUL or bare CR/LF in the head, a bad start line (method, URI,
// version other than SIP/2.0, status code), a header line without a name or
// colon, a line or message too long, too many headers, a Content-Length that
// is not a number, appears twice with different values, or promises more body
// than there is. Extra bytes after Content-Length are dropped (RFC 3261 §18.3).
Result<SipMessage> parse_sip_message(std::string_view bytes);
inline Result<SipMessage> parse_sip_message(std::span<const std::uint8_t> bytes) {
  return parse_sip_message(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The bytes of `message`: start line, headers in order, Content-Length, blank
// line, body. Asserts that no header is Content-Length and that nothing holds
// CR or LF (callers build messages from parsed values, which cannot).
// parse_sip_message(serialize(m)) == m for every m that parse produced.
std::string serialize(const SipMessage& message);

// The long form of a header name: compact forms expanded, known names in their
// usual case ("i" -> "Call-ID", "cseq" -> "CSeq"); unknown names unchanged.
std::string canonical_header_name(std::string_view name);
// The usual reason phrase for a status code ("Interval Too Brief"), or "".
std::string_view reason_phrase(int status);

// ---- typed fields -------------------------------------------------------------------

struct SipParam {
  std::string name;   // lower case
  std::string value;  // as received; a quoted-string keeps its quotes
  bool has_value = false;
  bool operator==(const SipParam&) const = default;
};
const SipParam* find_param(const std::vector<SipParam>& params, std::string_view name);
// A parameter's value without surrounding quotes (escapes undone).
std::string unquoted(std::string_view value);

// sip: and sips: URIs (RFC 3261 §19.1).
struct SipUri {
  std::string scheme;  // "sip" or "sips"
  std::string user;    // as received, escapes kept; may be empty
  std::optional<std::string> password;
  std::string host;  // lower case; IPv6 references keep their brackets
  std::optional<std::uint16_t> port;
  std::vector<SipParam> params;
  std::string headers;  // after '?', as received; empty when none
  bool operator==(const SipUri&) const = default;
};
// Errors: not sip/sips, an empty or invalid host, a bad port, whitespace or
// control characters, too many parameters.
Result<SipUri> parse_sip_uri(std::string_view text);
std::string to_string(const SipUri& uri);
// URI equivalence of RFC 3261 §19.1.4: scheme, user (escapes undone),
// password, host and port must match; transport, user, ttl, method and maddr
// must match when either has them; other parameters only when both have them.
bool equivalent(const SipUri& a, const SipUri& b);
// The address-of-record of a To URI in canonical form (RFC 3261 §10.3 step
// 5): scheme, user (unreserved escapes undone, others upper case) and host,
// port when given; parameters and headers dropped. "sip:alice@example.com".
std::string address_of_record(const SipUri& uri);

// From, To and Contact entries: [display-name] <URI> *(;param), or a bare URI
// whose ;parameters then belong to the header (RFC 3261 §20.10).
struct SipNameAddr {
  std::string display_name;  // as received, quotes kept; empty when none
  SipUri uri;
  std::vector<SipParam> params;
  std::string_view tag() const;  // the tag parameter's value, or ""
  bool operator==(const SipNameAddr&) const = default;
};
Result<SipNameAddr> parse_name_addr(std::string_view text);
// Always <URI>; without the parameter named `omit_param` when one is given
// (a registrar lists a contact without the expires= it was registered with).
std::string to_string(const SipNameAddr& address, std::string_view omit_param = {});

struct SipVia {
  std::string transport;  // upper case: UDP, TCP, TLS, SCTP, WS, WSS...
  std::string host;       // sent-by host, lower case
  std::optional<std::uint16_t> port;
  std::vector<SipParam> params;  // branch, received, rport, maddr, ...
  std::string_view branch() const;
  bool operator==(const SipVia&) const = default;
};
Result<SipVia> parse_via(std::string_view text);  // one via-parm
std::string to_string(const SipVia& via);

struct SipCSeq {
  std::uint32_t number = 0;
  std::string method;
  bool operator==(const SipCSeq&) const = default;
};

// What every request and response carries (RFC 3261 §8.1.1), parsed.
struct SipCore {
  std::vector<SipVia> vias;  // every Via entry of every Via header, top first
  SipNameAddr from;
  SipNameAddr to;
  std::string call_id;
  SipCSeq cseq;
  std::optional<std::uint32_t> max_forwards;
};
// Errors name the header: missing or repeated From/To/Call-ID/CSeq, no Via,
// too many Vias, a Via/From/To that does not parse, a Call-ID with whitespace, a CSeq that is not "number method" or
// whose method differs from the request's, a Max-Forwards that is not 0..255.
Result<SipCore> parse_core(const SipMessage& message);

struct SipContact {
  SipNameAddr address;  // URI and the header params (expires, q, +sip.instance, reg-id, ...)
  std::optional<std::uint32_t> expires_s;
  std::optional<std::uint16_t> q_milli;  // q=0.5 is 500; 0..1000
  std::optional<std::string> instance;   // +sip.instance, unquoted: "<urn:uuid:...>"
  std::optional<std::uint32_t> reg_id;   // 1..2^31-1
};
struct SipContactList {
  bool wildcard = false;  // "Contact: *"
  std::vector<SipContact> contacts;
};
// Every Contact entry of every Contact header. Errors: "*" with any other
// entry, more than kSipContactsMax entries, an entry that does not parse, an
// expires/q/reg-id that is not a valid number. No Contact: an empty list.
Result<SipContactList> parse_contacts(const SipMessage& message);

// Expires (delta-seconds; larger than 2^32-1 counts as 2^32-1). nullopt when
// absent; an error when repeated or not a number.
Result<std::optional<std::uint32_t>> parse_expires(const SipMessage& message);
// The option tags of every `header` line (Supported, Require, Proxy-Require...).
Result<std::vector<std::string>> parse_option_tags(const SipMessage& message, std::string_view header);

// Splits a header value at commas that are outside quotes and <...>, trimming
// each part; at most `max_parts` (an error beyond that).
Result<std::vector<std::string_view>> split_list(std::string_view value, std::size_t max_parts);

// ---- responses ----------------------------------------------------------------------

// A response to `request`: the status line, then the request's Via headers
// (all, in order), From, To, Call-ID and CSeq copied verbatim; ";tag=to_tag"
// is added to To when it has no tag and status > 100 (RFC 3261 §8.2.6.2).
// Headers the request lacks are left out.
SipMessage make_response(const SipMessage& request, int status, std::string_view reason, std::string_view to_tag);
// The same for a request whose core parsed (`core` is parse_core(request)):
// To's tag is read from it rather than parsed again.
SipMessage make_response(const SipMessage& request, const SipCore& core, int status, std::string_view reason,
                         std::string_view to_tag);
// RFC 3261 §18.2.1 and RFC 3581 on the response's top Via: received=<source
// ip> when it differs from sent-by or rport was asked, and rport=<source port>
// when asked. Nothing changes when the top Via does not parse.
void stamp_received(SipMessage& response, const Endpoint& source);
// The same with the request's parsed core, whose first Via is the one to stamp.
void stamp_received(SipMessage& response, const SipCore& core, const Endpoint& source);
// Any text made safe for a reason phrase: printable ASCII, at most 120 bytes.
std::string safe_reason(std::string_view text);

// ---- streams ------------------------------------------------------------------------

struct SipStreamItem {
  enum class Kind : std::uint8_t { Message, Ping };
  Kind kind = Kind::Message;
  SipMessage message;     // parsed as parse_sip_message() would; empty for Ping
  std::size_t bytes = 0;  // on the stream, CRLF padding before it included
};

// Cuts a byte stream into SIP messages and RFC 5626 keep-alive pings. A lone
// CRLF between messages (a pong, or the padding RFC 3261 §7.5 allows) is
// skipped. The head has to be parsed to find Content-Length, so messages come
// out parsed. After an error the stream is unusable (drop the connection):
// nothing after a bad frame can be trusted.
class SipStreamFramer {
 public:
  explicit SipStreamFramer(std::size_t message_bytes_max = kSipMessageBytesMax)
      : message_bytes_max_(message_bytes_max) {}

  void feed(std::string_view bytes);
  void feed(std::span<const std::uint8_t> bytes) {
    feed(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  // The next message or ping, nothing when more bytes are needed, or an error:
  // no blank line within the size limit, a head parse_sip_message() refuses,
  // Content-Length missing (it is mandatory on streams, RFC 3261 §18.3) or
  // making the message too large, or more than 4 messages' worth buffered.
  Result<std::optional<SipStreamItem>> next();
  std::size_t buffered_bytes() const { return buffer_.size() - read_; }

 private:
  // A message whose head is parsed and whose body is still coming.
  struct Pending {
    SipMessage message;
    std::size_t body_at = 0;  // from read_, CRLF padding included
    std::size_t bytes = 0;    // the whole message, from read_
  };
  Status take_head(std::string_view all);

  std::string buffer_;
  std::size_t read_ = 0;
  std::size_t scanned_ = 0;  // bytes after read_ already searched for the blank line
  std::size_t message_bytes_max_;
  std::optional<Pending> pending_;
  std::optional<Error> failed_;
};

}  // namespace tandem::wire
