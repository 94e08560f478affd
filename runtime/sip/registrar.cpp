#include "runtime/sip/registrar.hpp"

#include "runtime/core/ascii.hpp"
#include "runtime/core/hash.hpp"

#include <algorithm>
#include <cctype>

namespace tandem::sip {
namespace {

using wire::SipContact;
using wire::SipCore;
using wire::SipMessage;

constexpr std::string_view kAllow = "REGISTER, OPTIONS";
constexpr std::string_view kOutbound = "outbound";
constexpr std::uint32_t kRefreshMaxS = 86400;  // a day: far above the VCS's 7200 s ceiling
constexpr std::size_t kBindingsPerAorMax = 100;
constexpr std::size_t kDomainsMax = 200;

std::uint32_t remaining_s(MonoTime expires_at, MonoTime now) {
  if (expires_at <= now) return 0;
  const std::int64_t ns = to_ns(expires_at - now);
  return static_cast<std::uint32_t>((ns + 999'999'999) / 1'000'000'000);  // rounded up: never 0 while current
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != prefix[i]) return false;
  }
  return true;
}

// The AOR an operator typed: any spelling of a SIP URI, or user@domain.
std::string canonical_aor(std::string_view text) {
  if (auto uri = wire::parse_sip_uri(text)) return wire::address_of_record(*uri);
  if (auto uri = wire::parse_sip_uri("sip:" + std::string(text))) return wire::address_of_record(*uri);
  return std::string(text);
}

// The name-addr a binding lists: the contact without its expires parameter.
std::string listed_contact(const SipContact& contact) { return wire::to_string(contact.address, "expires"); }

Status check_bounds(const RefreshBounds& bounds, std::string_view name) {
  if (bounds.min_s == 0 || bounds.min_s > bounds.max_s || bounds.max_s > kRefreshMaxS) {
    return make_error(std::string(name) + " refresh bounds " + std::to_string(bounds.min_s) + ".." +
                      std::to_string(bounds.max_s) +
                      " s are not 1 <= minimum <= maximum <= " + std::to_string(kRefreshMaxS));
  }
  return {};
}

}  // namespace

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::Udp: return "UDP";
    case Transport::Tcp: return "TCP";
    case Transport::Tls: return "TLS";
  }
  return "?";
}

Status check(const RegistrarOptions& o) {
  if (auto ok = check_bounds(o.standard, "standard"); !ok) return ok;
  if (auto ok = check_bounds(o.outbound, "outbound"); !ok) return ok;
  if (o.bindings_per_aor_max == 0 || o.bindings_per_aor_max > kBindingsPerAorMax) {
    return make_error("bindings per AOR " + std::to_string(o.bindings_per_aor_max) + " is not 1.." +
                      std::to_string(kBindingsPerAorMax));
  }
  if (o.aors_max == 0) return make_error("the registrar must hold at least one AOR");
  if (o.domains.size() > kDomainsMax) return make_error("more than " + std::to_string(kDomainsMax) + " SIP domains");
  if (o.server.empty() || wire::safe_reason(o.server) != o.server) {
    return make_error("Server name must be printable ASCII");
  }
  return {};
}

// ---- the steps of a REGISTER --------------------------------------------------------

struct Registrar::Refusal {
  int status = 400;
  std::string detail;  // said after the reason phrase
  std::vector<wire::SipHeader> headers;
  bool maintenance = false;
};

// A REGISTER whose headers passed the checks.
struct Registrar::Checked {
  std::string aor;
  wire::SipContactList contacts;
  std::vector<std::string> listed;  // per contact: what a binding stores and lists
  std::optional<std::uint32_t> expires;
  bool supports_outbound = false;
  bool outbound = false;  // one contact registers an RFC 5626 flow
  std::string user_agent;

  bool is_outbound(const SipContact& c) const { return supports_outbound && c.instance && c.reg_id; }
  // Contact expires=, else Expires, else the maximum of its bounds.
  std::uint32_t requested_s(const SipContact& c, const RefreshBounds& bounds) const {
    return c.expires_s.value_or(expires.value_or(bounds.max_s));
  }
};

