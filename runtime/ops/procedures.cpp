#include "runtime/ops/procedures.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>

#include "runtime/ops/peer_client.hpp"
#include "runtime/peer.hpp"

namespace tandem::ops {
namespace {

constexpr int kRestartRequired = 20012;

// The cluster as its primary describes it.
struct Cluster {
  std::string primary;
  ClusteringConfig config;
  PeerStatus status;  // the primary's
};

std::string slot_name(int slot, const std::string& address) {
  return "Peer " + std::to_string(slot) + " (" + address + ")";
}

Result<Cluster> read_cluster(Operator& op, const std::string& primary) {
  PeerClient client(op, primary);
  auto status = client.status();
  if (!status) return make_error("cannot read the primary " + primary + ": " + status.error().message);
  auto config = client.clustering();
  if (!config) return config.error();
  if (config->listed() == 0 || !status->this_system) return make_error(primary + " is not a peer of a cluster");
  if (*status->this_system != config->primary) {
    const int slot = config->primary;
    return make_error(primary + " is not the configuration primary: " +
                      slot_name(slot, config->peers[static_cast<std::size_t>(slot - 1)]) + " is");
  }
  return Cluster{primary, *config, *status};
}

std::vector<std::string> listed(const ClusteringConfig& config) {
  std::vector<std::string> out;
  for (const auto& p : config.peers) {
    if (!p.empty()) out.push_back(p);
  }
  return out;
}

// The guide forbids every other change while peers run different versions.
Status no_upgrade_in_progress(const Cluster& cluster) {
  for (const PeerEntry& p : cluster.status.peers) {
    if (!p.software_version.empty() && p.software_version != cluster.status.software_version) {
      return make_error(slot_name(p.slot, p.address) + " runs " + p.software_version + " while the primary runs " +
                        cluster.status.software_version + ": an upgrade is in progress; finish it first");
    }
  }
  return {};
}

bool reachable(Operator& op, const std::string& peer) { return PeerClient(op, peer).status().ok(); }

// A name for a peer leaving the cluster: its own FQDN, as the guide suggests.
Result<std::string> own_cluster_name(Operator& op, const std::string& peer) {
  PeerClient client(op, peer);
  auto host = client.get("IP DNS Hostname");
  auto domain = client.get("IP DNS Domain Name");
  if (!host || !domain) return make_error("cannot read " + peer + "'s DNS names");
  if (!host->empty() && domain->find('.') != std::string::npos) return *host + "." + *domain;
  std::string label = peer;
  std::replace_if(label.begin(), label.end(), [](char c) { return c == '.' || c == ':'; }, '-');
  return "peer-" + label + ".standalone.invalid";
}

// ---- steps -------------------------------------------------------------------

Step backup_step(Operator& op, const std::string& peer) {
  Step s{peer + ": back up the configuration (Maintenance > Backup and restore)", peer};
  s.act = [&op, peer]() -> Status {
    auto done = PeerClient(op, peer).command("Backup");
    if (!done) return done.error();
    return {};
  };
  return s;
}

Step maintenance_step(Operator& op, const std::string& peer, bool on) {
  Step s{peer + ": maintenance mode " + (on ? "On" : "Off"), peer};
  s.done = [&op, peer, on]() -> Result<bool> {
    auto status = PeerClient(op, peer).status();
    if (!status) return status.error();
    return status->maintenance == on;
  };
  s.act = [&op, peer, on]() -> Status {
    auto done = PeerClient(op, peer).command("MaintenanceMode", {{"Mode", on ? "On" : "Off"}});
    if (!done) return done.error();
    return {};
  };
  return s;
}

Step drain_step(Operator& op, const std::string& peer, Duration timeout) {
  Step s{peer + ": wait for calls to clear and registrations to time out", peer};
  s.waits_for = "no call and no registration on " + peer;
  s.settled = [&op, peer]() -> Result<bool> {
    auto status = PeerClient(op, peer).status();
    if (!status) return status.error();
    return status->registrations.value_or(0) == 0 && status->calls.value_or(0) == 0;
  };
  s.timeout = timeout;
  return s;
}

Step clustering_step(Operator& op, const std::string& peer, const ClusteringConfig& wanted, std::string title) {
  Step s{peer + ": " + std::move(title), peer};
  s.done = [&op, peer, wanted]() -> Result<bool> {
    auto current = PeerClient(op, peer).clustering();
    if (!current) return current.error();
    return current->cluster_name == wanted.cluster_name && current->primary == wanted.primary &&
           current->peers == wanted.peers && (wanted.tls_mode.empty() || current->tls_mode == wanted.tls_mode);
  };
  s.act = [&op, peer, wanted] { return PeerClient(op, peer).set_clustering(wanted); };
  return s;
}

// Restarts `peer` if it says "Restart required", and waits until it is back
// without that alarm (so the new process, not the old one, is answering).
Step restart_step(Operator& op, const std::string& peer, Duration timeout) {
  Step s{peer + ": restart if it says 'Restart required' (Maintenance > Restart options)", peer};
  auto restart_pending = [&op, peer]() -> Result<bool> {
    auto alarms = PeerClient(op, peer).alarms();
    if (!alarms) return alarms.error();
    return std::any_of(alarms->begin(), alarms->end(), [](const AlarmEntry& a) { return a.id == kRestartRequired; });
  };
  s.done = [restart_pending]() -> Result<bool> {
    auto pending = restart_pending();
    if (!pending) return pending.error();
    return !*pending;
  };
  s.act = [&op, peer]() -> Status {
    auto done = PeerClient(op, peer).command("Restart");
    if (!done) return done.error();
    return {};
  };
  s.waits_for = peer + " to answer again after its restart";
  s.settled = s.done;
  s.timeout = timeout;
  return s;
}

// The peer to join is reset as the guide says, before it takes the cluster's
// settings (a peer that already has them has been reset by an earlier run).
Step reset_step(Operator& op, const std::string& peer, const ClusteringConfig& target) {
  Step s{peer + ": xCommand DefaultValueSet Level: 2, then xCommand DefaultLinksAdd", peer};
  s.done = [&op, peer, target]() -> Result<bool> {
    auto current = PeerClient(op, peer).clustering();
    if (!current) return current.error();
    return current->peers == target.peers && current->cluster_name == target.cluster_name;
  };
  s.act = [&op, peer]() -> Status {
    PeerClient client(op, peer);
    if (auto done = client.command("DefaultValueSet", {{"Level", "2"}}); !done) return done.error();
    if (auto done = client.command("DefaultLinksAdd"); !done) return done.error();
    return {};
  };
  return s;
}

// Every peer in `members` answers, sees the others Active (those in `down`
// aside), and has its database Active at the primary's revision.
Step converge_step(Operator& op, std::vector<std::string> members, std::set<std::string> down, Duration timeout) {
  Step s{"every peer: cluster database Active, every peer Active", ""};
  s.waits_for = "the cluster to converge (database Active at the primary's revision on every peer)";
  s.settled = [&op, members, down]() -> Result<bool> {
    std::optional<std::int64_t> revision;
    for (const std::string& peer : members) {
      if (down.count(peer)) continue;
      auto status = PeerClient(op, peer).status();
      if (!status) return status.error();
      if (status->database_status != "Active") return false;
      if (revision && *revision != status->applied_revision) return false;
      revision = status->applied_revision;
      for (const PeerEntry& p : status->peers) {
        if (!down.count(p.address) && p.state != "Active" && p.state != "This system") return false;
      }
    }
    return true;
  };
  s.timeout = timeout;
  return s;
}

Step upgrade_step(Operator& op, const std::string& peer, const std::string& version, Duration timeout) {
  Step s{peer + ": upgrade to " + version + " and restart (Maintenance > Upgrade)", peer};
  auto on_version = [&op, peer, version]() -> Result<bool> {
    auto status = PeerClient(op, peer).status();
    if (!status) return status.error();
    return status->software_version == version;
  };
  s.done = on_version;
  s.act = [&op, peer, version] { return op.upgrade(peer, version); };
  s.waits_for = peer + " to answer again running " + version;
  s.settled = on_version;
  s.timeout = timeout;
  return s;
}

void append(std::vector<Step>& to, std::vector<Step> steps) {
  for (Step& s : steps) to.push_back(std::move(s));
}

// Every listed peer, the primary first.
std::vector<std::string> primary_first(const Cluster& cluster) {
  std::vector<std::string> out{cluster.primary};
  for (const std::string& p : listed(cluster.config)) {
    if (p != cluster.primary) out.push_back(p);
  }
  return out;
}

// ---- the parts several procedures share --------------------------------------

// The same clustering settings on each of `peers`, in that order (the primary first).
std::vector<Step> spread_settings(Operator& op, const std::vector<std::string>& peers, const ClusteringConfig& config,
                                  const std::string& what) {
  std::vector<Step> steps;
  for (const std::string& peer : peers) steps.push_back(clustering_step(op, peer, config, what));
  return steps;
}

std::vector<Step> restarts(Operator& op, const std::vector<std::string>& peers, const Timeouts& t) {
  std::vector<Step> steps;
  for (const std::string& peer : peers) steps.push_back(restart_step(op, peer, t.restart));
  return steps;
}

// The list without `peer`, moved up so no gap is left; the primary's slot follows it.
ClusteringConfig without(const ClusteringConfig& config, const std::string& peer, const std::string& primary) {
  ClusteringConfig out = config;
  std::vector<std::string> kept;
  for (const std::string& p : listed(config)) {
    if (p != peer) kept.push_back(p);
  }
  std::fill(out.peers.begin(), out.peers.end(), std::string());
  std::copy(kept.begin(), kept.end(), out.peers.begin());
  out.primary = out.slot_of(primary).value_or(1);
  return out;
}

// Leaving: its own name, no peers (the guide's step 2 for removed peers).
Result<std::vector<Step>> leave_steps(Operator& op, const std::string& peer, const Timeouts& t) {
  auto name = own_cluster_name(op, peer);
  if (!name) return name.error();
  ClusteringConfig alone;
  alone.cluster_name = *name;
  return std::vector<Step>{clustering_step(op, peer, alone, "Cluster name " + *name + ", every Peer N address cleared"),
                           restart_step(op, peer, t.restart)};
}

// The checks of Add a Peer that do not depend on the current list.
Status check_joining_peer(Operator& op, const Cluster& cluster, const std::string& peer, std::vector<std::string>& checks) {
  PeerClient client(op, peer);
  auto status = client.status();
  if (!status) return make_error("cannot reach the peer to add, " + peer + ": " + status.error().message);
  auto config = client.clustering();
  if (!config) return config.error();
  if (config->listed() > 0 && config->cluster_name != cluster.config.cluster_name) {
    return make_error(peer + " still has clustering settings (cluster " + config->cluster_name +
                      "): clear its configuration first (factory reset), as the guide says for a recovered peer");
  }
  if (config->listed() > 0 && config->peers != cluster.config.peers && !cluster.config.slot_of(peer)) {
    return make_error(peer + " lists peers of its own from an earlier cluster: clear its configuration first (factory reset)");
  }
  checks.push_back(peer + " has no clustering settings of another cluster");
  if (status->software_version != cluster.status.software_version) {
    return make_error(peer + " runs " + status->software_version + " but the cluster runs " +
                      cluster.status.software_version + ": every peer must run the same version");
  }
  checks.push_back(peer + " runs " + status->software_version + ", as the cluster does");
  auto neighbours = PeerClient(op, cluster.primary).neighbour_addresses();
  if (!neighbours) return neighbours.error();
  if (std::find(neighbours->begin(), neighbours->end(), peer) != neighbours->end()) {
    return make_error(peer + " is configured as a neighbour zone peer on the primary: remove it from the zones first");
  }
  checks.push_back("the primary does not list " + peer + " in any neighbour zone");
  return {};
}

// Add a Peer's steps, from the list `before` (which does not hold the new peer yet).
std::vector<Step> join_steps(Operator& op, const Cluster& cluster, const ClusteringConfig& before,
                             const std::string& peer, const ClusteringConfig& after, const Timeouts& t) {
  std::vector<Step> steps;
  steps.push_back(backup_step(op, peer));
  steps.push_back(maintenance_step(op, peer, true));
  steps.push_back(drain_step(op, peer, t.drain));
  const int slot = *after.slot_of(peer);
  const std::string what = "Peer " + std::to_string(slot) + " address " + peer;
  steps.push_back(clustering_step(op, cluster.primary, after, "add " + what));
  for (const std::string& other : listed(before)) {
    if (other != cluster.primary) steps.push_back(clustering_step(op, other, after, "add " + what));
  }
  steps.push_back(reset_step(op, peer, after));
  steps.push_back(clustering_step(op, peer, after, "the cluster's settings: name, primary, peer list"));
  std::vector<std::string> members = listed(after);
  append(steps, restarts(op, members, t));
  steps.push_back(converge_step(op, members, {}, t.converge));
  return steps;
}

// ---- the parts the address change and the replacements share ----------------

enum class AlreadyLeft : std::uint8_t { NotAMember, Removed };

// Remove a Live Peer's checks, and its steps appended to `plan`, from wherever
// an earlier run stopped. A peer stand-alone under its own name has left:
// with AlreadyLeft::Removed that is a finished removal (for a procedure that
// goes on past it), otherwise it is no peer of this cluster.
Status live_removal(Operator& op, const Cluster& cluster, const std::string& peer, AlreadyLeft left, Plan& plan,
                    const Timeouts& t) {
  if (peer == cluster.primary) return make_error(peer + " is the configuration primary: change the primary first");
  plan.checks.push_back(peer + " is not the primary");
  if (auto ok = no_upgrade_in_progress(cluster); !ok) return ok;
  if (!cluster.config.slot_of(peer)) {
    // Only a re-run finds it unlisted while it still lists the cluster's peers.
    auto own = PeerClient(op, peer).clustering();
    if (!own) return make_error(peer + " is not listed on the primary and cannot be reached: " + own.error().message);
    auto own_name = own_cluster_name(op, peer);
    if (left == AlreadyLeft::Removed && own->listed() == 0 && own_name && own->cluster_name == *own_name) {
      plan.checks.push_back(peer + " has left the cluster already (Cluster name " + *own_name + ", no peers)");
      return {};
    }
    if (own->cluster_name != cluster.config.cluster_name || own->listed() == 0) {
      return make_error(peer + " is not a peer of this cluster");
    }
    plan.checks.push_back(peer + " is no longer listed on the primary but still lists the cluster: continuing");
  } else {
    plan.checks.push_back(peer + " is listed as Peer " + std::to_string(*cluster.config.slot_of(peer)));
  }
  if (!reachable(op, peer)) return make_error(peer + " cannot be reached: use Remove a Dead Peer instead");
  plan.checks.push_back(peer + " answers");
  auto leave = leave_steps(op, peer, t);
  if (!leave) return leave.error();
  append(plan.steps, std::move(*leave));
  const ClusteringConfig after = without(cluster.config, peer, cluster.primary);
  const auto remaining = listed(after);
  append(plan.steps, spread_settings(op, remaining, after, "remove " + peer + " from the peer list"));
  append(plan.steps, restarts(op, remaining, t));
  plan.steps.push_back(converge_step(op, remaining, {}, t.converge));
  return {};
}

// The peer lists of a replacement: `gone` left, `joining` at the end (or
// where an earlier run put it).
struct Lists {
  ClusteringConfig before;  // without `joining`
  ClusteringConfig after;
};

Result<Lists> lists_for(const Cluster& cluster, const std::string& gone, const std::string& joining) {
  Lists out;
  out.after = without(cluster.config, gone, cluster.primary);
  if (!out.after.slot_of(joining)) {
    const int n = out.after.listed();
    if (n >= kMaxPeers) {
      return make_error("the cluster already has " + std::to_string(kMaxPeers) + " peers, the most a cluster can have");
    }
    out.after.peers[static_cast<std::size_t>(n)] = joining;
  }
  out.before = without(out.after, joining, cluster.primary);
  return out;
}

// ---- Change the Address of a Peer ----------------------------------------------

// The LAN item that holds `to`: both must be IP addresses of one family.
Result<std::string> address_item(const std::string& from, const std::string& to) {
  auto old_ip = IpAddress::parse(from);
  auto new_ip = IpAddress::parse(to);
  if (!new_ip) return make_error("the new address must be an IP address (Ethernet 1 is set to it), not '" + to + "'");
  if (!old_ip) {
    return make_error(from + " is listed by name: change the address its DNS record gives instead (the Peer N "
                             "address stays the name)");
  }
  if (old_ip->family() != new_ip->family()) return make_error(from + " and " + to + " are not of one IP version");
  if (*old_ip == *new_ip) return make_error(to + " is already the address of " + from);
  return std::string(new_ip->is_v4() ? "Ethernet 1 IP V4 Address" : "Ethernet 1 IP V6 Address");
}

// The guide's "change the address": the new LAN address, and the restart that
// makes the peer take it (tandemd reads its address at start). Done once the
// new address answers with that address configured.
Step readdress_step(Operator& op, const std::string& peer, const std::string& item, const std::string& to,
                    Duration timeout) {
  Step s{peer + ": " + item + " " + to + ", then restart (System > Network interfaces > IP)", peer};
  auto moved = [&op, item, to]() -> Result<bool> {
    auto value = PeerClient(op, to).get(item);
    if (!value) return value.error();
    return *value == to;
  };
  s.done = [moved]() -> Result<bool> {
    auto m = moved();
    return m.ok() && *m;  // nothing answers there yet: not done
  };
  s.act = [&op, peer, item, to]() -> Status {
    PeerClient client(op, peer);
    if (auto set = client.set({{item, to}}); !set) return set.error();
    auto restarted = client.command("Restart");
    if (!restarted) return restarted.error();
    return {};
  };
  s.waits_for = peer + " to answer at " + to;
  s.settled = moved;
  s.timeout = timeout;
  return s;
}

// ---- Replace a Peer And Keep Its Configuration --------------------------------

// "replace-from-10-0-0-2.tbk": one name per old peer, so a re-run finds it.
std::string replacement_backup_name(const std::string& old_peer) {
  std::string label = old_peer;
  std::replace_if(label.begin(), label.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '-');
  return "replace-from-" + label + ".tbk";
}

// `peer` holds backup `name` restored: the file is in its data directory and
// the peer took the backup's system name (it kept only its own items).
Result<bool> restored(Operator& op, const std::string& peer, const std::string& name) {
  PeerClient client(op, peer);
  auto system_name = client.get("SystemUnit Name");
  if (!system_name) return system_name.error();
  auto file = client.backup_file(name);
  if (!file) return false;
  return *system_name == file->system_name;
}

// The guide's steps 3 and 5: back the removed peer up, restore that onto the new one.
std::vector<Step> carry_backup_steps(Operator& op, const std::string& from, const std::string& to, Duration timeout) {
  const std::string name = replacement_backup_name(from);
  auto carried = std::make_shared<std::string>();  // the backup's base64, from one step to the next
  auto done = [&op, to, name] { return restored(op, to, name); };
  Step backup{from + ": back up its configuration (Maintenance > Backup and restore) and copy the file", from};
  backup.done = done;
  backup.act = [&op, from, name, carried]() -> Status {
    PeerClient client(op, from);
    if (auto made = client.command("Backup", {{"Name", name}}); !made) return made.error();
    auto file = client.backup_file(name);
    if (!file) return file.error();
    *carried = std::move(file->content_base64);
    return {};
  };
  Step restore{to + ": restore " + from + "'s backup (Maintenance > Backup and restore); it restarts", to};
  restore.done = done;
  restore.act = [&op, from, to, name, carried]() -> Status {
    if (carried->empty()) return make_error("no backup of " + from + " was taken in this run");
    auto sent = PeerClient(op, to).command("Restore", {{"Content", *carried}, {"Name", name}});
    if (!sent) return sent.error();
    return {};
  };
  restore.waits_for = to + " to answer again with " + from + "'s configuration";
  restore.settled = done;
  restore.timeout = timeout;
  return {std::move(backup), std::move(restore)};
}

constexpr int kDnsServers = 5;  // IP DNS Server [1..5] Address
constexpr int kNtpServers = 5;  // NTP Server [1..5] Address

// DNS servers, domain and NTP servers as set (empty ones left out).
Result<std::map<std::string, std::string>> name_services(Operator& op, const std::string& peer) {
  PeerClient client(op, peer);
  std::map<std::string, std::string> out;
  for (const char* prefix : {"IP DNS", "NTP"}) {
    auto items = client.items(prefix);
    if (!items) return items.error();
    for (auto& [path, value] : *items) {
      if (path != "IP DNS Hostname" && !value.empty()) out[path] = value;  // the host name is the peer's own
    }
  }
  return out;
}

// The guide's step 6: the same DNS configuration and NTP servers as the others.
Step name_services_step(Operator& op, const std::string& primary, const std::string& peer) {
  Step s{peer + ": DNS servers, domain and NTP servers as on the other peers (System > DNS, System > Time)", peer};
  s.done = [&op, primary, peer]() -> Result<bool> {
    auto want = name_services(op, primary);
    if (!want) return want.error();
    auto have = name_services(op, peer);
    if (!have) return have.error();
    return *want == *have;
  };
  s.act = [&op, primary, peer]() -> Status {
    auto want = name_services(op, primary);
    if (!want) return want.error();
    std::map<std::string, std::string> changes{{"IP DNS Domain Name", ""}};
    for (int i = 1; i <= kDnsServers; ++i) changes["IP DNS Server " + std::to_string(i) + " Address"] = "";
    for (int i = 1; i <= kNtpServers; ++i) changes["NTP Server " + std::to_string(i) + " Address"] = "";
    for (const auto& [path, value] : *want) changes[path] = value;
    auto set = PeerClient(op, peer).set(changes);
    if (!set) return set.error();
    return {};
  };
  return s;
}

// The guide's step 4: the feature keys of the other peers (call licences may differ).
Status same_feature_keys(Operator& op, const std::string& primary, const std::string& peer,
                         std::vector<std::string>& checks) {
  auto features = [&op](const std::string& p) -> Result<std::vector<std::string>> {
    auto items = PeerClient(op, p).items("Option");
    if (!items) return items.error();
    std::vector<std::string> keys;
    for (const auto& [path, value] : *items) keys.push_back(value);
    return read_option_keys(keys).features;
  };
  auto want = features(primary);
  if (!want) return want.error();
  auto have = features(peer);
  if (!have) return have.error();
  auto not_in = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::string out;
    for (const std::string& key : a) {
      if (std::find(b.begin(), b.end(), key) == b.end()) out += (out.empty() ? "" : ", ") + key;
    }
    return out;
  };
  const std::string lacks = not_in(*want, *have);
  const std::string extra = not_in(*have, *want);
  if (!lacks.empty() || !extra.empty()) {
    return make_error(peer + " must have the same feature option keys as the other peers (Maintenance > Option keys): " +
                      (lacks.empty() ? "" : "it lacks " + lacks) + (lacks.empty() || extra.empty() ? "" : "; ") +
                      (extra.empty() ? "" : "it also has " + extra));
  }
  checks.push_back(peer + " has the cluster's " + std::to_string(want->size()) + " feature option keys");
  return {};
}

// The guide's steps 7 (a, b, c), 8 and 9, for a peer that holds its configuration already.
std::vector<Step> rejoin_steps(Operator& op, const Cluster& cluster, const Lists& lists, const std::string& peer,
                               const Timeouts& t) {
  std::vector<Step> steps;
  const std::string what = "Peer " + std::to_string(*lists.after.slot_of(peer)) + " address " + peer;
  steps.push_back(clustering_step(op, cluster.primary, lists.after, "add " + what));
  for (const std::string& other : listed(lists.before)) {
    if (other != cluster.primary) steps.push_back(clustering_step(op, other, lists.after, "add " + what));
  }
  steps.push_back(clustering_step(op, peer, lists.after, "the cluster's settings: name, primary, peer list"));
  const auto members = listed(lists.after);
  append(steps, restarts(op, members, t));
  steps.push_back(converge_step(op, members, {}, t.converge));
  return steps;
}

// ---- Clear Configuration From This Peer -----------------------------------------

// At factory defaults: a reset in its event log, no clustering settings and no
// system name (the reset leaves it unset; naming the peer again, as the install
// wizard would, is preparing it anew, and a run then resets it again).
Result<bool> cleared(Operator& op, const std::string& peer) {
  PeerClient client(op, peer);
  auto config = client.clustering();
  if (!config) return config.error();
  if (config->listed() > 0 || !config->cluster_name.empty()) return false;
  auto name = client.get("SystemUnit Name");
  if (!name) return name.error();
  if (!name->empty()) return false;
  auto events = client.events();
  if (!events) return events.error();
  return std::any_of(events->begin(), events->end(), [](const EventEntry& e) { return e.kind == "peer.factory_reset"; });
}

// The guide clears a removed peer, never one a cluster still counts on: no
// peer that `peer` lists may list it.
Status not_listed_by_its_peers(Operator& op, const std::string& peer, const ClusteringConfig& own,
                               std::vector<std::string>& checks) {
  for (const std::string& other : listed(own)) {
    if (other == peer) continue;
    auto theirs = PeerClient(op, other).clustering();
    if (!theirs) {
      checks.push_back(other + ", which " + peer + " still lists, cannot be reached");
      continue;
    }
    if (auto slot = theirs->slot_of(peer)) {
      return make_error(other + " still lists " + slot_name(*slot, peer) + " of cluster " + theirs->cluster_name +
                        ": remove it from that cluster first (Remove a Live Peer, or Remove a Dead Peer), "
                        "then clear it");
    }
    checks.push_back(other + " no longer lists " + peer);
  }
  return {};
}

}  // namespace

