#include "runtime/h323/ras_message.hpp"

#include <algorithm>
#include <array>

#include "runtime/h323/per.hpp"

namespace tandem::h323 {
namespace {

using per::Bytes;

// ProtocolIdentifier {itu-t(0) recommendation(0) h(8) 2250 version(0) 4}, BER contents octets.
constexpr std::array<std::uint8_t, 6> kProtocolOid = {0x00, 0x08, 0x91, 0x4A, 0x00, 0x04};
constexpr std::uint32_t kTtlMax = 4294967295u;
constexpr std::size_t kSkippedListMax = 256;   // lists parsed only to be skipped
constexpr std::size_t kExtensionsMax = 64;     // additions one SEQUENCE may announce
constexpr std::string_view kDigits = "#*,0123456789";  // dialledDigits' alphabet, in PER's (sorted) order

// RasMessage's root alternatives, in order; the first nine are modelled.
constexpr std::array<std::string_view, 25> kRootNames = {
    "GRQ", "GCF", "GRJ", "RRQ", "RCF", "RRJ", "URQ", "UCF", "URJ", "ARQ", "ACF", "ARJ", "BRQ",
    "BCF", "BRJ", "DRQ", "DCF", "DRJ", "LRQ", "LCF", "LRJ", "IRQ", "IRR", "NonStandardMessage",
    "UnknownMessageResponse"};
constexpr std::array<std::string_view, 8> kExtensionNames = {
    "RequestInProgress", "ResourcesAvailableIndicate", "ResourcesAvailableConfirm", "InfoRequestAck",
    "InfoRequestNak", "ServiceControlIndication", "ServiceControlResponse", "AdmissionConfirmSequence"};

// ---- text ------------------------------------------------------------------------

// Strict UTF-8 to UCS-2: BMP characters only, no surrogates, no overlong forms.
bool utf8_to_bmp(std::string_view s, std::vector<std::uint16_t>& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (c < 0x80) {
      cp = c, n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1Fu, n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0Fu, n = 3;
    } else {
      return false;  // 4-byte forms are outside the BMP
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<std::uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(static_cast<std::uint16_t>(cp));
    i += n;
  }
  return true;
}

void append_utf8(std::uint16_t u, std::string& out) {
  if (u < 0x80) {
    out += static_cast<char>(u);
  } else if (u < 0x800) {
    out += static_cast<char>(0xC0 | (u >> 6));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (u >> 12));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  }
}

// ---- encoding ----------------------------------------------------------------------

// Collects the first constraint a value breaks; the encoding is discarded then.
struct Check {
  std::optional<Error> error;
  void fail(std::string_view field, const std::string& why) {
    if (!error) error = make_error(std::string(field) + ": " + why);
  }
};

// Extension additions by index; a gap is an absent addition.
class Additions {
 public:
  per::Writer& at(std::size_t index) {
    if (items_.size() <= index) items_.resize(index + 1);
    items_[index].emplace();
    return *items_[index];
  }
  bool empty() const { return items_.empty(); }
  void write(per::Writer& w) const {
    if (items_.empty()) return;
    w.small_length(items_.size());
    for (const auto& item : items_) w.bit(item.has_value());
    for (const auto& item : items_) {
      if (item) w.open_type(*item);
    }
  }

