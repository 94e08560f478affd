#pragma once
// H.225.0 RAS (registration, admission and status) messages: the subset a
// gatekeeper and a registering endpoint need, as values, with a codec in ASN.1
// PER ALIGNED (per.hpp) following the RasMessage type of ITU-T H.225.0
// (H323-MESSAGES, version 7 of the module; messages say protocol version 4).
// Pure: no Env, no I/O. Checked against Wireshark's H.225 dissector by
// tests/integration/test_h323_ras_tshark.py.
//
// Messages: GRQ/GCF/GRJ, RRQ/RCF/RRJ (full and lightweight keep-alive RRQ),
// URQ/UCF/URJ. The variant's order is RasMessage's choice order, so its
// index is the choice index.
//
// Fields after the "..." of a type are extension additions: each travels as
// an open type (a length and its own complete encoding) behind a bitmap. The
// ones modelled here are timeToLive, keepAlive, endpointIdentifier,
// supportsAltGK (RRQ), alternateGatekeeper and timeToLive (RCF, GCF),
// altGKInfo (RRJ, GRJ), gatekeeperIdentifier and reason (URQ). The encoder
// also writes the mandatory BOOLEAN additions that precede the last one it
// sends (RRQ keepAlive, willSupplyUUIEs, maintainConnection; RCF
// willRespondToIRR, maintainConnection), all FALSE except keepAlive.
//
// Decoding takes untrusted bytes. Root fields not modelled (nonStandardData,
// callServices, an endpoint type's vendor, gateway, MCU parts...) are parsed
// and dropped; extension additions and extension alternatives not modelled
// are skipped by their length, as X.691 lets a decoder of an earlier version.
// Refused, with an error naming the field: truncation, a value outside its
// constraint, a transport address that is not IPv4 or IPv6 (IPX, NetBIOS,
// NSAP, source routes, non-standard), a list longer than the limits below, a
// message of another kind (ARQ, LRQ, IRQ...), more than kRasBytesMax bytes.
// Aliases of kinds not modelled (transportID, partyNumber, mobileUIM,
// isupNumber) are left out of the decoded lists.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/result.hpp"