// The AOR's bindings as they will be if nothing is refused, and the index
// entries of the ones there were.
struct Registrar::Plan {
  std::vector<Binding> working;
  std::vector<ExpiryKey> before;
  std::size_t outbound_before = 0;
  bool taken = false;  // working holds the AOR's own bindings, moved out of it
  std::size_t added = 0;
  std::size_t refreshed = 0;
  std::size_t removed = 0;
};

Registrar::Registrar(RegistrarOptions options) : options_(std::move(options)) {
  TANDEM_ASSERT(check(options_).ok());
  for (std::string& domain : options_.domains) domain = ascii_lower(domain);
}

std::optional<SipMessage> Registrar::handle(const SipMessage& request, const RequestContext& context) {
  if (!request.request || request.method == "ACK" || request.count("Via") == 0) return std::nullopt;
  if (request.method == "REGISTER") return handle_register(request, context);
  auto core = wire::parse_core(request);
  if (!core) return refuse(request, Refusal{400, core.error().message}, context, nullptr);
  if (request.method != "OPTIONS") {
    ++counters_.refused;
    SipMessage r = answer(request, 405, context, &*core);
    r.add("Allow", std::string(kAllow));
    return r;
  }
  SipMessage r = answer(request, 200, context, &*core);
  r.add("Allow", std::string(kAllow));
  r.add("Supported", std::string(kOutbound));
  return r;
}

SipMessage Registrar::handle_register(const SipMessage& request, const RequestContext& context) {
  TANDEM_ASSERT(request.request && request.method == "REGISTER");
  auto core = wire::parse_core(request);
  if (!core) return refuse(request, Refusal{400, core.error().message}, context, nullptr);
  Checked checked;
  if (auto refusal = check_register(request, *core, checked)) return refuse(request, *refusal, context, &*core);
  auto aor = find_aor(checked.aor);  // once for the whole request
  purge_expired(aor, context.now);
  Plan p;
  take_bindings(checked, aor, p);
  if (auto refusal = plan(checked, *core, context, p)) {
    if (p.taken) aor->second.bindings = std::move(p.working);
    return refuse(request, *refusal, context, &*core);
  }
  if (auto refusal = commit(checked.aor, aor, p)) return refuse(request, *refusal, context, &*core);
  return ok(request, *core, aor, checked, context);
}