 private:
  std::vector<std::optional<per::Writer>> items_;
};

void put_seq(per::Writer& w, Check& c, std::uint16_t seq) {
  if (seq == 0) c.fail("requestSeqNum", "0 is outside 1..65535");
  w.constrained(seq == 0 ? 1 : seq, 1, 65535);
}

void put_protocol(per::Writer& w) { w.length(kProtocolOid.size()).octets(kProtocolOid); }

void put_bmp(per::Writer& w, Check& c, std::string_view text, std::size_t ub, std::string_view field) {
  std::vector<std::uint16_t> units;
  if (!utf8_to_bmp(text, units)) return c.fail(field, "not UTF-8 of Basic Multilingual Plane characters");
  if (units.empty() || units.size() > ub) {
    return c.fail(field, std::to_string(units.size()) + " characters; 1.." + std::to_string(ub) + " allowed");
  }
  w.constrained(units.size(), 1, ub).align();
  for (std::uint16_t u : units) w.bits(u, 16);
}

void put_ia5(per::Writer& w, Check& c, std::string_view text, std::size_t ub, std::string_view field) {
  if (text.empty() || text.size() > ub) {
    return c.fail(field, std::to_string(text.size()) + " characters; 1.." + std::to_string(ub) + " allowed");
  }
  for (char ch : text) {
    if (static_cast<std::uint8_t>(ch) >= 0x80) return c.fail(field, "a character outside IA5 (ASCII)");
  }
  w.constrained(text.size(), 1, ub).align();
  for (char ch : text) w.bits(static_cast<std::uint8_t>(ch), 8);  // 7-bit IA5 takes 8 bits when ALIGNED
}

void put_digits(per::Writer& w, Check& c, std::string_view text) {
  if (text.empty() || text.size() > 128) return c.fail("dialledDigits", std::to_string(text.size()) + " digits; 1..128 allowed");
  w.constrained(text.size(), 1, 128).align();
  for (char ch : text) {
    const auto index = kDigits.find(ch);
    if (index == std::string_view::npos) return c.fail("dialledDigits", std::string("'") + ch + "' is not one of 0-9 # * ,");
    w.bits(index, 4);
  }
}

// Extension alternative `index` of a CHOICE whose alternatives are NULL.
void put_null_extension(per::Writer& w, std::uint64_t index) { w.bit(true).small_number(index).open_type(per::Writer{}); }

void put_alias(per::Writer& w, Check& c, const Alias& a) {
  switch (a.kind) {
    case AliasKind::DialledDigits: w.bit(false).constrained(0, 0, 1); return put_digits(w, c, a.value);
    case AliasKind::H323Id: w.bit(false).constrained(1, 0, 1); return put_bmp(w, c, a.value, 256, "h323-ID");
    case AliasKind::UrlId:
    case AliasKind::EmailId: {
      per::Writer inner;
      const bool url = a.kind == AliasKind::UrlId;
      put_ia5(inner, c, a.value, 512, url ? "url-ID" : "email-ID");
      w.bit(true).small_number(url ? 0 : 2).open_type(inner);
      return;
    }
  }
}

void put_aliases(per::Writer& w, Check& c, const std::vector<Alias>& aliases, std::string_view field) {
  if (aliases.size() > kAliasesMax) return c.fail(field, std::to_string(aliases.size()) + " aliases; at most " + std::to_string(kAliasesMax));
  w.length(aliases.size());
  for (const Alias& a : aliases) put_alias(w, c, a);
}

void put_transport(per::Writer& w, const Endpoint& e) {
  w.bit(false);
  if (e.ip.is_v4()) {
    w.constrained(0, 0, 6).octets(std::span(e.ip.bytes().data(), 4));  // ipAddress
  } else {
    w.constrained(3, 0, 6).bit(false).octets(e.ip.bytes());  // ip6Address (extensible)
  }
  w.constrained(e.port, 0, 65535);
}

void put_transports(per::Writer& w, Check& c, const std::vector<Endpoint>& list, std::string_view field) {
  if (list.size() > kAddressesMax) return c.fail(field, std::to_string(list.size()) + " addresses; at most " + std::to_string(kAddressesMax));
  w.length(list.size());
  for (const Endpoint& e : list) put_transport(w, e);
}

void put_endpoint_type(per::Writer& w, EndpointKind kind) {
  w.bit(false);                 // no extension additions
  w.bit(false).bit(false);      // nonStandardData, vendor
  w.bit(kind == EndpointKind::Gatekeeper).bit(kind == EndpointKind::Gateway).bit(kind == EndpointKind::Mcu);
  w.bit(kind == EndpointKind::Terminal);
  // Each info is an extensible SEQUENCE of optional parts, all absent.
  if (kind == EndpointKind::Gateway) {
    w.bit(false).bit(false).bit(false);
  } else if (kind != EndpointKind::Undefined) {
    w.bit(false).bit(false);
  }
  w.bit(kind == EndpointKind::Mcu);  // mc: an MCU has one
  w.bit(kind == EndpointKind::Undefined);
}

void put_vendor(per::Writer& w, Check& c, const VendorId& v) {
  w.bit(false).bit(!v.product.empty()).bit(!v.version.empty());
  w.bit(false).constrained(v.t35_country, 0, 255).constrained(v.t35_extension, 0, 255).constrained(v.manufacturer, 0, 65535);
  for (const std::string* s : {&v.product, &v.version}) {
    if (s->empty()) continue;
    if (s->size() > 256) return c.fail("endpointVendor", std::to_string(s->size()) + " octets; 1..256 allowed");
    w.constrained(s->size(), 1, 256).octets(std::span(reinterpret_cast<const std::uint8_t*>(s->data()), s->size()));
  }
}

void put_alternates(per::Writer& w, Check& c, const std::vector<AlternateGatekeeper>& list) {
  if (list.size() > kAlternatesMax) {
    return c.fail("alternateGatekeeper", std::to_string(list.size()) + " entries; at most " + std::to_string(kAlternatesMax));
  }
  w.length(list.size());
  for (const AlternateGatekeeper& a : list) {
    w.bit(false).bit(!a.gatekeeper_id.empty());
    put_transport(w, a.ras_address);
    if (!a.gatekeeper_id.empty()) put_bmp(w, c, a.gatekeeper_id, kIdentifierCharsMax, "alternateGatekeeper gatekeeperIdentifier");
    w.bit(a.need_to_register);
    if (a.priority > 127) c.fail("alternateGatekeeper priority", std::to_string(a.priority) + " is outside 0..127");
    w.constrained(a.priority > 127 ? 127 : a.priority, 0, 127);
  }
}

void put_alt_gk_info(per::Writer& w, Check& c, const std::vector<AlternateGatekeeper>& list, bool permanent) {
  w.bit(false);
  put_alternates(w, c, list);
  w.bit(permanent);
}

void encode_body(per::Writer& w, Check& c, const GatekeeperRequest& m) {
  Additions ext;
  if (m.supports_alt_gk) ext.at(7);  // supportsAltGK NULL
  w.bit(!ext.empty()).bit(false).bit(!m.gatekeeper_id.empty()).bit(false).bit(!m.aliases.empty());
  put_seq(w, c, m.seq);
  put_protocol(w);
  put_transport(w, m.ras_address);
  put_endpoint_type(w, m.endpoint_type);
  if (!m.gatekeeper_id.empty()) put_bmp(w, c, m.gatekeeper_id, kIdentifierCharsMax, "gatekeeperIdentifier");
  if (!m.aliases.empty()) put_aliases(w, c, m.aliases, "endpointAlias");
  ext.write(w);
}

void encode_body(per::Writer& w, Check& c, const GatekeeperConfirm& m) {
  Additions ext;
  if (!m.alternates.empty()) put_alternates(ext.at(0), c, m.alternates);
  w.bit(!ext.empty()).bit(false).bit(!m.gatekeeper_id.empty());
  put_seq(w, c, m.seq);
  put_protocol(w);
  if (!m.gatekeeper_id.empty()) put_bmp(w, c, m.gatekeeper_id, kIdentifierCharsMax, "gatekeeperIdentifier");
  put_transport(w, m.ras_address);
  ext.write(w);
}

void encode_body(per::Writer& w, Check& c, const GatekeeperReject& m) {
  Additions ext;
  if (!m.alternates.empty()) put_alt_gk_info(ext.at(0), c, m.alternates, m.alternates_permanent);
  w.bit(!ext.empty()).bit(false).bit(!m.gatekeeper_id.empty());
  put_seq(w, c, m.seq);
  put_protocol(w);
  if (!m.gatekeeper_id.empty()) put_bmp(w, c, m.gatekeeper_id, kIdentifierCharsMax, "gatekeeperIdentifier");
  const auto reason = static_cast<std::uint64_t>(m.reason);
  if (m.reason == GatekeeperRejectReason::Other) {
    c.fail("rejectReason", "Other cannot be sent");
  } else if (m.reason == GatekeeperRejectReason::SecurityDenial) {
    put_null_extension(w, 0);
  } else {
    w.bit(false).constrained(reason, 0, 3);
  }
  ext.write(w);
}

void encode_body(per::Writer& w, Check& c, const RegistrationRequest& m) {
  Additions ext;
  if (m.time_to_live_s) {
    if (*m.time_to_live_s == 0) c.fail("timeToLive", "0 is outside 1..4294967295");
    ext.at(1).constrained(*m.time_to_live_s == 0 ? 1 : *m.time_to_live_s, 1, kTtlMax);
  }
  ext.at(5).bit(m.keep_alive);
  if (!m.endpoint_id.empty()) put_bmp(ext.at(6), c, m.endpoint_id, kIdentifierCharsMax, "endpointIdentifier");
  ext.at(7).bit(false);  // willSupplyUUIEs
  ext.at(8).bit(false);  // maintainConnection
  if (m.supports_alt_gk) ext.at(12);
  w.bit(true).bit(false).bit(!m.aliases.empty()).bit(!m.gatekeeper_id.empty());
  put_seq(w, c, m.seq);
  put_protocol(w);
  w.bit(m.discovery_complete);
  put_transports(w, c, m.call_signal_addresses, "callSignalAddress");
  put_transports(w, c, m.ras_addresses, "rasAddress");
  put_endpoint_type(w, m.terminal_type);
  if (!m.aliases.empty()) put_aliases(w, c, m.aliases, "terminalAlias");
  if (!m.gatekeeper_id.empty()) put_bmp(w, c, m.gatekeeper_id, kIdentifierCharsMax, "gatekeeperIdentifier");
  put_vendor(w, c, m.vendor);
  ext.write(w);
}

void encode_body(per::Writer& w, Check& c, const RegistrationConfirm& m) {
  Additions ext;
  if (!m.alternates.empty()) put_alternates(ext.at(0), c, m.alternates);
  if (m.time_to_live_s) {
    if (*m.time_to_live_s == 0) c.fail("timeToLive", "0 is outside 1..4294967295");
    ext.at(1).constrained(*m.time_to_live_s == 0 ? 1 : *m.time_to_live_s, 1, kTtlMax);
  }
  ext.at(5).bit(false);  // willRespondToIRR
  ext.at(7).bit(false);  // maintainConnection
  w.bit(true).bit(false).bit(!m.aliases.empty()).bit(!m.gatekeeper_id.empty());
  put_seq(w, c, m.seq);
  put_protocol(w);
  put_transports(w, c, m.call_signal_addresses, "callSignalAddress");
  if (!m.aliases.empty()) put_aliases(w, c, m.aliases, "terminalAlias");
  if (!m.gatekeeper_id.empty()) put_bmp(w, c, m.gatekeeper_id, kIdentifierCharsMax, "gatekeeperIdentifier");
  put_bmp(w, c, m.endpoint_id, kIdentifierCharsMax, "endpointIdentifier");
  ext.write(w);
}

void encode_body(per::Writer& w, Check& c, const RegistrationReject& m) {
  using R = RegistrationRejectReason;
  Additions ext;
  if (!m.alternates.empty()) put_alt_gk_info(ext.at(0), c, m.alternates, m.alternates_permanent);
  w.bit(!ext.empty()).bit(false).bit(!m.gatekeeper_id.empty());
  put_seq(w, c, m.seq);
  put_protocol(w);
  const auto reason = static_cast<std::uint64_t>(m.reason);
  if (m.reason == R::Other) {
    c.fail("rejectReason", "Other cannot be sent");
  } else if (m.reason >= R::TransportQosNotSupported) {
    put_null_extension(w, reason - static_cast<std::uint64_t>(R::TransportQosNotSupported));
  } else {
    w.bit(false).constrained(reason, 0, 7);
    if (m.reason == R::DuplicateAlias) put_aliases(w, c, m.duplicate_aliases, "duplicateAlias");
  }
  if (!m.gatekeeper_id.empty()) put_bmp(w, c, m.gatekeeper_id, kIdentifierCharsMax, "gatekeeperIdentifier");
  ext.write(w);
}

void encode_body(per::Writer& w, Check& c, const UnregistrationRequest& m) {
  Additions ext;
  if (!m.gatekeeper_id.empty()) put_bmp(ext.at(1), c, m.gatekeeper_id, kIdentifierCharsMax, "gatekeeperIdentifier");
  if (m.reason) {
    per::Writer& r = ext.at(5);
    if (*m.reason == UnregRequestReason::Other) {
      c.fail("reason", "Other cannot be sent");
    } else if (*m.reason == UnregRequestReason::Maintenance) {
      put_null_extension(r, 0);
    } else {
      r.bit(false).constrained(static_cast<std::uint64_t>(*m.reason), 0, 3);
    }
  }
  w.bit(!ext.empty()).bit(!m.aliases.empty()).bit(false).bit(!m.endpoint_id.empty());
  put_seq(w, c, m.seq);
  put_transports(w, c, m.call_signal_addresses, "callSignalAddress");
  if (!m.aliases.empty()) put_aliases(w, c, m.aliases, "endpointAlias");
  if (!m.endpoint_id.empty()) put_bmp(w, c, m.endpoint_id, kIdentifierCharsMax, "endpointIdentifier");
  ext.write(w);
}

void encode_body(per::Writer& w, Check& c, const UnregistrationConfirm& m) {
  w.bit(false).bit(false);
  put_seq(w, c, m.seq);
}

void encode_body(per::Writer& w, Check& c, const UnregistrationReject& m) {
  w.bit(false).bit(false);
  put_seq(w, c, m.seq);
  if (m.reason == UnregRejectReason::Other) {
    c.fail("rejectReason", "Other cannot be sent");
  } else if (m.reason >= UnregRejectReason::PermissionDenied) {
    put_null_extension(w, static_cast<std::uint64_t>(m.reason) - static_cast<std::uint64_t>(UnregRejectReason::PermissionDenied));
  } else {
    w.bit(false).constrained(static_cast<std::uint64_t>(m.reason), 0, 2);
  }
}

// ---- decoding ----------------------------------------------------------------------

// Decodes an open type's contents with `decode`; its failure is the outer one.
template <class F>
void in_open_type(per::Reader& outer, const Bytes& contents, F&& decode) {
  per::Reader inner(contents);
  decode(inner);
  if (!inner.ok()) outer.fail(*inner.error());
}

// The additions after a SEQUENCE's root: `on(index, contents)` for each one
// present; what `on` does not take is skipped, its length known.
template <class F>
void get_extensions(per::Reader& r, bool extended, std::string_view field, F&& on) {
  if (!extended || !r.ok()) return;
  const std::size_t n = r.small_length(field);
  if (r.ok() && n > kExtensionsMax) r.fail(field, std::to_string(n) + " extension additions announced");
  if (!r.ok()) return;
  std::vector<bool> present(n);
  for (std::size_t i = 0; i < n; ++i) present[i] = r.bit(field);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    if (!present[i]) continue;
    const Bytes contents = r.open_type(field);
    if (r.ok()) on(i, contents);
  }
}

