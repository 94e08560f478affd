#include "runtime/admin/status.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

namespace tandem::admin {
namespace {

constexpr std::size_t kMaxStatusWords = 8;

Json optional_time(const std::optional<WallTime>& at) { return at ? Json(iso8601(*at)) : Json(nullptr); }

Json licences_json(const cluster::Licences& l) {
  return Json{{"TraversalCalls", l.traversal_calls}, {"NonTraversalCalls", l.non_traversal_calls}, {"TurnRelays", l.turn_relays}};
}

template <class Kbps>
Json pipes_json(const std::map<std::uint16_t, Kbps>& pipe_kbps) {
  Json out = Json::array();
  for (const auto& [pipe, kbps] : pipe_kbps) out.push_back(Json{{"Pipe", pipe}, {"Kbps", kbps}});
  return out;
}

// What this peer knows of one listed peer's usage (UDP 1719); its own even
// when the service is not running.
cluster::PeerUsage usage_of(Peer& peer, const cluster::PeerView& v) {
  if (const auto* usage = peer.resource_usage()) return usage->peer(v.slot);
  cluster::PeerUsage p;
  p.slot = v.slot;
  if (v.state == cluster::PeerState::ThisSystem) {
    p.self = true;
    p.usage = peer.local_usage();
    p.age = Duration::zero();
  }
  return p;
}

// Every field null while the usage is unknown (never heard from, or stale):
// unknown is not zero.
Json usage_json(const cluster::PeerUsage& p) {
  if (!p.usage) {
    return Json{{"Registrations", nullptr}, {"TraversalCalls", nullptr}, {"NonTraversalCalls", nullptr},
                {"TurnRelays", nullptr},    {"BandwidthKbps", nullptr},  {"AgeMs", nullptr}};
  }
  const cluster::Usage& u = *p.usage;
  return Json{{"Registrations", u.registrations},
              {"TraversalCalls", u.traversal_calls},
              {"NonTraversalCalls", u.non_traversal_calls},
              {"TurnRelays", u.turn_relays},
              {"BandwidthKbps", pipes_json(u.pipe_kbps)},
              {"AgeMs", std::chrono::duration_cast<std::chrono::milliseconds>(p.age.value_or(Duration::zero())).count()}};
}

Json totals_json(const cluster::UsageTotals& t) {
  return Json{{"Registrations", t.registrations},
              {"TraversalCalls", t.traversal_calls},
              {"NonTraversalCalls", t.non_traversal_calls},
              {"TurnRelays", t.turn_relays},
              {"BandwidthKbps", pipes_json(t.pipe_kbps)},
              {"UnknownPeers", t.unknown}};
}

Json peer_json(const cluster::PeerView& v, Peer& peer, const cluster::PeerUsage& usage) {
  const bool self = v.state == cluster::PeerState::ThisSystem;
  Json out{{"Slot", v.slot}, {"Address", v.address}, {"State", cluster::to_string(v.state)}};
  if (self) {
    const auto* replication = peer.replication();
    out["SystemName"] = *peer.get("SystemUnit Name");
    out["SoftwareVersion"] = peer.options().software_version;
    out["AppliedRevision"] = replication ? std::max<std::int64_t>(0, replication->applied_revision()) : 0;
    out["Maintenance"] = peer.maintenance();
    out["Registrations"] = peer.local_usage().registrations;
  } else {
    out["SystemName"] = v.last ? Json(v.last->system_name) : Json(nullptr);
    out["SoftwareVersion"] = v.last ? Json(v.last->software_version) : Json(nullptr);
    out["AppliedRevision"] = v.last ? Json(v.last->applied_revision) : Json(nullptr);
    out["Maintenance"] = v.last ? Json(v.last->maintenance) : Json(nullptr);
    out["Registrations"] = v.last ? Json(v.last->registrations) : Json(nullptr);  // as its heartbeats say
  }
  // Round trip in ms to the microsecond; null until measured (and for this system).
  out["RttMs"] = v.rtt && !self ? Json(std::round(std::chrono::duration<double, std::milli>(*v.rtt).count() * 1000) / 1000)
                                : Json(nullptr);
  out["LastContact"] = self ? Json(nullptr) : optional_time(v.last_contact);
  out["ResourceUsage"] = usage_json(usage);
  return out;
}

Json cluster_json(Peer& peer) {
  const cluster::ClusteringSettings& s = peer.settings();
  auto* replication = peer.replication();
  Json out{{"Clustered", peer.clustered()},
           {"Name", s.cluster_name},
           {"ThisSystem", peer.this_system() ? Json(*peer.this_system()) : Json(nullptr)},
           {"ConfigurationPrimary", s.primary},
           {"IpVersion", s.ip_version == cluster::IpVersion::V4 ? "IPv4" : "IPv6"},
           {"TlsVerificationMode", to_string(s.tls_mode)},
           {"DatabaseStatus", cluster::to_string(peer.database_status())},
           {"AppliedRevision", replication ? std::max<std::int64_t>(0, replication->applied_revision()) : 0},
           {"Lineage", replication ? replication->lineage() : ""}};
  Json peers = Json::array();
  std::vector<cluster::PeerUsage> usage;  // the totals add up what this peer knows
  if (const auto* membership = peer.membership()) {
    for (const cluster::PeerView& v : membership->peers()) {
      usage.push_back(usage_of(peer, v));
      peers.push_back(peer_json(v, peer, usage.back()));
    }
  } else {
    usage.push_back(cluster::PeerUsage{.slot = 1, .self = true, .usage = peer.local_usage(), .age = Duration::zero()});
  }
  out["Peers"] = std::move(peers);
  out["ResourceUsage"] = totals_json(cluster::add_up(usage));
  return out;
}

Json alarm_counts(Peer& peer) {
  std::size_t unacknowledged = 0;
  for (const auto& alarm : peer.alarms().list()) unacknowledged += alarm.acknowledged ? 0 : 1;
  return Json{{"Active", peer.alarms().size()}, {"Unacknowledged", unacknowledged}};
}

}  // namespace

// Status > Registrations, as counts (null when SIP is off).
Json sip_json(Peer& peer) {
  if (!peer.sip()) return Json(nullptr);
  const sip::RegistrarCounts c = peer.sip()->registrar().counts();
  return Json{{"Registrations", c.bindings}, {"AddressesOfRecord", c.aors}, {"OutboundRegistrations", c.outbound_bindings}};
}

Result<Json> registrations_json(Peer& peer, MonoTime now, std::string_view aor, std::string_view after,
                                std::size_t limit) {
  sip::SipService* sip = peer.sip();
  if (!sip) return make_error("SIP is off on this peer: it has no registrations");
  const bool one = !aor.empty();
  const auto rows = one ? sip->registrar().bindings(aor, now) : sip->registrar().devices(now, after, limit);
  Json list = Json::array();
  for (const sip::BindingStatus& b : rows) {
    list.push_back(Json{{"AddressOfRecord", b.aor},
                        {"Contact", b.contact},
                        {"Transport", sip::to_string(b.transport)},
                        {"Source", b.source.to_string()},
                        {"ExpiresInS", b.expires_in_s},
                        {"Outbound", b.outbound},
                        {"Instance", b.instance},
                        {"RegId", b.reg_id},
                        {"UserAgent", b.user_agent}});
  }
  // A full page may have more after it: the caller asks again after its last AOR.
  const bool more = !one && !rows.empty() && rows.size() >= std::min(limit, sip::kDeviceRowsMax);
  return Json{{"registrations", std::move(list)}, {"next", more ? Json(rows.back().aor) : Json(nullptr)}};
}

Json locations_json(std::string_view alias, const std::vector<cluster::PeerLocation>& peers) {
  Json out = Json::array();
  for (const cluster::PeerLocation& p : peers) {
    Json registrations = Json::array();
    for (const cluster::Located& l : p.registrations) {
      registrations.push_back(Json{{"Contact", l.contact}, {"Transport", l.transport}, {"ExpiresInS", l.expires_in_s}});
    }
    out.push_back(Json{{"Slot", p.slot},
                       {"Address", p.address},
                       {"Result", cluster::to_string(p.result)},
                       {"Registrations", std::move(registrations)}});
  }
  return Json{{"alias", alias}, {"peers", std::move(out)}};
}

Json status_json(Peer& peer) {
  const cluster::LicencePool pool = peer.licence_pool();
  return Json{
      {"SystemUnit",
       {{"Name", *peer.get("SystemUnit Name")},
        {"Software", {{"Version", peer.options().software_version}}},
        {"MaintenanceMode", peer.maintenance() ? "On" : "Off"}}},
      {"Cluster", cluster_json(peer)},
      {"Licences", {{"Total", licences_json(pool.total)}, {"BorrowedFrom", pool.borrowed_from}, {"Expired", pool.expired}}},
      {"Alarms", alarm_counts(peer)},
      {"SIP", sip_json(peer)},
      {"H323", peer.gatekeeper() ? Json{{"Registrations", peer.gatekeeper()->registration_count()}} : Json(nullptr)},
  };
}

Json without_measurements(Json status) {
  for (Json& p : status["Cluster"]["Peers"]) {
    p.erase("RttMs");
    p.erase("LastContact");
    // Usage ages grow by the millisecond; the usage itself going unknown (null) still counts.
    if (auto usage = p.find("ResourceUsage"); usage != p.end() && usage->is_object()) usage->erase("AgeMs");
  }
  return status;
}

Result<Json> select_status(const Json& status, std::string_view path) {
  std::vector<std::string> keys;  // canonical spelling of each word
  const Json* node = &status;
  std::string so_far;
  std::size_t start = 0;
  while (start < path.size()) {
    const std::size_t end = std::min(path.find(' ', start), path.size());
    const std::string_view word = path.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (keys.size() == kMaxStatusWords) return make_error("status path '" + std::string(path) + "' is too deep");
    if (!node->is_object()) return make_error("no status '" + std::string(path) + "': '" + so_far + "' has no parts");
    std::string known;
    const Json* next = nullptr;
    for (const auto& [key, value] : node->items()) {
      if (iequals(key, word)) {
        next = &value;
        keys.push_back(key);
      }
      known += (known.empty() ? "" : ", ") + key;
    }
    if (!next) {
      const std::string where = so_far.empty() ? "the status" : "'" + so_far + "'";
      return make_error("no status '" + std::string(path) + "': '" + std::string(word) + "' is not in " + where +
                        " (it has " + known + ")");
    }
    so_far += (so_far.empty() ? "" : " ") + keys.back();
    node = next;
  }
  Json out = *node;
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    Json wrapped = Json::object();
    wrapped[*it] = std::move(out);
    out = std::move(wrapped);
  }
  return out;
}

Json prerequisites_json(const Peer& peer) {
  const auto items = peer.prerequisites();
  Json list = Json::array();
  for (const cluster::CheckItem& item : items) {
    list.push_back(Json{{"name", item.name}, {"passed", item.passed}, {"detail", item.detail}});
  }
  return Json{{"passed", cluster::all_passed(items)}, {"items", std::move(list)}};
}

}  // namespace tandem::admin