// RFC 3261 §10.3 steps 1-5 and 7's syntax, RFC 5626 §6's outbound checks.
std::optional<Registrar::Refusal> Registrar::check_register(const SipMessage& request, const SipCore& core,
                                                            Checked& out) const {
  if (auto uri = wire::parse_sip_uri(request.request_uri); !uri) {
    const bool sip = starts_with_ci(request.request_uri, "sip:") || starts_with_ci(request.request_uri, "sips:");
    return Refusal{sip ? 400 : 416, "Request-URI: " + uri.error().message};
  }
  auto required = wire::parse_option_tags(request, "Require");
  if (!required) return Refusal{400, required.error().message};
  auto supported = wire::parse_option_tags(request, "Supported");
  if (!supported) return Refusal{400, supported.error().message};
  std::string unsupported;
  for (const std::string& tag : *required) {
    if (tag != kOutbound) unsupported += (unsupported.empty() ? "" : ", ") + tag;
  }
  if (!unsupported.empty()) return Refusal{420, "", {{"Unsupported", unsupported}}};
  out.supports_outbound = std::find(supported->begin(), supported->end(), kOutbound) != supported->end();
  out.aor = wire::address_of_record(core.to.uri);
  if (out.aor.size() > kAorBytesMax) {
    return Refusal{400, "To: address-of-record longer than " + std::to_string(kAorBytesMax) + " bytes"};
  }
  const auto& domains = options_.domains;
  if (!domains.empty() && std::find(domains.begin(), domains.end(), core.to.uri.host) == domains.end()) {
    return Refusal{404, "domain " + core.to.uri.host + " is not served here"};
  }
  if (core.call_id.size() > kCallIdBytesMax) {
    return Refusal{400, "Call-ID longer than " + std::to_string(kCallIdBytesMax) + " bytes"};
  }
  auto contacts = wire::parse_contacts(request);
  if (!contacts) return Refusal{400, contacts.error().message};
  auto expires = wire::parse_expires(request);
  if (!expires) return Refusal{400, expires.error().message};
  out.contacts = std::move(contacts.value());
  out.expires = *expires;
  if (out.contacts.wildcard && out.expires != 0u) return Refusal{400, "Contact * needs Expires: 0"};
  std::size_t flows = 0;
  for (const SipContact& c : out.contacts.contacts) {
    out.listed.push_back(listed_contact(c));
    if (out.listed.back().size() > kContactBytesMax) {
      return Refusal{400, "Contact longer than " + std::to_string(kContactBytesMax) + " bytes"};
    }
    if (c.instance && c.instance->size() > kInstanceBytesMax) {
      return Refusal{400, "+sip.instance longer than " + std::to_string(kInstanceBytesMax) + " bytes"};
    }
    flows += out.is_outbound(c) ? 1 : 0;
  }
  if (flows > 1) return Refusal{400, "more than one Contact with reg-id"};
  if (flows == 1 && core.vias.size() > 1) return Refusal{439, "outbound through a proxy that did not add Path"};
  out.outbound = flows == 1;
  if (const std::string* ua = request.header("User-Agent")) {
    out.user_agent = wire::safe_reason(*ua);
    if (out.user_agent.size() > kUserAgentBytesMax) out.user_agent.resize(kUserAgentBytesMax);
  }
  return std::nullopt;
}

// The AOR's bindings for the plan to work on. Moved out of the AOR rather
// than copied when a refusal cannot come after a change to them: with one
// contact (or the wildcard) every refusal comes first, so putting them back
// restores them exactly. A request with several contacts works on a copy.
void Registrar::take_bindings(const Checked& request, AorMap::iterator aor, Plan& p) {
  if (aor == aors_.end()) return;
  std::vector<Binding>& bindings = aor->second.bindings;
  for (const Binding& b : bindings) {
    p.before.push_back(ExpiryKey{to_ns(b.expires_at), b.id});
    p.outbound_before += b.outbound ? 1 : 0;
  }
  p.taken = request.contacts.contacts.size() <= 1;
  p.working = p.taken ? std::move(bindings) : bindings;
}

// Step 6-7: what each contact does to the AOR's bindings, refused as a whole.
std::optional<Registrar::Refusal> Registrar::plan(const Checked& request, const SipCore& core,
                                                  const RequestContext& context, Plan& p) const {
  if (context.maintenance) {
    for (const SipContact& c : request.contacts.contacts) {
      const RefreshBounds& bounds = request.is_outbound(c) ? options_.outbound : options_.standard;
      if (request.requested_s(c, bounds) != 0) {
        return Refusal{503, "maintenance mode", {{"Retry-After", std::to_string(options_.retry_after_s)}}, true};
      }
    }
  }
  if (request.contacts.wildcard) return plan_wildcard(core, p);
  // Too brief anywhere refuses the whole request; Min-Expires is the largest minimum it broke.
  std::uint32_t min_needed_s = 0;
  for (const SipContact& c : request.contacts.contacts) {
    const RefreshBounds& bounds = request.is_outbound(c) ? options_.outbound : options_.standard;
    const std::uint32_t requested = request.requested_s(c, bounds);
    if (requested != 0 && requested < bounds.min_s) min_needed_s = std::max(min_needed_s, bounds.min_s);
  }
  if (min_needed_s != 0) return Refusal{423, "", {{"Min-Expires", std::to_string(min_needed_s)}}};
  for (std::size_t i = 0; i < request.contacts.contacts.size(); ++i) {  // at most kSipContactsMax
    if (auto refusal = plan_contact(request, i, core, context, p)) return refusal;
  }
  return std::nullopt;
}