Result<Plan> create_cluster(Operator& op, const std::string& peer, const std::string& cluster_name,
                            const std::string& tls_mode, const Timeouts& t) {
  PeerClient client(op, peer);
  auto status = client.status();
  if (!status) return make_error("cannot reach " + peer + ": " + status.error().message);
  auto config = client.clustering();
  if (!config) return config.error();
  Plan plan{"Create a New Cluster of VCS Peers on " + peer};
  if (config->listed() > 0) {
    return make_error(peer + " already lists cluster peers: clear every Peer N address first (or use Add a Peer)");
  }
  plan.checks.push_back(peer + " lists no cluster peers");
  auto h323 = client.get("H323 Mode");
  if (!h323) return h323.error();
  if (*h323 != "On") return make_error(peer + ": H.323 mode must be On (clustering uses H.323 between peers)");
  plan.checks.push_back(peer + ": H.323 mode is On");
  ClusteringConfig wanted;
  wanted.cluster_name = cluster_name;
  wanted.tls_mode = tls_mode;
  wanted.peers[0] = peer;
  plan.peers = {peer};
  plan.steps.push_back(backup_step(op, peer));
  Step signalling{peer + ": Call signaling optimization On (Configuration > Call routing)", peer};
  signalling.done = [&op, peer]() -> Result<bool> {
    auto value = PeerClient(op, peer).get("Call Services CallSignalingOptimization");
    if (!value) return value.error();
    return *value == "On";
  };
  signalling.act = [&op, peer]() -> Status {
    auto done = PeerClient(op, peer).set({{"Call Services CallSignalingOptimization", "On"}});
    if (!done) return done.error();
    return {};
  };
  plan.steps.push_back(std::move(signalling));
  plan.steps.push_back(maintenance_step(op, peer, true));
  plan.steps.push_back(drain_step(op, peer, t.drain));
  plan.steps.push_back(clustering_step(op, peer, wanted, "Cluster name " + cluster_name +
                                                             ", Configuration primary 1, Peer 1 address " + peer));
  plan.steps.push_back(restart_step(op, peer, t.restart));
  plan.steps.push_back(converge_step(op, {peer}, {}, t.converge));
  return plan;
}

