#pragma once
// RFC 5626 §4.4 keep-alives, which tell a client its flow to this peer is
// alive: on streams a CRLF CRLF ping answered by a CRLF pong (the framer in
// wire/sip_message.hpp finds them); on UDP a STUN Binding request (RFC 5389)
// answered with the address it came from. Some clients also send CRLF CRLF
// over UDP; it gets a CRLF too. Pure: bytes in, bytes out.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "runtime/core/address.hpp"

namespace tandem::sip {

inline constexpr std::string_view kCrlfPing = "\r\n\r\n";
inline constexpr std::string_view kCrlfPong = "\r\n";

// A datagram of CRLF pairs only, at least two (a ping).
bool is_crlf_ping(std::span<const std::uint8_t> datagram);

// True when `datagram` has a STUN header (zero top bits, the magic cookie,
// a length that matches): it is not SIP, whatever else it is.
bool is_stun(std::span<const std::uint8_t> datagram);

// The Binding success response to a STUN Binding request, carrying
// XOR-MAPPED-ADDRESS = `source`; nothing for any other datagram (other STUN
// methods, responses, malformed attributes are not answered).
std::optional<std::vector<std::uint8_t>> stun_binding_response(std::span<const std::uint8_t> datagram,
                                                               const Endpoint& source);

}  // namespace tandem::sip