std::optional<Registrar::Refusal> Registrar::plan_contact(const Checked& request, std::size_t index,
                                                          const SipCore& core, const RequestContext& context,
                                                          Plan& p) const {
  const SipContact& c = request.contacts.contacts[index];
  const bool outbound = request.is_outbound(c);
  const RefreshBounds& bounds = outbound ? options_.outbound : options_.standard;
  const std::uint32_t granted_s = std::min(request.requested_s(c, bounds), bounds.max_s);
  auto same = std::find_if(p.working.begin(), p.working.end(), [&](const Binding& b) {
    if (outbound) return b.outbound && b.instance == *c.instance && b.reg_id == *c.reg_id;
    if (c.instance) return !b.outbound && b.instance == *c.instance;
    if (!b.instance.empty()) return false;
    auto stored = wire::parse_name_addr(b.contact);
    return stored && wire::equivalent(stored->uri, c.address.uri);
  });
  if (same != p.working.end() && same->call_id == core.call_id && core.cseq.number <= same->cseq) {
    if (core.cseq.number == same->cseq) return std::nullopt;  // a retransmission: already done
    return Refusal{500, "CSeq " + std::to_string(core.cseq.number) + " is not above " + std::to_string(same->cseq) +
                            " for this Call-ID"};
  }
  if (granted_s == 0) {
    if (same != p.working.end()) {
      p.working.erase(same);
      ++p.removed;
    }
    return std::nullopt;
  }
  if (same == p.working.end()) {
    if (p.working.size() >= options_.bindings_per_aor_max) {
      return Refusal{403,
                     "more than " + std::to_string(options_.bindings_per_aor_max) + " contacts for " + request.aor};
    }
    same = p.working.insert(p.working.end(), Binding{});
    ++p.added;
  } else {
    ++p.refreshed;
  }
  Binding& b = *same;
  b.contact = request.listed[index];
  b.instance = c.instance.value_or("");
  b.reg_id = outbound ? *c.reg_id : 0;
  b.outbound = outbound;
  b.call_id = core.call_id;
  b.cseq = core.cseq.number;
  b.user_agent = request.user_agent;
  b.expires_at = context.now + std::chrono::seconds(granted_s);
  b.source = context.source;
  b.connection = context.connection;
  b.transport = context.transport;
  return std::nullopt;
}

// "Contact: *" with "Expires: 0": every binding goes, unless one is newer.
std::optional<Registrar::Refusal> Registrar::plan_wildcard(const SipCore& core, Plan& p) const {
  for (const Binding& b : p.working) {
    if (b.call_id == core.call_id && core.cseq.number <= b.cseq) {
      return Refusal{500, "CSeq " + std::to_string(core.cseq.number) + " is not above " + std::to_string(b.cseq) +
                              " for this Call-ID"};
    }
  }
  p.removed = p.working.size();
  p.working.clear();
  return std::nullopt;
}