// A SEQUENCE's extension bit, then its additions skipped: for types whose
// root is all that is modelled. Call with the bit read before the root.
void skip_extensions(per::Reader& r, bool extended, std::string_view field) {
  get_extensions(r, extended, field, [](std::size_t, const Bytes&) {});
}

// A CHOICE: the root index, or the extension alternative's index (offset past
// the root) with its contents skipped.
std::uint64_t get_choice(per::Reader& r, std::uint64_t root_count, std::string_view field) {
  if (!r.bit(field)) return r.constrained(0, root_count - 1, field);
  const std::uint64_t index = r.small_number(field);
  (void)r.open_type(field);
  return root_count + index;
}

std::uint16_t get_seq(per::Reader& r) { return static_cast<std::uint16_t>(r.constrained(1, 65535, "requestSeqNum")); }

void get_protocol(per::Reader& r) {
  const std::size_t n = r.length("protocolIdentifier");
  const Bytes oid = r.octets(n, "protocolIdentifier");
  // H.225.0 versions differ in the last arc only; the first five must be H.225.0's.
  if (r.ok() && (oid.size() < 6 || !std::equal(kProtocolOid.begin(), kProtocolOid.begin() + 5, oid.begin()))) {
    r.fail("protocolIdentifier", "not an H.225.0 protocol identifier (0.0.8.2250.0.N)");
  }
}

