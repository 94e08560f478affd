#pragma once
// DNS messages (RFC 1035, SRV from RFC 2782) as a pure codec: a query for one
// name and type goes out as bytes; the bytes that come back become a DnsAnswer
// or an Error. No sockets here: AsioEnv's resolver sends and times out, this
// file only reads and writes messages, and reads them as untrusted input (every
// read bounds-checked, compression pointers followed a bounded number of times).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "runtime/core/result.hpp"
#include "runtime/env/env.hpp"

namespace tandem::dns {

constexpr std::size_t kNameBytesMax = 255;  // wire form, length octets included
constexpr std::size_t kLabelBytesMax = 63;
constexpr std::size_t kHeaderBytes = 12;
// Plain DNS over UDP (no EDNS): a server truncates anything longer and sets TC.
constexpr std::size_t kUdpMessageBytesMax = 512;

struct Question {
  std::uint16_t id = 0;
  std::string name;  // "peer1.example.com", a trailing dot allowed
  DnsType type = DnsType::A;
};

// A standard query with recursion desired. Error when the name is empty, has
// an empty label, a label over 63 bytes, or is over 255 bytes on the wire.
Result<Bytes> encode_query(const Question& question);

// The id of a message, or nothing when it is too short to have a header; lets
// a client drop stray replies before decoding them.
std::optional<std::uint16_t> message_id(ByteView message);

// The response code of a message (0 ok, 3 NXDOMAIN...), or nothing when it is
// too short to have a header; a client stops asking once a server says NXDOMAIN.
constexpr std::uint8_t kRcodeNameError = 3;
std::optional<std::uint8_t> message_rcode(ByteView message);

// Decodes the reply to `question`: the A, AAAA or SRV records for its name
// (following CNAMEs inside the message), ttl_s the smallest of their TTLs.
// An existing name without records of the type gives an empty answer.
// Errors: not a reply, a different id or question, truncated (TC), an rcode
// (NXDOMAIN is "no such name <name>"), or malformed bytes, each named.
Result<DnsAnswer> decode_response(ByteView message, const Question& question);

std::string_view to_string(DnsType type);

}  // namespace tandem::dns