Result<Plan> add_peer(Operator& op, const std::string& primary, const std::string& new_peer, const Timeouts& t) {
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan{"Add a Peer to a Cluster: " + new_peer};
  plan.checks.push_back(primary + " is the configuration primary of " + cluster->config.cluster_name);
  if (auto ok = no_upgrade_in_progress(*cluster); !ok) return ok.error();
  const auto members = listed(cluster->config);
  const bool rejoining = cluster->config.slot_of(new_peer).has_value();
  if (!rejoining && members.size() >= static_cast<std::size_t>(kMaxPeers)) {
    return make_error("the cluster already has " + std::to_string(kMaxPeers) + " peers, the most a cluster can have");
  }
  plan.checks.push_back("the cluster has " + std::to_string(members.size()) + " peers, fewer than " +
                        std::to_string(kMaxPeers));
  // Every listed peer must already be a working member: one the primary does
  // not see Active (or not at all, before its restart) is still being added.
  std::map<std::string, std::string> seen;
  for (const PeerEntry& p : cluster->status.peers) seen[p.address] = p.state;
  for (int slot = 1; slot <= kMaxPeers; ++slot) {
    const std::string& p = cluster->config.peers[static_cast<std::size_t>(slot - 1)];
    if (p.empty() || p == new_peer) continue;
    const std::string state = seen.count(p) ? seen[p] : "not yet part of the running cluster";
    if (state != "Active" && state != "This system") {
      return make_error(slot_name(slot, p) + " is " + state +
                        ": add one peer at a time, and only to a cluster whose peers are all Active");
    }
  }
  plan.checks.push_back("every listed peer is Active (no other peer is being added)");
  if (auto ok = check_joining_peer(op, *cluster, new_peer, plan.checks); !ok) return ok.error();
  ClusteringConfig after = cluster->config;  // a re-run may find the new peer listed already
  if (!rejoining) after.peers[members.size()] = new_peer;
  const ClusteringConfig before = without(after, new_peer, primary);
  plan.peers = listed(after);
  plan.steps = join_steps(op, *cluster, before, new_peer, after, t);
  return plan;
}