void skip_non_standard(per::Reader& r);

// requestSeqNum, protocolIdentifier and, when its bit said so, nonStandardData:
// how most RAS messages open.
std::uint16_t get_head(per::Reader& r, bool non_standard) {
  const std::uint16_t seq = get_seq(r);
  get_protocol(r);
  if (non_standard) skip_non_standard(r);
  return seq;
}

std::string get_bmp(per::Reader& r, std::size_t ub, std::string_view field) {
  const auto n = static_cast<std::size_t>(r.constrained(1, ub, field));
  r.align();
  std::string out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    const auto u = static_cast<std::uint16_t>(r.bits(16, field));
    if (u >= 0xD800 && u <= 0xDFFF) r.fail(field, "a surrogate code unit is not a BMP character");
    append_utf8(u, out);
  }
  return out;
}

std::string get_ia5(per::Reader& r, std::size_t ub, std::string_view field) {
  const auto n = static_cast<std::size_t>(r.constrained(1, ub, field));
  r.align();
  std::string out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    const auto ch = r.bits(8, field);
    if (ch >= 0x80) r.fail(field, "a character outside IA5 (ASCII)");
    out += static_cast<char>(ch);
  }
  return out;
}

std::string get_digits(per::Reader& r) {
  const auto n = static_cast<std::size_t>(r.constrained(1, 128, "dialledDigits"));
  r.align();
  std::string out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    const auto index = r.bits(4, "dialledDigits");
    if (index >= kDigits.size()) r.fail("dialledDigits", "character index " + std::to_string(index) + " is not a dialled digit");
    else out += kDigits[index];
  }
  return out;
}

