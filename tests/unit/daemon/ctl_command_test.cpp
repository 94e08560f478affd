// tandemctl's command line: what an operator types, with the VCS CLI habits,
// and the admin API request it becomes.

#include "runtime/daemon/ctl/ctl_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tandem::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using Words = std::vector<std::string>;

Command command(const Words& words) {
  auto parsed = parse_command(words);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : Command{};
}

std::vector<std::pair<std::string, std::string>> args_of(const Words& words) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const CommandArg& arg : command(words).args) out.emplace_back(arg.name, arg.value);
  return out;
}

std::string error_of(const Words& words) {
  auto parsed = parse_command(words);
  EXPECT_FALSE(parsed.ok()) << "expected an error for the command";
  return parsed.ok() ? "" : parsed.error().message;
}

std::string invocation_error(const Words& args) {
  auto parsed = parse_invocation(args);
  EXPECT_FALSE(parsed.ok()) << "expected an error for the command line";
  return parsed.ok() ? "" : parsed.error().message;
}

// ---- global options ----------------------------------------------------------

TEST(CtlInvocation, DefaultsToUserAdminPort8443AndTheSystemTrustStore) {
  auto parsed = parse_invocation({"--peer", "10.0.0.1", "xStatus"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->options.peer.host, "10.0.0.1");
  EXPECT_EQ(parsed->options.peer.port, 8443);
  EXPECT_EQ(parsed->options.user, "admin");
  EXPECT_EQ(parsed->options.trust, Trust::SystemDefault);
  EXPECT_TRUE(parsed->options.password_file.empty());
  EXPECT_FALSE(parsed->options.json);
  EXPECT_EQ(parsed->command.kind, CommandKind::Status);
}

TEST(CtlInvocation, ReadsEveryOptionInBothSpellings) {
  auto parsed = parse_invocation({"--peer=vcs1.example.com:9443", "--user", "ops", "--password-file=/run/pw",
                                  "--ca", "/etc/peer.pem", "--json", "xStatus", "Cluster"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Options& o = parsed->options;
  EXPECT_EQ(o.peer.host, "vcs1.example.com");
  EXPECT_EQ(o.peer.port, 9443);
  EXPECT_EQ(o.user, "ops");
  EXPECT_EQ(o.password_file, "/run/pw");
  EXPECT_EQ(o.trust, Trust::CaFile);
  EXPECT_EQ(o.ca_file, "/etc/peer.pem");
  EXPECT_TRUE(o.json);
  EXPECT_EQ(parsed->command.path, "Cluster");
}

TEST(CtlInvocation, InsecureSkipsVerification) {
  auto parsed = parse_invocation({"--insecure", "--peer", "10.0.0.1", "alarms"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->options.trust, Trust::Insecure);
}

TEST(CtlInvocation, HelpNeedsNothingElse) {
  auto parsed = parse_invocation({"--help"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->help);
  EXPECT_THAT(std::string(kUsage), HasSubstr("--peer ADDRESS[:PORT]"));
  EXPECT_THAT(std::string(kUsage), HasSubstr("xConfiguration <path>: <value>"));
  EXPECT_THAT(std::string(kUsage), HasSubstr("Exit status"));
}

TEST(CtlInvocation, RefusesWhatItCannotUse) {
  EXPECT_THAT(invocation_error({}), HasSubstr("--peer ADDRESS[:PORT] is required"));
  EXPECT_THAT(invocation_error({"xStatus"}), HasSubstr("--peer ADDRESS[:PORT] is required"));
  EXPECT_THAT(invocation_error({"--peer", "10.0.0.1"}), HasSubstr("expected a command: xStatus, xConfiguration"));
  EXPECT_THAT(invocation_error({"--peer"}), HasSubstr("--peer: expected a value after it"));
  EXPECT_THAT(invocation_error({"--peer=", "xStatus"}), HasSubstr("--peer: expected a value"));
  EXPECT_THAT(invocation_error({"--verbose", "--peer", "10.0.0.1", "xStatus"}), HasSubstr("unknown option '--verbose'"));
  EXPECT_THAT(invocation_error({"--peer", "10.0.0.1", "--ca", "a.pem", "--insecure", "xStatus"}),
              HasSubstr("--ca and --insecure exclude each other"));
  EXPECT_THAT(invocation_error({"--peer", "10.0.0.1", "--insecure", "--ca", "a.pem", "xStatus"}),
              HasSubstr("--ca and --insecure exclude each other"));
  EXPECT_THAT(invocation_error({"--peer", "10.0.0.1", "--user", "a:b", "xStatus"}), HasSubstr("cannot hold ':'"));
}

TEST(CtlInvocation, GlobalOptionsAfterTheCommandAreNamedAsSuch) {
  EXPECT_THAT(invocation_error({"--peer", "10.0.0.1", "xStatus", "--json"}),
              HasSubstr("unexpected option '--json' (global options go before the command)"));
  EXPECT_THAT(invocation_error({"--peer", "10.0.0.1", "alarms", "--json"}), HasSubstr("alarms: expected nothing"));
}

// ---- --peer ------------------------------------------------------------------

TEST(CtlPeer, TakesIpv4Ipv6AndNamesWithOrWithoutAPort) {
  struct Case {
    std::string text, host;
    std::uint16_t port;
    std::string shown;
  };
  for (const Case& c : std::vector<Case>{{"10.0.0.1", "10.0.0.1", 8443, "10.0.0.1:8443"},
                                         {"10.0.0.1:9000", "10.0.0.1", 9000, "10.0.0.1:9000"},
                                         {"vcs-1.example.com", "vcs-1.example.com", 8443, "vcs-1.example.com:8443"},
                                         {"localhost:1", "localhost", 1, "localhost:1"},
                                         {"[fe80::1]:8444", "fe80::1", 8444, "[fe80::1]:8444"},
                                         {"[::1]", "::1", 8443, "[::1]:8443"},
                                         {"2001:db8::7", "2001:db8::7", 8443, "[2001:db8::7]:8443"}}) {
    auto peer = parse_peer(c.text);
    ASSERT_TRUE(peer.ok()) << c.text << ": " << peer.error().message;
    EXPECT_EQ(peer->host, c.host) << c.text;
    EXPECT_EQ(peer->port, c.port) << c.text;
    EXPECT_EQ(peer->to_string(), c.shown) << c.text;
  }
}

TEST(CtlPeer, RefusesBadPortsAndUrls) {
  for (const std::string bad : {"10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:http", "10.0.0.1:", "[::1]:x", "[::1"}) {
    auto peer = parse_peer(bad);
    ASSERT_FALSE(peer.ok()) << bad;
    EXPECT_THAT(peer.error().message, HasSubstr("--peer '" + bad + "'"));
  }
  EXPECT_THAT(parse_peer("10.0.0.1:0").error().message, HasSubstr("expected a port from 1 to 65535, got '0'"));
  EXPECT_THAT(parse_peer("https://10.0.0.1").error().message, HasSubstr("no https://"));
  EXPECT_THAT(parse_peer("a b").error().message, HasSubstr("expected an IP address or a host name"));
}

// ---- xConfiguration ------------------------------------------------------------

TEST(CtlConfiguration, TheColonEndsThePathAndTheRestIsTheValue) {
  // As the shell hands it over from: xConfiguration SystemUnit Name: "peer one"
  const Command c = command({"xConfiguration", "SystemUnit", "Name:", "peer one"});
  EXPECT_EQ(c.kind, CommandKind::ConfigurationSet);
  EXPECT_EQ(c.path, "SystemUnit Name");
  EXPECT_EQ(c.value, "peer one");
}

TEST(CtlConfiguration, QuotesAroundTheValueAreOptional) {
  EXPECT_EQ(command({"xConfiguration", "SystemUnit", "Name:", "peer", "one"}).value, "peer one");
  EXPECT_EQ(command({"xConfiguration", "SystemUnit", "Name:", "\"peer one\""}).value, "peer one");
  EXPECT_EQ(command({"xConfiguration", "SystemUnit", "Name:\"peer one\""}).value, "peer one");
  EXPECT_EQ(command({"xConfiguration", "H323", "Gatekeeper", "TimeToLive:", "600"}).value, "600");
  EXPECT_EQ(command({"xConfiguration", "H323", "Gatekeeper", "TimeToLive:600"}).value, "600");
}

TEST(CtlConfiguration, AnEmptyValueIsWrittenAsTwoQuotes) {
  EXPECT_EQ(command({"xConfiguration", "SystemUnit", "Name:", "\"\""}).value, "");
  EXPECT_EQ(command({"xConfiguration", "SystemUnit", "Name:", ""}).value, "");  // the shell's ""
  EXPECT_THAT(error_of({"xConfiguration", "SystemUnit", "Name:"}),
              HasSubstr("xConfiguration SystemUnit Name: expected a value after ':'"));
}

TEST(CtlConfiguration, KeywordsAreCaseInsensitiveAsOnAVcs) {
  for (const std::string keyword : {"xconfiguration", "XCONFIGURATION", "xConfiguration"}) {
    const Command c = command({keyword, "H323", "Mode:", "On"});
    EXPECT_EQ(c.kind, CommandKind::ConfigurationSet) << keyword;
    EXPECT_EQ(c.path, "H323 Mode");
    EXPECT_EQ(c.value, "On");
  }
}

TEST(CtlConfiguration, WithoutAColonReadsAnItemOrAPrefix) {
  const Command item = command({"xConfiguration", "H323", "Gatekeeper", "TimeToLive"});
  EXPECT_EQ(item.kind, CommandKind::ConfigurationGet);
  EXPECT_EQ(item.path, "H323 Gatekeeper TimeToLive");
  EXPECT_EQ(command({"xConfiguration", "H323"}).path, "H323");
  EXPECT_EQ(command({"xConfiguration", "H323 Gatekeeper"}).path, "H323 Gatekeeper");  // one shell word
  EXPECT_THAT(error_of({"xConfiguration"}), HasSubstr("xConfiguration: expected an item or a prefix"));
}

TEST(CtlConfiguration, TheWholeLineMayComeAsOneWord) {
  const Command c = command({"xConfiguration SystemUnit Name: \"peer one\""});
  EXPECT_EQ(c.kind, CommandKind::ConfigurationSet);
  EXPECT_EQ(c.path, "SystemUnit Name");
  EXPECT_EQ(c.value, "peer one");
  EXPECT_EQ(command({"xConfiguration   H323   Mode"}).path, "H323 Mode");
  // A word from the shell after the keyword keeps its path and value apart too.
  const Command split = command({"xConfiguration", "SystemUnit Name: peer one"});
  EXPECT_EQ(split.path, "SystemUnit Name");
  EXPECT_EQ(split.value, "peer one");
  EXPECT_THAT(error_of({"xConfiguration SystemUnit Name: \"peer one"}), HasSubstr("unterminated quote"));
}

TEST(CtlConfiguration, AValueMayHoldColons) {
  EXPECT_EQ(command({"xConfiguration", "Ethernet", "1", "IPv6", "Address:", "fe80::1"}).value, "fe80::1");
  EXPECT_EQ(command({"xConfiguration", "Policy", "Server:", "https://10.0.0.9/policy"}).value, "https://10.0.0.9/policy");
  EXPECT_EQ(command({"xConfiguration", "SystemUnit", "Name:", "Big Room: Blue"}).value, "Big Room: Blue");
  EXPECT_EQ(command({"xConfiguration SystemUnit Name: \"Room: Blue\""}).value, "Room: Blue");
}

TEST(CtlConfiguration, OnePathValuePairPerCall) {
  EXPECT_THAT(error_of({"xConfiguration", "H323", "Mode:", "On", "SIP", "Mode:", "Off"}),
              HasSubstr("one 'path: value' per call, but 'Mode:' starts another"));
  EXPECT_THAT(error_of({"xConfiguration H323 Mode: On SIP Mode: Off"}), HasSubstr("one 'path: value' per call"));
  EXPECT_THAT(error_of({"xConfiguration SystemUnit Name: \"a\" H323 Mode: On"}),
              HasSubstr("expected nothing after the quoted value, got ' H323 Mode: On'"));
}

TEST(CtlConfiguration, BadPathsAndQuotesSayWhatWasExpected) {
  EXPECT_THAT(error_of({"xConfiguration", ":", "x"}), HasSubstr("expected a path before ':'"));
  EXPECT_THAT(error_of({"xConfiguration", "\"SystemUnit\"", "Name:", "x"}), HasSubstr("expected path words"));
  EXPECT_THAT(error_of({"xConfiguration", "SystemUnit", "Name:", "\"peer"}),
              HasSubstr("the value starts with a quote but has no closing quote"));
}

// ---- xCommand ------------------------------------------------------------------

TEST(CtlXCommand, ANameAloneRunsTheCommand) {
  for (const std::string name : {"Restart", "ForceConfigUpdate", "DefaultLinksAdd"}) {
    const Command c = command({"xCommand", name});
    EXPECT_EQ(c.kind, CommandKind::XCommand);
    EXPECT_EQ(c.name, name);
    EXPECT_THAT(c.args, IsEmpty());
  }
  EXPECT_EQ(command({"xcommand", "Restart"}).name, "Restart");
}

TEST(CtlXCommand, ArgumentsAreNameColonValue) {
  EXPECT_THAT(args_of({"xCommand", "DefaultValueSet", "Level:", "2"}), ElementsAre(Pair("Level", "2")));
  EXPECT_THAT(args_of({"xCommand", "AlarmAcknowledge", "Id:20011"}), ElementsAre(Pair("Id", "20011")));
  EXPECT_THAT(args_of({"xCommand PasswordSet Name: admin Password: \"two words\""}),
              ElementsAre(Pair("Name", "admin"), Pair("Password", "two words")));
}

TEST(CtlXCommand, AValueMaySpanWordsAndHoldColons) {
  EXPECT_THAT(args_of({"xCommand", "Backup", "Name:", "nightly", "copy", "Address:", "fe80::1"}),
              ElementsAre(Pair("Name", "nightly copy"), Pair("Address", "fe80::1")));
}

TEST(CtlXCommand, BadSyntaxSaysWhatWasExpected) {
  EXPECT_THAT(error_of({"xCommand"}), HasSubstr("xCommand: expected a command name, as in xCommand Restart"));
  EXPECT_THAT(error_of({"xCommand", "Level:", "2"}), HasSubstr("expected a command name (letters and digits), got 'Level:'"));
  EXPECT_THAT(error_of({"xCommand", "DefaultValueSet", "2"}),
              HasSubstr("xCommand DefaultValueSet: expected '<Arg>: <value>', got '2'"));
  EXPECT_THAT(error_of({"xCommand", "DefaultValueSet", "Level:"}), HasSubstr("expected a value after 'Level:'"));
  EXPECT_THAT(error_of({"xCommand", "Backup", "Name:", "Level:", "2"}), HasSubstr("expected a value after 'Name:'"));
  EXPECT_THAT(error_of({"xCommand", "DefaultValueSet", "Level:", "2", "level:", "3"}), HasSubstr("given twice"));
}

// ---- xStatus and the plain subcommands --------------------------------------------

TEST(CtlStatus, ReadsAllOrASubtree) {
  EXPECT_EQ(command({"xStatus"}).path, "");
  EXPECT_EQ(command({"xstatus", "Cluster", "Peers"}).path, "Cluster Peers");
  EXPECT_EQ(command({"xStatus", "Cluster Peers"}).path, "Cluster Peers");
  EXPECT_EQ(command({"xStatus Cluster DatabaseStatus"}).path, "Cluster DatabaseStatus");
  EXPECT_THAT(error_of({"xStatus", "Cluster:"}), HasSubstr("xStatus: expected path words, got 'Cluster:'"));
}

TEST(CtlSubcommands, AlarmsAndAcknowledge) {
  EXPECT_EQ(command({"alarms"}).kind, CommandKind::Alarms);
  const Command ack = command({"alarms", "acknowledge", "20011"});
  EXPECT_EQ(ack.kind, CommandKind::AlarmAcknowledge);
  EXPECT_EQ(ack.name, "20011");
  EXPECT_THAT(error_of({"alarms", "acknowledge"}), HasSubstr("expected nothing or 'acknowledge <id>', got no id"));
  EXPECT_THAT(error_of({"alarms", "clear"}), HasSubstr("got 'clear'"));
  EXPECT_THAT(error_of({"alarms", "acknowledge", "a/b"}), HasSubstr("expected an alarm id, got 'a/b'"));
}

TEST(CtlSubcommands, LogsTakeALimit) {
  EXPECT_EQ(command({"events"}).limit, 0);
  EXPECT_EQ(command({"events", "--limit", "5"}).limit, 5);
  EXPECT_EQ(command({"configlog", "--limit=20"}).limit, 20);
  EXPECT_EQ(command({"configlog"}).kind, CommandKind::ConfigLog);
  EXPECT_THAT(error_of({"events", "--limit"}), HasSubstr("events: expected [--limit N], got no N"));
  EXPECT_THAT(error_of({"events", "--limit", "0"}), HasSubstr("events --limit: expected a whole number from 1 to"));
  EXPECT_THAT(error_of({"events", "--limit", "ten"}), HasSubstr("got 'ten'"));
  EXPECT_THAT(error_of({"events", "--limit", "99999999999"}), HasSubstr("got '99999999999'"));
  EXPECT_THAT(error_of({"configlog", "--count", "3"}), HasSubstr("configlog: expected [--limit N], got '--count'"));
}

TEST(CtlSubcommands, WatchTakesACountAndPrerequisitesNothing) {
  EXPECT_EQ(command({"watch"}).count, 0);
  EXPECT_EQ(command({"watch", "--count", "3"}).count, 3);
  EXPECT_EQ(command({"prerequisites"}).kind, CommandKind::Prerequisites);
  EXPECT_THAT(error_of({"prerequisites", "now"}), HasSubstr("prerequisites: expected nothing after it, got 'now'"));
  EXPECT_THAT(error_of({"watch", "--limit", "3"}), HasSubstr("watch: expected [--count N]"));
}

TEST(CtlSubcommands, AnUnknownCommandListsTheKnownOnes) {
  EXPECT_THAT(error_of({"xstat"}), HasSubstr("unknown command 'xstat': expected xStatus, xConfiguration, xCommand"));
  EXPECT_THAT(error_of({"   "}), HasSubstr("expected a command"));
}

// ---- requests -----------------------------------------------------------------

TEST(CtlRequest, QueryValuesAreUrlEncodedWithSpacesAsPercent20) {
  EXPECT_EQ(url_encode("Cluster Peers"), "Cluster%20Peers");
  EXPECT_EQ(url_encode("a+b&c=d/é"), "a%2Bb%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(url_encode("Az09-._~"), "Az09-._~");
}

TEST(CtlRequest, EachCommandMakesItsRoute) {
  struct Case {
    Words words;
    std::string method, target;
  };
  for (const Case& c : std::vector<Case>{
           {{"xStatus"}, "GET", "/api/v1/status"},
           {{"xStatus", "Cluster", "Peers"}, "GET", "/api/v1/status?path=Cluster%20Peers"},
           {{"xConfiguration", "H323", "Mode"}, "GET", "/api/v1/configuration?path=H323%20Mode"},
           {{"xConfiguration", "H323", "Mode:", "On"}, "POST", "/api/v1/configuration"},
           {{"xCommand", "Restart"}, "POST", "/api/v1/command/Restart"},
           {{"alarms"}, "GET", "/api/v1/alarms"},
           {{"alarms", "acknowledge", "20011"}, "POST", "/api/v1/alarms/20011/acknowledge"},
           {{"events"}, "GET", "/api/v1/events"},
           {{"events", "--limit", "5"}, "GET", "/api/v1/events?limit=5"},
           {{"configlog", "--limit", "7"}, "GET", "/api/v1/configlog?limit=7"},
           {{"prerequisites"}, "GET", "/api/v1/prerequisites"},
           {{"watch"}, "GET", "/api/v1/watch?after=0&wait_ms=0"},
       }) {
    const HttpRequest request = to_request(command(c.words));
    EXPECT_EQ(request.method, c.method) << c.target;
    EXPECT_EQ(request.target, c.target);
  }
  EXPECT_EQ(watch_request(17, 30000).target, "/api/v1/watch?after=17&wait_ms=30000");
}

TEST(CtlRequest, ASetSendsOneChangeAsJson) {
  const HttpRequest request = to_request(command({"xConfiguration", "SystemUnit", "Name:", "peer \"one\""}));
  const auto body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body, nlohmann::json::parse(R"({"changes":[{"path":"SystemUnit Name","value":"peer \"one\""}]})"));
}

TEST(CtlRequest, CommandArgumentsGoAsStrings) {
  const auto body = nlohmann::json::parse(to_request(command({"xCommand", "DefaultValueSet", "Level:", "2"})).body);
  EXPECT_EQ(body, nlohmann::json::parse(R"({"args":{"Level":"2"}})"));
  const auto none = nlohmann::json::parse(to_request(command({"xCommand", "Restart"})).body);
  EXPECT_EQ(none, nlohmann::json::parse(R"({"args":{}})"));
}

TEST(CtlCommand, RegistrationsAndLocateAskTheirRoutes) {
  const Command all = command({"registrations"});
  EXPECT_EQ(all.kind, CommandKind::Registrations);
  EXPECT_EQ(to_request(all).target, "/api/v1/registrations");
  EXPECT_EQ(to_request(command({"registrations", "sip:a@example.com"})).target,
            "/api/v1/registrations?aor=sip%3Aa%40example.com");
  const Command locate = command({"LOCATE", "sip:bob@example.com"});
  EXPECT_EQ(locate.kind, CommandKind::Locate);
  EXPECT_EQ(to_request(locate).method, "GET");
  EXPECT_EQ(to_request(locate).target, "/api/v1/locate?alias=sip%3Abob%40example.com");
  EXPECT_EQ(error_of({"locate"}), "locate: expected one alias, e.g. locate sip:alice@example.com");
  EXPECT_EQ(error_of({"registrations", "a", "b"}), "registrations: expected at most one address of record, got 'b'");
}

}  // namespace
}  // namespace tandem::ctl