Result<Plan> remove_live_peer(Operator& op, const std::string& primary, const std::string& peer, const Timeouts& t) {
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan{"Remove a Live Peer From a Cluster: " + peer};
  if (auto ok = live_removal(op, *cluster, peer, AlreadyLeft::NotAMember, plan, t); !ok) return ok.error();
  plan.peers = listed(cluster->config);
  return plan;
}

Result<Plan> remove_dead_peer(Operator& op, const std::string& primary, const std::string& peer, const Timeouts& t) {
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan{"Remove a Dead Peer From a Cluster: " + peer};
  if (peer == primary) return make_error(peer + " is the configuration primary: change the primary first");
  plan.checks.push_back(peer + " is not the primary");
  if (reachable(op, peer)) return make_error(peer + " answers: use Remove a Live Peer, which also clears it");
  plan.checks.push_back(peer + " cannot be reached");
  const ClusteringConfig after = without(cluster->config, peer, primary);
  const auto remaining = listed(after);
  plan.peers = remaining;
  plan.steps = spread_settings(op, remaining, after, "remove " + peer + " from the peer list");
  append(plan.steps, restarts(op, remaining, t));
  plan.steps.push_back(converge_step(op, remaining, {}, t.converge));
  return plan;
}

Result<Plan> disband(Operator& op, const std::string& primary, const Timeouts& t) {
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan{"Disband a Cluster: " + cluster->config.cluster_name};
  for (const std::string& peer : listed(cluster->config)) {
    if (!reachable(op, peer)) return make_error(peer + " cannot be reached: remove it with Remove a Dead Peer first");
  }
  plan.checks.push_back("every peer answers");
  plan.peers = listed(cluster->config);
  auto order = primary_first(*cluster);
  std::rotate(order.begin(), order.begin() + 1, order.end());  // subordinates first, the primary last
  for (const std::string& peer : order) {
    auto leave = leave_steps(op, peer, t);
    if (!leave) return leave.error();
    append(plan.steps, std::move(*leave));
  }
  return plan;
}