// Step 8's state change, all at once; refused only when a new AOR finds the table full.
std::optional<Registrar::Refusal> Registrar::commit(const std::string& aor, AorMap::iterator& it, Plan& p) {
  if (it == aors_.end()) {
    if (p.working.empty()) return std::nullopt;
    if (aors_.size() >= options_.aors_max) {
      return Refusal{503, "registrar full", {{"Retry-After", std::to_string(options_.retry_after_s)}}};
    }
    it = aors_.emplace(aor, Aor{}).first;
    by_name_.emplace(it->first, it);
  }
  for (const ExpiryKey& key : p.before) {
    const std::size_t erased = expiry_.erase(key);
    TANDEM_ASSERT(erased == 1);
  }
  TANDEM_ASSERT(bindings_ >= p.before.size() && outbound_bindings_ >= p.outbound_before);
  bindings_ -= p.before.size();
  outbound_bindings_ -= p.outbound_before;
  for (Binding& b : p.working) {
    if (b.id == 0) b.id = next_id_++;
    expiry_.emplace(ExpiryKey{to_ns(b.expires_at), b.id}, &it->first);
    ++bindings_;
    outbound_bindings_ += b.outbound ? 1 : 0;
  }
  TANDEM_ASSERT(p.working.size() <= options_.bindings_per_aor_max);
  it->second.bindings = std::move(p.working);
  counters_.registered += p.added;
  counters_.refreshed += p.refreshed;
  counters_.unregistered += p.removed;
  if (it->second.bindings.empty()) {
    erase_aor(it);
    it = aors_.end();
  }
  TANDEM_ASSERT(expiry_.size() == bindings_ && by_name_.size() == aors_.size());
  return std::nullopt;
}

// ---- responses ----------------------------------------------------------------------

// With the request's core when it parsed, so To and the top Via are not parsed again.
SipMessage Registrar::answer(const SipMessage& request, int status, const RequestContext& context,
                             const SipCore* core) const {
  const std::string_view reason = wire::reason_phrase(status);
  SipMessage r;
  if (core) {
    r = wire::make_response(request, *core, status, reason, to_tag(request));
    wire::stamp_received(r, *core, context.source);
  } else {
    r = wire::make_response(request, status, reason, to_tag(request));
    wire::stamp_received(r, context.source);
  }
  r.add("Server", options_.server);
  return r;
}

SipMessage Registrar::ok(const SipMessage& request, const SipCore& core, AorMap::const_iterator aor,
                         const Checked& checked, const RequestContext& context) const {
  SipMessage r = answer(request, 200, context, &core);
  if (aor != aors_.end()) {
    for (const Binding& b : aor->second.bindings) {
      r.add("Contact", b.contact + ";expires=" + std::to_string(remaining_s(b.expires_at, context.now)));
    }
  }
  if (checked.outbound) r.add("Require", std::string(kOutbound));  // RFC 5626 §6
  r.add("Supported", std::string(kOutbound));
  return r;
}

SipMessage Registrar::refuse(const SipMessage& request, const Refusal& refusal, const RequestContext& context,
                             const SipCore* core) {
  ++(refusal.maintenance ? counters_.refused_maintenance : counters_.refused);
  SipMessage r = answer(request, refusal.status, context, core);
  if (!refusal.detail.empty()) r.reason += " (" + wire::safe_reason(refusal.detail) + ")";
  r.reason = wire::safe_reason(r.reason);
  for (const wire::SipHeader& h : refusal.headers) r.headers.push_back(h);
  return r;
}