namespace tandem::h323 {

inline constexpr std::uint16_t kRasPort = 1719;
inline constexpr std::size_t kRasBytesMax = 4096;  // larger datagrams are refused unread
inline constexpr std::size_t kAliasesMax = 32;
inline constexpr std::size_t kAddressesMax = 8;
inline constexpr std::size_t kAlternatesMax = 16;
inline constexpr std::size_t kIdentifierCharsMax = 128;  // GatekeeperIdentifier, EndpointIdentifier

enum class AliasKind : std::uint8_t { DialledDigits, H323Id, UrlId, EmailId };
std::string_view to_string(AliasKind kind);

// Text in UTF-8; an H323-ID holds Basic Multilingual Plane characters only.
struct Alias {
  AliasKind kind = AliasKind::H323Id;
  std::string value;
  auto operator<=>(const Alias&) const = default;
};

// The parts of EndpointType a gatekeeper looks at: what kind of node it is.
enum class EndpointKind : std::uint8_t { Terminal, Gateway, Mcu, Gatekeeper, Undefined };
std::string_view to_string(EndpointKind kind);

struct VendorId {
  std::uint8_t t35_country = 0;
  std::uint8_t t35_extension = 0;
  std::uint16_t manufacturer = 0;
  std::string product;  // productId, empty when absent (1..256 octets)
  std::string version;  // versionId, likewise
  bool operator==(const VendorId&) const = default;
};

struct AlternateGatekeeper {
  Endpoint ras_address;
  std::string gatekeeper_id;  // empty: absent
  bool need_to_register = true;
  std::uint8_t priority = 0;  // 0..127
  bool operator==(const AlternateGatekeeper&) const = default;
};

struct GatekeeperRequest {  // GRQ
  std::uint16_t seq = 1;
  Endpoint ras_address;
  EndpointKind endpoint_type = EndpointKind::Terminal;
  std::string gatekeeper_id;  // empty: any gatekeeper
  std::vector<Alias> aliases;
  bool supports_alt_gk = false;
  bool operator==(const GatekeeperRequest&) const = default;
};

struct GatekeeperConfirm {  // GCF
  std::uint16_t seq = 1;
  std::string gatekeeper_id;
  Endpoint ras_address;
  std::vector<AlternateGatekeeper> alternates;
  bool operator==(const GatekeeperConfirm&) const = default;
};

// Reasons past the root are extension alternatives; Other stands for any
// reason this codec does not model (it decodes, but cannot be sent).
enum class GatekeeperRejectReason : std::uint8_t {
  ResourceUnavailable, TerminalExcluded, InvalidRevision, UndefinedReason, SecurityDenial, Other
};

struct GatekeeperReject {  // GRJ
  std::uint16_t seq = 1;
  std::string gatekeeper_id;
  GatekeeperRejectReason reason = GatekeeperRejectReason::UndefinedReason;
  std::vector<AlternateGatekeeper> alternates;  // altGKInfo, absent when empty
  bool alternates_permanent = false;
  bool operator==(const GatekeeperReject&) const = default;
};

struct RegistrationRequest {  // RRQ
  std::uint16_t seq = 1;
  bool discovery_complete = false;
  std::vector<Endpoint> call_signal_addresses;
  std::vector<Endpoint> ras_addresses;
  EndpointKind terminal_type = EndpointKind::Terminal;
  std::vector<Alias> aliases;
  std::string gatekeeper_id;
  VendorId vendor;
  std::optional<std::uint32_t> time_to_live_s;  // 1..4294967295
  bool keep_alive = false;
  std::string endpoint_id;  // empty: absent
  bool supports_alt_gk = false;
  bool operator==(const RegistrationRequest&) const = default;
};

struct RegistrationConfirm {  // RCF
  std::uint16_t seq = 1;
  std::vector<Endpoint> call_signal_addresses;
  std::vector<Alias> aliases;
  std::string gatekeeper_id;
  std::string endpoint_id;  // required (1..128 characters)
  std::vector<AlternateGatekeeper> alternates;
  std::optional<std::uint32_t> time_to_live_s;
  bool operator==(const RegistrationConfirm&) const = default;
};

enum class RegistrationRejectReason : std::uint8_t {
  DiscoveryRequired, InvalidRevision, InvalidCallSignalAddress, InvalidRasAddress, DuplicateAlias,
  InvalidTerminalType, UndefinedReason, TransportNotSupported,
  // extension alternatives
  TransportQosNotSupported, ResourceUnavailable, InvalidAlias, SecurityDenial, FullRegistrationRequired,
  AdditiveRegistrationNotSupported, Other
};
std::string_view to_string(RegistrationRejectReason reason);

struct RegistrationReject {  // RRJ
  std::uint16_t seq = 1;
  RegistrationRejectReason reason = RegistrationRejectReason::UndefinedReason;
  std::vector<Alias> duplicate_aliases;  // with DuplicateAlias
  std::string gatekeeper_id;
  std::vector<AlternateGatekeeper> alternates;  // altGKInfo, absent when empty
  bool alternates_permanent = false;
  bool operator==(const RegistrationReject&) const = default;
};

enum class UnregRequestReason : std::uint8_t {
  ReregistrationRequired, TtlExpired, SecurityDenial, UndefinedReason, Maintenance, Other
};

struct UnregistrationRequest {  // URQ
  std::uint16_t seq = 1;
  std::vector<Endpoint> call_signal_addresses;
  std::vector<Alias> aliases;
  std::string endpoint_id;
  std::string gatekeeper_id;
  std::optional<UnregRequestReason> reason;
  bool operator==(const UnregistrationRequest&) const = default;
};

struct UnregistrationConfirm {  // UCF
  std::uint16_t seq = 1;
  bool operator==(const UnregistrationConfirm&) const = default;
};

enum class UnregRejectReason : std::uint8_t {
  NotCurrentlyRegistered, CallInProgress, UndefinedReason, PermissionDenied, SecurityDenial, Other
};

struct UnregistrationReject {  // URJ
  std::uint16_t seq = 1;
  UnregRejectReason reason = UnregRejectReason::NotCurrentlyRegistered;
  bool operator==(const UnregistrationReject&) const = default;
};

using RasMessage = std::variant<GatekeeperRequest, GatekeeperConfirm, GatekeeperReject, RegistrationRequest,
                                RegistrationConfirm, RegistrationReject, UnregistrationRequest,
                                UnregistrationConfirm, UnregistrationReject>;

// "GRQ", "RCF", ...
std::string_view message_name(const RasMessage& message);
std::uint16_t request_seq_num(const RasMessage& message);

// The PER encoding, or an error naming the field that does not fit its
// constraint (a sequence number of 0, an empty or over-long identifier or
// alias, a dialled digit outside 0-9 # * ,, a list over its limit, a reason
// of Other, invalid UTF-8 or a character outside the BMP, more than
// kRasBytesMax bytes in all).
Result<std::vector<std::uint8_t>> encode(const RasMessage& message);

// Untrusted bytes to a message, or an error naming what was wrong ("RAS RRQ
// terminalAlias: ..."). Reads nothing past `bytes`.
Result<RasMessage> decode_ras(std::span<const std::uint8_t> bytes);

}  // namespace tandem::h323