Result<Plan> change_primary(Operator& op, const std::string& new_primary, const Timeouts& t) {
  PeerClient client(op, new_primary);
  auto config = client.clustering();
  if (!config) return make_error("cannot reach the new primary " + new_primary + ": " + config.error().message);
  const auto slot = config->slot_of(new_primary);
  if (!slot) return make_error(new_primary + " is not in its own peer list: it is not a peer of a cluster");
  Plan plan{"Change the Primary Peer to " + slot_name(*slot, new_primary)};
  const std::string old_primary = config->peers[static_cast<std::size_t>(config->primary - 1)];
  ClusteringConfig after = *config;
  after.primary = *slot;
  std::vector<std::string> order{new_primary};
  if (old_primary != new_primary) order.push_back(old_primary);
  for (const std::string& p : listed(*config)) {
    if (std::find(order.begin(), order.end(), p) == order.end()) order.push_back(p);
  }
  std::set<std::string> down;
  for (const std::string& p : order) {
    if (!reachable(op, p)) down.insert(p);
  }
  if (down.count(new_primary)) return make_error(new_primary + " cannot be reached");
  for (const std::string& p : down) {
    plan.checks.push_back(p + " cannot be reached: it is left out; remove it with Remove a Dead Peer, and clear its "
                              "configuration before it ever returns");
  }
  plan.peers = order;
  std::vector<std::string> up;
  for (const std::string& p : order) {
    if (!down.count(p)) up.push_back(p);
  }
  plan.steps = spread_settings(op, up, after, "Configuration primary " + std::to_string(*slot));
  append(plan.steps, restarts(op, up, t));
  plan.steps.push_back(converge_step(op, up, down, t.converge));
  return plan;
}