void skip_oid(per::Reader& r, std::string_view field) { (void)r.octets(r.length(field), field); }

void skip_h221(per::Reader& r) {
  const bool ext = r.bit("h221NonStandard");
  r.constrained(0, 255, "t35CountryCode");
  r.constrained(0, 255, "t35Extension");
  r.constrained(0, 65535, "manufacturerCode");
  skip_extensions(r, ext, "h221NonStandard");
}

void skip_non_standard(per::Reader& r) {
  const std::uint64_t id = get_choice(r, 2, "nonStandardIdentifier");
  if (id == 0) skip_oid(r, "nonStandardIdentifier object");
  if (id == 1) skip_h221(r);
  (void)r.octets(r.length("nonStandardData data"), "nonStandardData data");
}

// GatekeeperInfo, TerminalInfo, McuInfo and the H.3xx capabilities: an
// optional nonStandardData, the rest extension additions.
void skip_info(per::Reader& r, std::string_view field) {
  const bool ext = r.bit(field);
  if (r.bit(field)) skip_non_standard(r);
  skip_extensions(r, ext, field);
}

void skip_supported_protocols(per::Reader& r) {
  const std::uint64_t kind = get_choice(r, 9, "supportedProtocols");
  if (kind == 0) skip_non_standard(r);
  else if (kind < 9) skip_info(r, "supportedProtocols");
}

void skip_gateway_info(per::Reader& r) {
  const bool ext = r.bit("gateway");
  const bool protocols = r.bit("gateway");
  const bool non_standard = r.bit("gateway");
  if (protocols) {
    const std::size_t n = r.length("gateway protocol");
    if (r.ok() && n > kSkippedListMax) r.fail("gateway protocol", std::to_string(n) + " entries");
    for (std::size_t i = 0; i < n && r.ok(); ++i) skip_supported_protocols(r);
  }
  if (non_standard) skip_non_standard(r);
  skip_extensions(r, ext, "gateway");
}

VendorId get_vendor(per::Reader& r) {
  VendorId v;
  const bool ext = r.bit("endpointVendor");
  const bool product = r.bit("endpointVendor");
  const bool version = r.bit("endpointVendor");
  const bool h221_ext = r.bit("endpointVendor vendor");
  v.t35_country = static_cast<std::uint8_t>(r.constrained(0, 255, "t35CountryCode"));
  v.t35_extension = static_cast<std::uint8_t>(r.constrained(0, 255, "t35Extension"));
  v.manufacturer = static_cast<std::uint16_t>(r.constrained(0, 65535, "manufacturerCode"));
  skip_extensions(r, h221_ext, "endpointVendor vendor");
  if (product) {
    const auto n = static_cast<std::size_t>(r.constrained(1, 256, "productId"));
    const Bytes b = r.octets(n, "productId");
    v.product.assign(b.begin(), b.end());
  }
  if (version) {
    const auto n = static_cast<std::size_t>(r.constrained(1, 256, "versionId"));
    const Bytes b = r.octets(n, "versionId");
    v.version.assign(b.begin(), b.end());
  }
  skip_extensions(r, ext, "endpointVendor");
  return v;
}

EndpointKind get_endpoint_type(per::Reader& r) {
  const bool ext = r.bit("endpointType");
  std::array<bool, 6> has{};  // nonStandardData, vendor, gatekeeper, gateway, mcu, terminal
  for (bool& h : has) h = r.bit("endpointType");
  if (has[0]) skip_non_standard(r);
  if (has[1]) (void)get_vendor(r);
  if (has[2]) skip_info(r, "endpointType gatekeeper");
  if (has[3]) skip_gateway_info(r);
  if (has[4]) skip_info(r, "endpointType mcu");
  if (has[5]) skip_info(r, "endpointType terminal");
  (void)r.bit("endpointType mc");
  (void)r.bit("endpointType undefinedNode");
  skip_extensions(r, ext, "endpointType");
  if (has[3]) return EndpointKind::Gateway;
  if (has[4]) return EndpointKind::Mcu;
  if (has[2]) return EndpointKind::Gatekeeper;
  if (has[5]) return EndpointKind::Terminal;
  return EndpointKind::Undefined;
}

void skip_qseries(per::Reader& r) {
  const bool ext = r.bit("callServices");
  (void)r.bits(7, "callServices");
  const bool q954_ext = r.bit("callServices q954Info");
  (void)r.bits(2, "callServices q954Info");
  skip_extensions(r, q954_ext, "callServices q954Info");
  skip_extensions(r, ext, "callServices");
}

