#pragma once
// xStatus as JSON: what one peer knows about itself and its cluster, in the
// VCS's CamelCase style, and the selection of a subtree by words, as
// `xStatus Cluster Peers` does on the CLI.
//
//   {"SystemUnit": {...}, "Cluster": {..., "Peers": [...]}, "Licences": {...}, "Alarms": {...}}

#include <string>
#include <string_view>

#include "runtime/admin/http.hpp"
#include "runtime/peer.hpp"

namespace tandem::admin {

Json status_json(Peer& peer);

// The same status without its measurements (round trips, last contact times, usage ages),
// which change with every heartbeat: what the watch stream compares.
Json without_measurements(Json status);

// The subtree `path` names, wrapped in its canonical keys:
// "cluster peers" -> {"Cluster": {"Peers": [...]}}. Words match keys
// case-insensitively. An error names the word that matched nothing and what
// was there instead.
Result<Json> select_status(const Json& status, std::string_view path);

// Status > Registrations > By device: this peer's SIP bindings, one page.
// {"registrations": [{"AddressOfRecord", "Contact", "Transport", "Source",
// "ExpiresInS", "Outbound", "Instance", "RegId", "UserAgent"}...], "next": AOR or null}.
// With `aor`, only that address of record's bindings (and next null).
// Error (409): SIP is off.
Result<Json> registrations_json(Peer& peer, MonoTime now, std::string_view aor, std::string_view after,
                                std::size_t limit);

// The cluster-wide lookup of an alias: {"alias", "peers": [{"Slot", "Address",
// "Result": "Found"|"NotFound"|"NoAnswer", "Registrations": [{"Contact", "Transport", "ExpiresInS"}...]}...]}.
Json locations_json(std::string_view alias, const std::vector<cluster::PeerLocation>& peers);

// The guide's clustering prerequisites as {"passed": bool, "items": [...]}.
Json prerequisites_json(const Peer& peer);

}  // namespace tandem::admin