Result<Plan> upgrade(Operator& op, const std::string& primary, const std::string& version, const Timeouts& t) {
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan{"Upgrade a Cluster to " + version};
  const auto order = primary_first(*cluster);
  bool started = cluster->status.software_version == version;
  for (const std::string& peer : order) {
    auto status = PeerClient(op, peer).status();
    if (!status) return make_error(peer + " cannot be reached: every peer must answer before an upgrade");
    started = started || status->software_version == version;
  }
  plan.checks.push_back("every peer answers");
  if (!started) {
    for (const std::string& peer : order) {
      auto alarms = PeerClient(op, peer).alarms();
      if (!alarms) return alarms.error();
      for (const AlarmEntry& a : *alarms) {
        if (!a.acknowledged) {
          return make_error(peer + " has alarm " + std::to_string(a.id) + " (" + a.text +
                            "): act on every alarm and clear it before upgrading");
        }
      }
    }
    plan.checks.push_back("no peer has an unacknowledged alarm");
  } else {
    plan.checks.push_back("an upgrade to " + version + " is under way: continuing it");
  }
  plan.peers = order;
  for (const std::string& peer : order) {  // the primary first, then one subordinate at a time
    plan.steps.push_back(backup_step(op, peer));
    plan.steps.push_back(maintenance_step(op, peer, true));
    plan.steps.back().done = [&op, peer, version]() -> Result<bool> {
      auto status = PeerClient(op, peer).status();
      if (!status) return status.error();
      return status->maintenance || status->software_version == version;
    };
    plan.steps.push_back(drain_step(op, peer, t.drain));
    plan.steps.push_back(upgrade_step(op, peer, version, t.restart));
  }
  plan.steps.push_back(converge_step(op, order, {}, t.converge));
  // Configuration must not change while versions differ: the primary's
  // revision is the witness.
  const std::int64_t revision = cluster->status.applied_revision;
  plan.invariant = [&op, primary, revision]() -> Status {
    auto status = PeerClient(op, primary).status();
    if (status && status->applied_revision != revision) {
      return make_error("the configuration was changed on the primary during the upgrade (revision " +
                        std::to_string(revision) + " became " + std::to_string(status->applied_revision) +
                        "); the guide forbids changes while peers run different versions");
    }
    return {};
  };
  return plan;
}

