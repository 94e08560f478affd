// The configuration schema: VCS-style paths, tables, scopes as the guide lists
// them, and refusals that name the item and the rule.

#include "runtime/config/schema.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tandem::config {
namespace {

const Schema& schema() { return vcs_schema(); }

std::string error_of(std::string_view path, std::string_view value) {
  auto r = schema().validate(path, value);
  return r.ok() ? std::string("(accepted as '") + *r + "')" : r.error().message;
}

TEST(Schema, ResolvesPathsCaseInsensitivelyToTheirCanonicalSpelling) {
  auto r = schema().resolve("  h323   gatekeeper timetolive ");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->path, "H323 Gatekeeper TimeToLive");
  EXPECT_EQ(r->spec->scope, Scope::Replicated);
  EXPECT_EQ(r->spec->default_value, "1800");
}

TEST(Schema, TablesCarryTheirIndices) {
  auto r = schema().resolve("Zones Zone 3 Neighbor Peer 2 Address");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->indices, (std::vector<int>{3, 2}));
  EXPECT_EQ(r->spec->pattern, "Zones Zone [1..1000] Neighbor Peer [1..6] Address");
  EXPECT_EQ(r->path, "Zones Zone 3 Neighbor Peer 2 Address");
}

TEST(Schema, IndicesOutsideTheirRangeAreRefusedSayingTheRange) {
  auto r = schema().resolve("Zones Zone 1 Neighbor Peer 7 Address");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'7' is not an index in 1..6"), std::string::npos) << r.error().message;
  auto seventh = schema().resolve("Alternates Peer 7 Address");
  ASSERT_FALSE(seventh.ok());
  EXPECT_NE(seventh.error().message.find("1..6"), std::string::npos);
  EXPECT_FALSE(schema().resolve("Zones Zone x Name").ok());
}

TEST(Schema, UnknownItemsAreNamed) {
  auto r = schema().resolve("H323 Gatekeeper Bogus");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unknown configuration item 'H323 Gatekeeper Bogus'");
  EXPECT_FALSE(schema().resolve("").ok());
  EXPECT_FALSE(schema().resolve("H323").ok());  // a prefix is not an item
}

TEST(Schema, IntegersMustBeWholeAndInRange) {
  EXPECT_EQ(*schema().validate("H323 Gatekeeper TimeToLive", "60"), "60");
  EXPECT_EQ(*schema().validate("H323 Gatekeeper TimeToLive", "+0120"), "120");
  EXPECT_EQ(error_of("H323 Gatekeeper TimeToLive", "59"),
            "H323 Gatekeeper TimeToLive: '59' is outside the range 60..65534");
  EXPECT_EQ(error_of("H323 Gatekeeper TimeToLive", "1e3"), "H323 Gatekeeper TimeToLive: '1e3' is not a whole number");
  EXPECT_EQ(error_of("H323 Gatekeeper TimeToLive", ""), "H323 Gatekeeper TimeToLive: '' is not a whole number");
  EXPECT_EQ(error_of("Alternates ConfigurationMaster", "7"), "Alternates ConfigurationMaster: '7' is outside the range 1..6");
}

TEST(Schema, ChoicesMatchCaseInsensitivelyAndListTheAlternatives) {
  EXPECT_EQ(*schema().validate("H323 Mode", "off"), "Off");
  EXPECT_EQ(*schema().validate("Alternates Cluster TlsVerificationMode", "ENFORCE"), "Enforce");
  EXPECT_EQ(error_of("H323 Mode", "maybe"), "H323 Mode: 'maybe' is not one of On, Off");
}