std::string Registrar::to_tag(const SipMessage& request) const {
  // FNV-1a: stable for one request and its retransmissions.
  std::uint64_t hash = fnv1a("tandem", kFnv1aBasis ^ options_.tag_seed);
  for (std::string_view name : {"Call-ID", "From"}) {
    if (const std::string* value = request.header(name)) hash = fnv1a(*value, hash);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag(16, '0');
  for (std::size_t i = 0; i < tag.size(); ++i) tag[i] = kHex[(hash >> (60 - 4 * i)) & 0xf];
  return tag;
}

// ---- expiry, commands, status -------------------------------------------------------

// Takes a binding out of the index and the counts; the caller removes it from its AOR.
void Registrar::forget(const Binding& b) {
  const std::size_t erased = expiry_.erase(ExpiryKey{to_ns(b.expires_at), b.id});
  TANDEM_ASSERT(erased == 1);
  TANDEM_ASSERT(bindings_ > 0);
  --bindings_;
  outbound_bindings_ -= b.outbound ? 1 : 0;
}

Registrar::AorMap::iterator Registrar::find_aor(std::string_view aor) {
  const auto found = by_name_.find(aor);
  return found == by_name_.end() ? aors_.end() : found->second;
}

Registrar::AorMap::const_iterator Registrar::find_aor(std::string_view aor) const {
  const auto found = by_name_.find(aor);
  return found == by_name_.end() ? aors_.end() : AorMap::const_iterator(found->second);
}

void Registrar::erase_aor(AorMap::iterator it) {
  by_name_.erase(std::string_view(it->first));
  aors_.erase(it);
}

void Registrar::purge_expired(AorMap::iterator& it, MonoTime now) {
  if (it == aors_.end()) return;
  std::vector<Binding>& bindings = it->second.bindings;
  const std::size_t before = bindings.size();
  std::erase_if(bindings, [&](const Binding& b) {
    if (b.expires_at > now) return false;
    forget(b);
    return true;
  });
  counters_.expired += before - bindings.size();
  if (bindings.empty()) {
    erase_aor(it);
    it = aors_.end();
  }
}

std::size_t Registrar::expire(MonoTime now, std::size_t max) {
  std::size_t removed = 0;
  while (removed < max && !expiry_.empty() && expiry_.begin()->first.at_ns <= to_ns(now)) {
    const auto entry = expiry_.begin();
    auto it = find_aor(*entry->second);
    TANDEM_ASSERT(it != aors_.end());
    std::vector<Binding>& bindings = it->second.bindings;
    auto b = std::find_if(bindings.begin(), bindings.end(), [&](const Binding& x) { return x.id == entry->first.id; });
    TANDEM_ASSERT(b != bindings.end());
    forget(*b);  // erases `entry`
    bindings.erase(b);
    if (bindings.empty()) erase_aor(it);
    ++removed;
  }
  counters_.expired += removed;
  return removed;
}

std::optional<MonoTime> Registrar::next_expiry() const {
  if (expiry_.empty()) return std::nullopt;
  return MonoTime(Duration(expiry_.begin()->first.at_ns));
}

std::size_t Registrar::unregister(std::string_view aor) {
  auto it = find_aor(canonical_aor(aor));
  if (it == aors_.end()) return 0;
  const std::size_t n = it->second.bindings.size();
  for (const Binding& b : it->second.bindings) forget(b);
  counters_.removed_by_command += n;
  erase_aor(it);
  return n;
}

BindingStatus Registrar::status_of(const std::string& aor, const Binding& b, MonoTime now) const {
  return BindingStatus{aor,         b.contact,    b.instance,
                       b.reg_id,    b.outbound,   b.transport,
                       b.source,    b.connection, remaining_s(b.expires_at, now),
                       b.user_agent};
}

std::vector<BindingStatus> Registrar::bindings(std::string_view aor, MonoTime now) const {
  std::vector<BindingStatus> rows;
  if (auto it = find_aor(canonical_aor(aor)); it != aors_.end()) {
    for (const Binding& b : it->second.bindings) {
      if (b.expires_at > now) rows.push_back(status_of(it->first, b, now));
    }
  }
  return rows;
}

// Whole AORs only, so `after` (the last AOR of a page) starts the next page exactly.
std::vector<BindingStatus> Registrar::devices(MonoTime now, std::string_view after, std::size_t limit) const {
  limit = std::min(limit, kDeviceRowsMax);
  std::vector<BindingStatus> rows;
  for (auto it = after.empty() ? aors_.begin() : aors_.upper_bound(after); it != aors_.end(); ++it) {
    const std::vector<Binding>& bindings = it->second.bindings;
    if (!rows.empty() && rows.size() + bindings.size() > limit) break;
    for (const Binding& b : bindings) {
      if (b.expires_at > now) rows.push_back(status_of(it->first, b, now));
    }
    if (rows.size() >= limit) break;
  }
  return rows;
}

RegistrarCounts Registrar::counts() const {
  RegistrarCounts c = counters_;
  c.aors = aors_.size();
  c.bindings = bindings_;
  c.outbound_bindings = outbound_bindings_;
  return c;
}

}  // namespace tandem::sip