Result<Plan> replace_peer(Operator& op, const std::string& primary, const std::string& old_peer,
                          const std::string& new_peer, const Timeouts& t) {
  const bool live = reachable(op, old_peer);
  auto removal = live ? remove_live_peer(op, primary, old_peer, t) : remove_dead_peer(op, primary, old_peer, t);
  if (!removal) return removal.error();
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan = std::move(*removal);
  plan.procedure = "Replace a Peer: " + old_peer + " by " + new_peer;
  if (auto ok = check_joining_peer(op, *cluster, new_peer, plan.checks); !ok) return ok.error();
  const ClusteringConfig before = without(cluster->config, old_peer, primary);
  ClusteringConfig after = before;
  after.peers[static_cast<std::size_t>(before.listed())] = new_peer;
  append(plan.steps, join_steps(op, *cluster, before, new_peer, after, t));
  plan.peers = listed(after);
  return plan;
}

Result<Plan> change_address(Operator& op, const std::string& primary, const std::string& peer,
                            const std::string& new_address, const Timeouts& t) {
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan{"Change the Address of a Peer: " + peer + " to " + new_address};
  auto item = address_item(peer, new_address);
  if (!item) return item.error();
  const bool at_old = reachable(op, peer);
  const bool at_new = reachable(op, new_address);
  if (at_old && at_new) {
    return make_error(new_address + " already answers: another machine has it; choose a free address");
  }
  if (at_old) {
    if (auto slot = cluster->config.slot_of(new_address)) {
      return make_error(new_address + " is already listed as " + slot_name(*slot, new_address) +
                        ": choose a free address");
    }
    if (auto ok = live_removal(op, *cluster, peer, AlreadyLeft::Removed, plan, t); !ok) return ok.error();
    plan.checks.push_back("nothing answers at " + new_address);
  } else if (!at_new) {
    return make_error(peer + " cannot be reached, and nothing answers at " + new_address +
                      ": if it is dead, use Remove a Dead Peer");
  } else if (auto slot = cluster->config.slot_of(peer)) {
    return make_error(peer + " is still listed as " + slot_name(*slot, peer) + " but cannot be reached, while " +
                      new_address + " answers: remove " + peer + " with Remove a Dead Peer, then clear the machine at " +
                      new_address + " and add it");
  } else {
    // A run that stopped after the address change: the peer lives at the new address.
    plan.checks.push_back(peer + " no longer answers and is not listed; " + new_address + " answers: continuing");
  }
  if (auto ok = no_upgrade_in_progress(*cluster); !ok) return ok.error();
  auto lists = lists_for(*cluster, peer, new_address);
  if (!lists) return lists.error();
  auto neighbours = PeerClient(op, primary).neighbour_addresses();
  if (!neighbours) return neighbours.error();
  if (std::find(neighbours->begin(), neighbours->end(), new_address) != neighbours->end()) {
    return make_error(new_address +
                      " is configured as a neighbour zone peer on the primary: remove it from the zones first");
  }
  plan.checks.push_back("the primary does not list " + new_address + " in any neighbour zone");
  if (at_new) {
    if (auto ok = check_joining_peer(op, *cluster, new_address, plan.checks); !ok) return ok.error();
  }
  plan.checks.push_back("the peer keeps its certificate: if that names " + peer + ", a client that checks "
                        "certificates (tandemctl --ca) reaches " + new_address + " only with --insecure or a "
                        "certificate issued for it; the DNS record of its name must give " + new_address);
  plan.steps.push_back(readdress_step(op, peer, *item, new_address, t.restart));
  append(plan.steps, join_steps(op, *cluster, lists->before, new_address, lists->after, t));
  plan.peers = listed(lists->after);
  return plan;
}

