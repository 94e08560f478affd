// The configuration of a Tandem peer, modelled on Cisco VCS X8.9 xConfiguration.
//
// Peer-specific items are exactly the guide's "Peer-Specific Items" (marked † in
// the VCS UI), in the guide's order; every other item is replicated from the
// configuration primary. Maintenance mode is not configuration here: it is a
// per-peer operational state set by command (a replicated maintenance mode
// would drain the whole cluster at once).

#include "runtime/config/schema.hpp"

namespace tandem::config {
namespace {

constexpr Scope kPeer = Scope::PeerSpecific;
constexpr Scope kReplicated = Scope::Replicated;
const std::vector<std::string> kOnOff = {"On", "Off"};
const std::vector<std::string> kEnabled = {"Enabled", "Disabled"};

class Builder {
 public:
  explicit Builder(Schema& schema) : schema_(schema) {}

  void choice(std::string pattern, Scope scope, std::string def, std::vector<std::string> choices,
              bool restart = false) {
    ItemSpec s{std::move(pattern), ValueType::Choice, scope, std::move(def)};
    s.choices = std::move(choices);
    s.restart_required = restart;
    schema_.add(std::move(s));
  }
  void integer(std::string pattern, Scope scope, std::int64_t def, std::int64_t min, std::int64_t max,
               bool restart = false) {
    ItemSpec s{std::move(pattern), ValueType::Integer, scope, std::to_string(def), min, max};
    s.restart_required = restart;
    schema_.add(std::move(s));
  }
  void text(std::string pattern, Scope scope, std::string def = {}, std::size_t max_length = 255,
            bool secret = false) {
    ItemSpec s{std::move(pattern), ValueType::Text, scope, std::move(def)};
    s.max_length = max_length;
    s.secret = secret;
    schema_.add(std::move(s));
  }
  void pem(std::string pattern, bool secret = false) {
    ItemSpec s{std::move(pattern), ValueType::Text, kPeer, {}};
    s.max_length = 256 * 1024;
    s.multiline = true;
    s.secret = secret;
    s.restart_required = true;
    schema_.add(std::move(s));
  }
  void address(std::string pattern, Scope scope, bool restart = false) {
    ItemSpec s{std::move(pattern), ValueType::Address, scope, {}};
    s.restart_required = restart;
    schema_.add(std::move(s));
  }
  void host_label(std::string pattern) { schema_.add(ItemSpec{std::move(pattern), ValueType::HostLabel, kPeer, {}}); }
  void fqdn(std::string pattern, Scope scope, bool restart = false) {
    ItemSpec s{std::move(pattern), ValueType::Fqdn, scope, {}};
    s.restart_required = restart;
    schema_.add(std::move(s));
  }