std::optional<Endpoint> get_transport(per::Reader& r, std::string_view field) {
  static constexpr std::array<std::string_view, 7> kKinds = {"ipAddress", "ipSourceRoute", "ipxAddress", "ip6Address",
                                                             "netBios", "nsap", "nonStandardAddress"};
  if (r.bit(field)) {
    r.fail(field, "an extension alternative of TransportAddress is not supported");
    return std::nullopt;
  }
  const auto kind = r.constrained(0, 6, field);
  if (!r.ok()) return std::nullopt;
  Endpoint e;
  if (kind == 0) {
    const Bytes ip = r.octets(4, field);
    if (r.ok()) e.ip = IpAddress::from_bytes(IpAddress::Family::V4, ip.data());
  } else if (kind == 3) {
    const bool ext = r.bit(field);
    const Bytes ip = r.octets(16, field);
    if (r.ok()) e.ip = IpAddress::from_bytes(IpAddress::Family::V6, ip.data());
    e.port = static_cast<std::uint16_t>(r.constrained(0, 65535, field));
    skip_extensions(r, ext, field);
    return r.ok() ? std::optional(e) : std::nullopt;
  } else {
    r.fail(field, std::string(kKinds[kind]) + " is not supported (IPv4 and IPv6 only)");
    return std::nullopt;
  }
  e.port = static_cast<std::uint16_t>(r.constrained(0, 65535, field));
  return r.ok() ? std::optional(e) : std::nullopt;
}

std::vector<Endpoint> get_transports(per::Reader& r, std::string_view field) {
  const std::size_t n = r.length(field);
  if (r.ok() && n > kAddressesMax) r.fail(field, std::to_string(n) + " addresses; at most " + std::to_string(kAddressesMax));
  std::vector<Endpoint> out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    if (auto e = get_transport(r, field)) out.push_back(*e);
  }
  return out;
}

// nullopt: an alias kind not modelled (its contents were skipped).
std::optional<Alias> get_alias(per::Reader& r, std::string_view field) {
  if (!r.bit(field)) {
    if (r.constrained(0, 1, field) == 0) return Alias{AliasKind::DialledDigits, get_digits(r)};
    return Alias{AliasKind::H323Id, get_bmp(r, 256, "h323-ID")};
  }
  const std::uint64_t index = r.small_number(field);
  const Bytes contents = r.open_type(field);
  if (!r.ok() || (index != 0 && index != 2)) return std::nullopt;
  Alias a{index == 0 ? AliasKind::UrlId : AliasKind::EmailId, {}};
  in_open_type(r, contents, [&](per::Reader& in) { a.value = get_ia5(in, 512, index == 0 ? "url-ID" : "email-ID"); });
  return a;
}

std::vector<Alias> get_aliases(per::Reader& r, std::string_view field) {
  const std::size_t n = r.length(field);
  if (r.ok() && n > kAliasesMax) r.fail(field, std::to_string(n) + " aliases; at most " + std::to_string(kAliasesMax));
  std::vector<Alias> out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    if (auto a = get_alias(r, field); a && r.ok()) out.push_back(std::move(*a));
  }
  return out;
}

std::vector<AlternateGatekeeper> get_alternates(per::Reader& r) {
  const std::size_t n = r.length("alternateGatekeeper");
  if (r.ok() && n > kAlternatesMax) {
    r.fail("alternateGatekeeper", std::to_string(n) + " entries; at most " + std::to_string(kAlternatesMax));
  }
  std::vector<AlternateGatekeeper> out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    AlternateGatekeeper a;
    const bool ext = r.bit("alternateGatekeeper");
    const bool has_id = r.bit("alternateGatekeeper");
    if (auto e = get_transport(r, "alternateGatekeeper rasAddress")) a.ras_address = *e;
    if (has_id) a.gatekeeper_id = get_bmp(r, kIdentifierCharsMax, "alternateGatekeeper gatekeeperIdentifier");
    a.need_to_register = r.bit("alternateGatekeeper needToRegister");
    a.priority = static_cast<std::uint8_t>(r.constrained(0, 127, "alternateGatekeeper priority"));
    skip_extensions(r, ext, "alternateGatekeeper");
    if (r.ok()) out.push_back(std::move(a));
  }
  return out;
}

void get_alt_gk_info(per::Reader& r, std::vector<AlternateGatekeeper>& list, bool& permanent) {
  const bool ext = r.bit("altGKInfo");
  list = get_alternates(r);
  permanent = r.bit("altGKInfo altGKisPermanent");
  skip_extensions(r, ext, "altGKInfo");
}

std::optional<std::uint32_t> get_ttl(per::Reader& r) {
  return static_cast<std::uint32_t>(r.constrained(1, kTtlMax, "timeToLive"));
}

// Maps a decoded CHOICE index (extensions offset past the root) to a reason
// enum whose values follow the same order, and Other past the modelled ones.
template <class E>
E reason_from(std::uint64_t index, E other) {
  return index < static_cast<std::uint64_t>(other) ? static_cast<E>(index) : other;
}

GatekeeperRequest decode_grq(per::Reader& r) {
  GatekeeperRequest m;
  const bool ext = r.bit("GRQ");
  const bool non_standard = r.bit("GRQ"), has_id = r.bit("GRQ"), services = r.bit("GRQ"), aliases = r.bit("GRQ");
  m.seq = get_head(r, non_standard);
  if (auto e = get_transport(r, "rasAddress")) m.ras_address = *e;
  m.endpoint_type = get_endpoint_type(r);
  if (has_id) m.gatekeeper_id = get_bmp(r, kIdentifierCharsMax, "gatekeeperIdentifier");
  if (services) skip_qseries(r);
  if (aliases) m.aliases = get_aliases(r, "endpointAlias");
  get_extensions(r, ext, "GRQ extensions", [&](std::size_t i, const Bytes&) {
    if (i == 7) m.supports_alt_gk = true;
  });
  return m;
}