Result<Plan> replace_keeping_configuration(Operator& op, const std::string& primary, const std::string& old_peer,
                                           const std::string& new_peer, const Timeouts& t) {
  auto cluster = read_cluster(op, primary);
  if (!cluster) return cluster.error();
  Plan plan{"Replace a Peer And Keep Its Configuration: " + old_peer + " by " + new_peer};
  if (old_peer == new_peer) return make_error("the replacement must be another peer than " + old_peer);
  if (!reachable(op, new_peer)) return make_error("cannot reach the replacement " + new_peer);
  if (reachable(op, old_peer)) {
    if (auto ok = live_removal(op, *cluster, old_peer, AlreadyLeft::Removed, plan, t); !ok) return ok.error();
  } else {
    auto done = restored(op, new_peer, replacement_backup_name(old_peer));
    if (cluster->config.slot_of(old_peer) || !done || !*done) {
      return make_error(old_peer + " cannot be reached, so its configuration cannot be backed up: use Replace a Peer "
                                   "(the new peer takes the cluster's configuration only)");
    }
    plan.checks.push_back(old_peer + " is gone and " + new_peer + " holds its restored backup: continuing");
  }
  if (auto ok = no_upgrade_in_progress(*cluster); !ok) return ok.error();
  if (auto ok = same_feature_keys(op, primary, new_peer, plan.checks); !ok) return ok.error();
  if (auto ok = check_joining_peer(op, *cluster, new_peer, plan.checks); !ok) return ok.error();
  auto lists = lists_for(*cluster, old_peer, new_peer);
  if (!lists) return lists.error();
  append(plan.steps, carry_backup_steps(op, old_peer, new_peer, t.restart));
  plan.steps.push_back(name_services_step(op, primary, new_peer));
  append(plan.steps, rejoin_steps(op, *cluster, *lists, new_peer, t));
  plan.peers = listed(lists->after);
  return plan;
}

Result<Plan> clear_configuration(Operator& op, const std::string& peer, const ResetChoices& choices,
                                 const Timeouts& t) {
  auto own = PeerClient(op, peer).clustering();
  if (!own) return make_error("cannot reach " + peer + ": " + own.error().message);
  Plan plan{"Clear Configuration From This Peer: " + peer};
  plan.checks.push_back(peer + " answers");
  if (auto ok = not_listed_by_its_peers(op, peer, *own, plan.checks); !ok) return ok.error();
  const std::pair<const char*, bool> answers[] = {{"KeepOptionKeys", choices.keep_option_keys},
                                                  {"KeepIpConfiguration", true},
                                                  {"KeepCertificates", choices.keep_certificates},
                                                  {"KeepPasswords", choices.keep_passwords},
                                                  {"KeepLogs", choices.keep_logs}};
  std::map<std::string, std::string> args;
  std::string said;
  for (const auto& [question, yes] : answers) {
    args[question] = yes ? "Yes" : "No";
    said += (said.empty() ? "" : ", ") + std::string(question) + ": " + args[question];
  }
  plan.checks.push_back("KeepIpConfiguration: Yes, so " + peer + " stays reachable at its address");
  if (!choices.keep_certificates) {
    plan.checks.push_back("KeepCertificates: No: " + peer + " comes back with a new self-signed certificate; a client "
                          "that checks certificates (tandemctl --ca) follows it only with --insecure");
  }
  Step reset{peer + ": factory reset (" + said + "); it restarts with its defaults", peer};
  reset.done = [&op, peer] { return cleared(op, peer); };
  reset.act = [&op, peer, args]() -> Status {
    auto done = PeerClient(op, peer).command("FactoryReset", args);
    if (!done) return done.error();
    return {};
  };
  reset.waits_for = peer + " to answer again, stand-alone, at its factory defaults";
  reset.settled = reset.done;
  reset.timeout = t.restart;
  plan.peers = {peer};
  plan.steps.push_back(std::move(reset));
  return plan;
}

}  // namespace tandem::ops
