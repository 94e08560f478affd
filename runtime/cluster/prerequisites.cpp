#include "runtime/cluster/prerequisites.hpp"

#include <map>
#include <set>

namespace tandem::cluster {
namespace {

// Peers with the same capabilities may cluster: an appliance is a Medium VM.
Platform capability_class(Platform p) { return p == Platform::Appliance ? Platform::MediumVm : p; }

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// Fails when the peers do not all agree on `value`; lists who says what.
template <class Value>
CheckItem all_equal(std::string name, const std::vector<PeerFacts>& peers, Value (*value)(const PeerFacts&),
                    std::string (*show)(const Value&)) {
  std::map<Value, std::vector<std::string>> groups;
  for (const auto& p : peers) groups[value(p)].push_back(p.address);
  if (groups.size() <= 1) return CheckItem{std::move(name), true, {}};
  std::vector<std::string> parts;
  for (const auto& [v, who] : groups) {
    std::string addresses;
    for (const auto& a : who) addresses += (addresses.empty() ? "" : ", ") + a;
    parts.push_back(show(v) + " on " + addresses);
  }
  return CheckItem{std::move(name), false, join(parts)};
}

// Fails for each peer where `bad` says why.
CheckItem each(std::string name, const std::vector<PeerFacts>& peers, std::string (*bad)(const PeerFacts&)) {
  std::vector<std::string> problems;
  for (const auto& p : peers) {
    const std::string why = bad(p);
    if (!why.empty()) problems.push_back(p.address + ": " + why);
  }
  return CheckItem{std::move(name), problems.empty(), join(problems)};
}

CheckItem distinct(std::string name, const std::vector<PeerFacts>& peers,
                   std::vector<std::string> (*values)(const PeerFacts&)) {
  std::map<std::string, std::string> owner;
  std::vector<std::string> clashes;
  for (const auto& p : peers) {
    for (const auto& v : values(p)) {
      auto [it, inserted] = owner.emplace(v, p.address);
      if (!inserted && it->second != p.address) clashes.push_back("'" + v + "' on " + it->second + " and " + p.address);
    }
  }
  return CheckItem{std::move(name), clashes.empty(), join(clashes)};
}

}  // namespace

std::vector<CheckItem> check_prerequisites(const std::vector<PeerFacts>& peers) {
  std::vector<CheckItem> items;
  items.push_back(all_equal<std::string>(
      "All peers run the same software version", peers, [](const PeerFacts& p) { return p.software_version; },
      [](const std::string& v) { return v; }));
  items.push_back(all_equal<Platform>(
      "All peers run on equivalent platforms", peers, [](const PeerFacts& p) { return capability_class(p.platform); },
      [](const Platform& v) { return std::string(to_string(v)); }));
  items.push_back(distinct("Each peer has its own LAN addresses", peers,
                           [](const PeerFacts& p) { return p.lan_addresses; }));
  items.push_back(distinct("Each peer has its own system name", peers,
                           [](const PeerFacts& p) { return std::vector<std::string>{p.system_name}; }));
  items.push_back(all_equal<std::string>(
      "All peers have the same feature option keys", peers, [](const PeerFacts& p) { return p.feature_keys_hash; },
      [](const std::string& v) { return "key set " + v; }));
  items.push_back(each("H.323 mode is On on every peer", peers,
                       [](const PeerFacts& p) { return p.h323_on ? std::string() : std::string("H.323 mode is Off"); }));
  items.push_back(each("Every peer has a DNS server", peers, [](const PeerFacts& p) {
    return p.dns_servers > 0 ? std::string() : std::string("no DNS server configured");
  }));
  items.push_back(each("Every peer's NTP is synchronized", peers, [](const PeerFacts& p) {
    return p.ntp_synchronized ? std::string() : std::string("NTP is not synchronized");
  }));
  items.push_back(each("Every peer is within 30 ms round trip", peers, [](const PeerFacts& p) {
    if (!p.round_trip) return std::string("round trip not measured");
    if (*p.round_trip <= kMaxPeerRoundTrip) return std::string();
    return "round trip " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(*p.round_trip).count()) +
           " ms";
  }));
  std::set<std::string> peer_addresses;
  for (const auto& p : peers) peer_addresses.insert(p.address);
  std::vector<std::string> neighboured;
  for (const auto& p : peers) {
    for (const auto& n : p.neighbour_addresses) {
      if (peer_addresses.count(n)) neighboured.push_back(p.address + " has peer " + n + " in a neighbour zone");
    }
  }
  items.push_back(CheckItem{"No peer is also configured as a neighbour", neighboured.empty(), join(neighboured)});
  return items;
}

bool all_passed(const std::vector<CheckItem>& items) {
  for (const auto& i : items) {
    if (!i.passed) return false;
  }
  return true;
}

}  // namespace tandem::cluster