GatekeeperConfirm decode_gcf(per::Reader& r) {
  GatekeeperConfirm m;
  const bool ext = r.bit("GCF");
  const bool non_standard = r.bit("GCF"), has_id = r.bit("GCF");
  m.seq = get_head(r, non_standard);
  if (has_id) m.gatekeeper_id = get_bmp(r, kIdentifierCharsMax, "gatekeeperIdentifier");
  if (auto e = get_transport(r, "rasAddress")) m.ras_address = *e;
  get_extensions(r, ext, "GCF extensions", [&](std::size_t i, const Bytes& b) {
    if (i == 0) in_open_type(r, b, [&](per::Reader& in) { m.alternates = get_alternates(in); });
  });
  return m;
}

GatekeeperReject decode_grj(per::Reader& r) {
  GatekeeperReject m;
  const bool ext = r.bit("GRJ");
  const bool non_standard = r.bit("GRJ"), has_id = r.bit("GRJ");
  m.seq = get_head(r, non_standard);
  if (has_id) m.gatekeeper_id = get_bmp(r, kIdentifierCharsMax, "gatekeeperIdentifier");
  m.reason = reason_from(get_choice(r, 4, "rejectReason"), GatekeeperRejectReason::Other);
  get_extensions(r, ext, "GRJ extensions", [&](std::size_t i, const Bytes& b) {
    if (i == 0) in_open_type(r, b, [&](per::Reader& in) { get_alt_gk_info(in, m.alternates, m.alternates_permanent); });
  });
  return m;
}

RegistrationRequest decode_rrq(per::Reader& r) {
  RegistrationRequest m;
  const bool ext = r.bit("RRQ");
  const bool non_standard = r.bit("RRQ"), aliases = r.bit("RRQ"), has_id = r.bit("RRQ");
  m.seq = get_head(r, non_standard);
  m.discovery_complete = r.bit("discoveryComplete");
  m.call_signal_addresses = get_transports(r, "callSignalAddress");
  m.ras_addresses = get_transports(r, "rasAddress");
  m.terminal_type = get_endpoint_type(r);
  if (aliases) m.aliases = get_aliases(r, "terminalAlias");
  if (has_id) m.gatekeeper_id = get_bmp(r, kIdentifierCharsMax, "gatekeeperIdentifier");
  m.vendor = get_vendor(r);
  get_extensions(r, ext, "RRQ extensions", [&](std::size_t i, const Bytes& b) {
    if (i == 1) in_open_type(r, b, [&](per::Reader& in) { m.time_to_live_s = get_ttl(in); });
    if (i == 5) in_open_type(r, b, [&](per::Reader& in) { m.keep_alive = in.bit("keepAlive"); });
    if (i == 6) in_open_type(r, b, [&](per::Reader& in) { m.endpoint_id = get_bmp(in, kIdentifierCharsMax, "endpointIdentifier"); });
    if (i == 12) m.supports_alt_gk = true;
  });
  return m;
}

RegistrationConfirm decode_rcf(per::Reader& r) {
  RegistrationConfirm m;
  const bool ext = r.bit("RCF");
  const bool non_standard = r.bit("RCF"), aliases = r.bit("RCF"), has_id = r.bit("RCF");
  m.seq = get_head(r, non_standard);
  m.call_signal_addresses = get_transports(r, "callSignalAddress");
  if (aliases) m.aliases = get_aliases(r, "terminalAlias");
  if (has_id) m.gatekeeper_id = get_bmp(r, kIdentifierCharsMax, "gatekeeperIdentifier");
  m.endpoint_id = get_bmp(r, kIdentifierCharsMax, "endpointIdentifier");
  get_extensions(r, ext, "RCF extensions", [&](std::size_t i, const Bytes& b) {
    if (i == 0) in_open_type(r, b, [&](per::Reader& in) { m.alternates = get_alternates(in); });
    if (i == 1) in_open_type(r, b, [&](per::Reader& in) { m.time_to_live_s = get_ttl(in); });
  });
  return m;
}

RegistrationReject decode_rrj(per::Reader& r) {
  using R = RegistrationRejectReason;
  RegistrationReject m;
  const bool ext = r.bit("RRJ");
  const bool non_standard = r.bit("RRJ"), has_id = r.bit("RRJ");
  m.seq = get_head(r, non_standard);
  if (!r.bit("rejectReason")) {
    m.reason = static_cast<R>(r.constrained(0, 7, "rejectReason"));
    if (m.reason == R::DuplicateAlias) m.duplicate_aliases = get_aliases(r, "duplicateAlias");
  } else {
    const std::uint64_t index = r.small_number("rejectReason");
    (void)r.open_type("rejectReason");
    m.reason = reason_from(index + static_cast<std::uint64_t>(R::TransportQosNotSupported), R::Other);
  }
  if (has_id) m.gatekeeper_id = get_bmp(r, kIdentifierCharsMax, "gatekeeperIdentifier");
  get_extensions(r, ext, "RRJ extensions", [&](std::size_t i, const Bytes& b) {
    if (i == 0) in_open_type(r, b, [&](per::Reader& in) { get_alt_gk_info(in, m.alternates, m.alternates_permanent); });
  });
  return m;
}