TEST(Schema, AddressesAndNames) {
  EXPECT_EQ(*schema().validate("Alternates Peer 1 Address", "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(*schema().validate("Alternates Peer 1 Address", "Peer1.Example.COM"), "peer1.example.com");
  EXPECT_EQ(*schema().validate("Alternates Peer 1 Address", ""), "");  // an empty slot
  EXPECT_EQ(*schema().validate("Alternates Peer 2 Address", "fd00::0001"), "fd00::1");
  EXPECT_NE(error_of("Alternates Peer 1 Address", "10.0.0.300").find("neither an IP address nor a host name"),
            std::string::npos);
  EXPECT_NE(error_of("Alternates Peer 1 Address", "-bad-.example.com").find("neither"), std::string::npos);
  EXPECT_EQ(*schema().validate("Alternates Cluster Name", "cluster1.example.com"), "cluster1.example.com");
  EXPECT_NE(error_of("Alternates Cluster Name", "cluster1").find("not a fully qualified domain name"), std::string::npos);
  EXPECT_NE(error_of("Alternates Cluster Name", "a..b").find("not a fully qualified"), std::string::npos);
  // The host name is one label: <System host name>.<DNS domain name> is the FQDN.
  EXPECT_EQ(*schema().validate("IP DNS Hostname", "VCS-Peer1"), "vcs-peer1");
  for (const char* bad : {"vcs peer1", "peer1.example.com", "-peer"}) {
    EXPECT_NE(error_of("IP DNS Hostname", bad).find("is not a host name (one DNS label"), std::string::npos) << bad;
  }
}

TEST(Schema, TextIsBoundedAndPrintableUnlessMultiline) {
  EXPECT_EQ(*schema().validate("SystemUnit Name", "VCS Peer 1"), "VCS Peer 1");
  EXPECT_EQ(error_of("SystemUnit Name", std::string(51, 'x')), "SystemUnit Name: value is longer than 50 characters");
  EXPECT_EQ(error_of("SystemUnit Name", "two\nlines"), "SystemUnit Name: value contains a control character");
  EXPECT_TRUE(schema().validate("Certificates TrustedCA", "-----BEGIN CERTIFICATE-----\nMII...\n").ok());
}

TEST(Schema, PeerSpecificItemsAreTheGuidesList) {
  // One item per area of the guide's "Peer-Specific Items", and nothing else.
  const std::set<std::string> guide_areas = {
      "Alternates",      // cluster configuration
      "Ethernet",        // Ethernet speed and LAN addresses
      "IP",              // gateway, static routes, DNS servers, host name and domain
      "SystemUnit",      // system name
      "NTP", "TimeZone", "SNMP", "Logging", "Certificates",
      "Administration",  // administration access and front panel mode
      "Option",          // option keys
      "Authentication",  // Active Directory machine name and credentials
      "Applications",    // Conference Factory template
  };
  std::size_t peer_items = 0;
  for (const ItemSpec& item : schema().items()) {
    if (item.scope != Scope::PeerSpecific) continue;
    ++peer_items;
    const std::string area = item.pattern.substr(0, item.pattern.find(' '));
    EXPECT_TRUE(guide_areas.count(area)) << item.pattern << " is peer-specific but not in the guide's list";
  }
  EXPECT_GE(peer_items, 40u);
  for (const char* path : {"SystemUnit Name", "IP DNS Server 1 Address", "NTP Server 1 Address", "TimeZone Name",
                           "Logging Server 1 Address", "Option 1 Key", "Applications ConferenceFactory Template",
                           "Administration LCDPanel Mode", "Authentication ADS Password", "Ethernet 1 Speed",
                           "IP Route 1 Gateway", "Alternates Peer 1 Address"}) {
    EXPECT_EQ(schema().resolve(path)->spec->scope, Scope::PeerSpecific) << path;
  }
  for (const char* path : {"H323 Mode", "SIP Mode", "Zones Zone 1 Name", "Zones Policy SearchRules Rule 1 Target",
                           "Transform 1 Pattern String", "Bandwidth Default", "Bandwidth Pipe 1 Name",
                           "Login Administrator 1 Name", "FindMe User 1 Name", "IPProtocol",
                           "Applications ConferenceFactory Alias", "Applications B2BUA Microsoft Mode",
                           "Call Services CallSignalingOptimization"}) {
    EXPECT_EQ(schema().resolve(path)->spec->scope, Scope::Replicated) << path;
  }
}

TEST(Schema, EveryDefaultIsValidForItsOwnItem) {
  for (const ItemSpec& item : schema().items()) {
    EXPECT_TRUE(check_value(item, item.pattern, item.default_value).ok()) << item.pattern;
  }
}

TEST(Schema, ClusteringChangesNeedARestartAndSecretsAreMarked) {
  EXPECT_TRUE(schema().resolve("Alternates ConfigurationMaster")->spec->restart_required);
  EXPECT_TRUE(schema().resolve("Alternates Peer 3 Address")->spec->restart_required);
  EXPECT_FALSE(schema().resolve("H323 Gatekeeper TimeToLive")->spec->restart_required);
  EXPECT_TRUE(schema().resolve("Login Administrator 1 PasswordHash")->spec->secret);
  EXPECT_TRUE(schema().resolve("Certificates Server PrivateKey")->spec->secret);
}

}  // namespace
}  // namespace tandem::config