 private:
  Schema& schema_;
};

void add_peer_specific(Builder& b) {
  // Cluster configuration (System > Clustering): identical on every peer, set on each.
  b.fqdn("Alternates Cluster Name", kPeer, true);
  b.integer("Alternates ConfigurationMaster", kPeer, 1, 1, 6, true);
  b.choice("Alternates Cluster IpVersion", kPeer, "IPv4", {"IPv4", "IPv6"}, true);
  b.choice("Alternates Cluster TlsVerificationMode", kPeer, "Permissive", {"Permissive", "Enforce"}, true);
  b.address("Alternates Peer [1..6] Address", kPeer, true);
  // Ethernet speed, IP configuration, static routes.
  b.choice("Ethernet [1..2] Speed", kPeer, "Auto", {"Auto", "10half", "10full", "100half", "100full", "1000full"}, true);
  b.address("Ethernet [1..2] IP V4 Address", kPeer, true);
  b.address("Ethernet [1..2] IP V4 SubnetMask", kPeer, true);
  b.address("Ethernet [1..2] IP V6 Address", kPeer, true);
  b.address("IP Gateway", kPeer, true);
  b.address("IP V6 Gateway", kPeer, true);
  b.address("IP Route [1..50] Address", kPeer);
  b.integer("IP Route [1..50] PrefixLength", kPeer, 32, 0, 128);
  b.address("IP Route [1..50] Gateway", kPeer);
  b.choice("IP Route [1..50] Interface", kPeer, "Auto", {"Auto", "LAN1", "LAN2"});
  // System name; DNS servers, host name and domain; NTP servers and time zone.
  b.text("SystemUnit Name", kPeer, {}, 50);
  b.address("IP DNS Server [1..5] Address", kPeer);
  b.host_label("IP DNS Hostname");
  b.address("IP DNS Domain Name", kPeer);
  b.address("NTP Server [1..5] Address", kPeer);
  b.text("TimeZone Name", kPeer, "GMT", 64);
  // SNMP; logging level and remote syslog servers.
  b.choice("SNMP Mode", kPeer, "Off", {"Off", "v3", "v3plusTMS", "v2c"}, true);
  b.text("SNMP CommunityName", kPeer, "public", 16, true);
  b.text("SNMP SystemContact", kPeer, {}, 70);
  b.text("SNMP SystemLocation", kPeer, {}, 70);
  b.integer("Logging Level", kPeer, 1, 1, 4);
  b.address("Logging Server [1..4] Address", kPeer);
  // Security certificates: trusted CA, server certificate and key, CRLs.
  b.pem("Certificates TrustedCA");
  b.pem("Certificates Server Certificate");
  b.pem("Certificates Server PrivateKey", true);
  b.pem("Certificates CRL");
  // Administration access.
  b.choice("Administration SerialConsole Mode", kPeer, "On", kOnOff);
  b.choice("Administration SSH Mode", kPeer, "On", kOnOff);
  b.choice("Administration HTTPS Mode", kPeer, "On", kOnOff, true);
  b.choice("Administration HTTP Redirect Mode", kPeer, "On", kOnOff);
  b.choice("Administration AutomatedProtection Mode", kPeer, "On", kOnOff);
  // Option keys (feature keys must match on every peer; licence keys pool).
  b.text("Option [1..64] Key", kPeer, {}, 128);
  // Active Directory machine name and credentials.
  b.text("Authentication ADS MachineName", kPeer, {}, 15);
  b.text("Authentication ADS Username", kPeer, {}, 128);
  b.text("Authentication ADS Password", kPeer, {}, 128, true);
  // Conference Factory template (unique per peer); front panel mode.
  b.text("Applications ConferenceFactory Template", kPeer, {}, 60);
  b.choice("Administration LCDPanel Mode", kPeer, "On", kOnOff);
}

void add_protocols(Builder& b) {
  b.choice("IPProtocol", kReplicated, "IPv4", {"IPv4", "IPv6", "Both"}, true);
  b.choice("H323 Mode", kReplicated, "On", kOnOff);
  b.integer("H323 Gatekeeper TimeToLive", kReplicated, 1800, 60, 65534);
  b.integer("H323 Gatekeeper Registration UDP Port", kReplicated, 1719, 1024, 65534, true);
  b.integer("H323 Gatekeeper CallSignaling TCP Port", kReplicated, 1720, 1024, 65534, true);
  b.choice("H323 Gatekeeper AutoDiscovery Mode", kReplicated, "On", kOnOff);
  b.choice("SIP Mode", kReplicated, "On", kOnOff);
  b.choice("SIP UDP Mode", kReplicated, "Off", kOnOff);
  b.integer("SIP UDP Port", kReplicated, 5060, 1024, 65534, true);
  b.choice("SIP TCP Mode", kReplicated, "On", kOnOff);
  b.integer("SIP TCP Port", kReplicated, 5060, 1024, 65534, true);
  b.choice("SIP TLS Mode", kReplicated, "On", kOnOff);
  b.integer("SIP TLS Port", kReplicated, 5061, 1024, 65534, true);
  b.integer("SIP Registration Standard Refresh Minimum", kReplicated, 45, 45, 3600);
  b.integer("SIP Registration Standard Refresh Maximum", kReplicated, 60, 45, 7200);
  b.integer("SIP Registration Outbound Refresh Minimum", kReplicated, 600, 60, 3600);
  b.integer("SIP Registration Outbound Refresh Maximum", kReplicated, 3600, 60, 7200);
  b.address("SIP Domains Domain [1..200] Name", kReplicated);
}

void add_call_routing(Builder& b) {
  b.choice("Call Routed Mode", kReplicated, "Optimal", {"Always", "Optimal"});
  b.choice("Call Services CallSignalingOptimization", kReplicated, "Off", kOnOff);
  b.choice("Call Loop Detection Mode", kReplicated, "On", kOnOff);
  // Zones, with the addresses of up to six peers of a neighbouring cluster.
  b.text("Zones Zone [1..1000] Name", kReplicated, {}, 50);
  b.choice("Zones Zone [1..1000] Type", kReplicated, "Neighbor", {"Neighbor", "TraversalClient", "TraversalServer", "ENUM", "DNS"});
  b.address("Zones Zone [1..1000] Neighbor Peer [1..6] Address", kReplicated);
  b.choice("Zones Zone [1..1000] H323 Mode", kReplicated, "On", kOnOff);
  b.choice("Zones Zone [1..1000] SIP Mode", kReplicated, "On", kOnOff);
  // Search rules and transforms.
  b.text("Zones Policy SearchRules Rule [1..2000] Name", kReplicated, {}, 50);
  b.integer("Zones Policy SearchRules Rule [1..2000] Priority", kReplicated, 100, 1, 65534);
  b.choice("Zones Policy SearchRules Rule [1..2000] Pattern Type", kReplicated, "Prefix", {"Exact", "Prefix", "Suffix", "Regex"});
  b.text("Zones Policy SearchRules Rule [1..2000] Pattern String", kReplicated, {}, 60);
  b.choice("Zones Policy SearchRules Rule [1..2000] Pattern Behavior", kReplicated, "Leave", {"Strip", "Leave", "Replace"});
  b.text("Zones Policy SearchRules Rule [1..2000] Pattern Replace", kReplicated, {}, 60);
  b.text("Zones Policy SearchRules Rule [1..2000] Target", kReplicated, {}, 50);
  b.choice("Zones Policy SearchRules Rule [1..2000] State", kReplicated, "Enabled", kEnabled);
  b.text("Transform [1..100] Pattern String", kReplicated, {}, 60);
  b.choice("Transform [1..100] Pattern Type", kReplicated, "Prefix", {"Exact", "Prefix", "Suffix", "Regex"});
  b.choice("Transform [1..100] Pattern Behavior", kReplicated, "Strip", {"Strip", "Replace", "AddPrefix", "AddSuffix"});
  b.text("Transform [1..100] Pattern Replace", kReplicated, {}, 60);
  b.integer("Transform [1..100] Priority", kReplicated, 1, 1, 65534);
  b.choice("Transform [1..100] State", kReplicated, "Enabled", kEnabled);
}

void add_bandwidth_and_accounts(Builder& b) {
  b.integer("Bandwidth Default", kReplicated, 384, 64, 100000000);
  b.text("Bandwidth Link [1..3000] Name", kReplicated, {}, 50);
  b.text("Bandwidth Link [1..3000] Node1 Name", kReplicated, {}, 50);
  b.text("Bandwidth Link [1..3000] Node2 Name", kReplicated, {}, 50);
  b.text("Bandwidth Link [1..3000] Pipe1 Name", kReplicated, {}, 50);
  b.text("Bandwidth Link [1..3000] Pipe2 Name", kReplicated, {}, 50);
  b.text("Bandwidth Pipe [1..1000] Name", kReplicated, {}, 50);
  b.choice("Bandwidth Pipe [1..1000] Bandwidth Total Mode", kReplicated, "Unlimited", {"Unlimited", "Limited", "NoBandwidth"});
  b.integer("Bandwidth Pipe [1..1000] Bandwidth Total Limit", kReplicated, 500000, 1, 100000000);
  b.choice("Bandwidth Pipe [1..1000] Bandwidth PerCall Mode", kReplicated, "Unlimited", {"Unlimited", "Limited", "NoBandwidth"});
  b.integer("Bandwidth Pipe [1..1000] Bandwidth PerCall Limit", kReplicated, 1920, 1, 100000000);
  // Administrator accounts (password as a salted hash, never in clear) and FindMe.
  b.text("Login Administrator [1..100] Name", kReplicated, {}, 60);
  b.text("Login Administrator [1..100] PasswordHash", kReplicated, {}, 512, true);
  b.choice("Login Administrator [1..100] AccessLevel", kReplicated, "ReadWrite", {"ReadWrite", "ReadOnly", "Auditor"});
  b.choice("Login Administrator [1..100] State", kReplicated, "Enabled", kEnabled);
  b.choice("FindMe Mode", kReplicated, "Off", kOnOff);
  b.text("FindMe User [1..10000] Name", kReplicated, {}, 60);
  b.text("FindMe User [1..10000] DisplayName", kReplicated, {}, 60);
  b.text("FindMe User [1..10000] PrincipalDeviceAddress", kReplicated, {}, 128);
  b.text("FindMe User [1..10000] Device [1..5] Address", kReplicated, {}, 128);  // the user's other devices
  // Applications: the Conference Factory alias is shared (the template is not);
  // Microsoft interoperability.
  b.choice("Applications ConferenceFactory Mode", kReplicated, "Off", kOnOff);
  b.text("Applications ConferenceFactory Alias", kReplicated, {}, 60);
  b.choice("Applications B2BUA Microsoft Mode", kReplicated, "Disabled", kEnabled);
}

Schema build() {
  Schema schema;
  Builder b(schema);
  add_peer_specific(b);
  add_protocols(b);
  add_call_routing(b);
  add_bandwidth_and_accounts(b);
  return schema;
}

}  // namespace

const Schema& vcs_schema() {
  static const Schema schema = build();
  return schema;
}

}  // namespace tandem::config