UnregistrationRequest decode_urq(per::Reader& r) {
  UnregistrationRequest m;
  const bool ext = r.bit("URQ");
  const bool aliases = r.bit("URQ"), non_standard = r.bit("URQ"), has_id = r.bit("URQ");
  m.seq = get_seq(r);
  m.call_signal_addresses = get_transports(r, "callSignalAddress");
  if (aliases) m.aliases = get_aliases(r, "endpointAlias");
  if (non_standard) skip_non_standard(r);
  if (has_id) m.endpoint_id = get_bmp(r, kIdentifierCharsMax, "endpointIdentifier");
  get_extensions(r, ext, "URQ extensions", [&](std::size_t i, const Bytes& b) {
    if (i == 1) in_open_type(r, b, [&](per::Reader& in) { m.gatekeeper_id = get_bmp(in, kIdentifierCharsMax, "gatekeeperIdentifier"); });
    if (i == 5) in_open_type(r, b, [&](per::Reader& in) {
      m.reason = reason_from(get_choice(in, 4, "reason"), UnregRequestReason::Other);
    });
  });
  return m;
}

UnregistrationConfirm decode_ucf(per::Reader& r) {
  UnregistrationConfirm m;
  const bool ext = r.bit("UCF");
  const bool non_standard = r.bit("UCF");
  m.seq = get_seq(r);
  if (non_standard) skip_non_standard(r);
  skip_extensions(r, ext, "UCF extensions");
  return m;
}

UnregistrationReject decode_urj(per::Reader& r) {
  UnregistrationReject m;
  const bool ext = r.bit("URJ");
  const bool non_standard = r.bit("URJ");
  m.seq = get_seq(r);
  m.reason = reason_from(get_choice(r, 3, "rejectReason"), UnregRejectReason::Other);
  if (non_standard) skip_non_standard(r);
  skip_extensions(r, ext, "URJ extensions");
  return m;
}

RasMessage decode_body(per::Reader& r, std::uint64_t index) {
  switch (index) {
    case 0: return decode_grq(r);
    case 1: return decode_gcf(r);
    case 2: return decode_grj(r);
    case 3: return decode_rrq(r);
    case 4: return decode_rcf(r);
    case 5: return decode_rrj(r);
    case 6: return decode_urq(r);
    case 7: return decode_ucf(r);
    default: return decode_urj(r);
  }
}

}  // namespace

std::string_view to_string(AliasKind kind) {
  static constexpr std::array<std::string_view, 4> kNames = {"dialledDigits", "h323-ID", "url-ID", "email-ID"};
  return kNames[static_cast<std::size_t>(kind)];
}

std::string_view to_string(EndpointKind kind) {
  static constexpr std::array<std::string_view, 5> kNames = {"terminal", "gateway", "mcu", "gatekeeper", "undefined"};
  return kNames[static_cast<std::size_t>(kind)];
}

std::string_view to_string(RegistrationRejectReason reason) {
  static constexpr std::array<std::string_view, 15> kNames = {
      "discoveryRequired", "invalidRevision", "invalidCallSignalAddress", "invalidRASAddress", "duplicateAlias",
      "invalidTerminalType", "undefinedReason", "transportNotSupported", "transportQOSNotSupported",
      "resourceUnavailable", "invalidAlias", "securityDenial", "fullRegistrationRequired",
      "additiveRegistrationNotSupported", "other"};
  return kNames[static_cast<std::size_t>(reason)];
}

std::string_view message_name(const RasMessage& message) { return kRootNames[message.index()]; }

std::uint16_t request_seq_num(const RasMessage& message) {
  return std::visit([](const auto& m) { return m.seq; }, message);
}

Result<std::vector<std::uint8_t>> encode(const RasMessage& message) {
  per::Writer w;
  Check check;
  w.bit(false).constrained(message.index(), 0, kRootNames.size() - 1);
  std::visit([&](const auto& m) { encode_body(w, check, m); }, message);
  if (check.error) return make_error("RAS " + std::string(message_name(message)) + " " + check.error->message);
  Bytes bytes = w.finish();
  if (bytes.size() > kRasBytesMax) {
    return make_error("RAS " + std::string(message_name(message)) + " of " + std::to_string(bytes.size()) +
                      " bytes exceeds " + std::to_string(kRasBytesMax));
  }
  return bytes;
}

Result<RasMessage> decode_ras(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kRasBytesMax) {
    return make_error("RAS message of " + std::to_string(bytes.size()) + " bytes exceeds " + std::to_string(kRasBytesMax));
  }
  per::Reader r(bytes);
  std::uint64_t index = 0;
  if (r.bit("RasMessage")) {
    index = r.small_number("RasMessage");
    if (!r.ok()) return make_error("RAS " + r.error()->message);
    const std::string name = index < kExtensionNames.size() ? std::string(kExtensionNames[index])
                                                            : "extension alternative " + std::to_string(index);
    return make_error("RAS " + name + " is not handled");
  }
  index = r.constrained(0, kRootNames.size() - 1, "RasMessage");
  if (!r.ok()) return make_error("RAS " + r.error()->message);
  const std::string name(kRootNames[index]);
  if (index >= std::variant_size_v<RasMessage>) return make_error("RAS " + name + " is not handled");
  RasMessage message = decode_body(r, index);
  if (r.ok() && r.bits_left() >= 8) r.fail("end", std::to_string(r.bits_left() / 8) + " bytes after the message");
  if (!r.ok()) return make_error("RAS " + name + " " + r.error()->message);
  return message;
}

}  // namespace tandem::h323
