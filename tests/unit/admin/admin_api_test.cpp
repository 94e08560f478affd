// The admin API on twin peers, as an operator (tandemctl, the GUI) uses it:
// who may do what, the automated protection service, xConfiguration, xStatus,
// xCommand, alarms and logs, and the errors a client sees when it gets
// something wrong.

#include "runtime/admin/admin_api.hpp"

#include <gtest/gtest.h>

#include "runtime/wire/sip_message.hpp"
#include "tests/unit/sip/sip_samples.hpp"

#include "runtime/config/maintenance.hpp"
#include "runtime/core/sha256.hpp"
#include "tests/unit/admin/admin_twin.hpp"

namespace tandem::admin {
namespace {

using cluster::AlarmId;

const IpAddress kGuesser = IpAddress::v4(198, 51, 100, 7);

class AdminApiTest : public AdminTwin {
 protected:
  void stand_alone(const std::vector<config::Change>& extra = {}) {
    build(1, false);
    start(1, extra);
  }
  Response configure(int slot, const std::string& path, const std::string& value) {
    return call(slot, "POST", "/api/v1/configuration", to_text(Json{{"changes", {{{"path", path}, {"value", value}}}}}));
  }
  Response command(int slot, const std::string& name, const Json& args = Json::object()) {
    return call(slot, "POST", "/api/v1/command/" + name, to_text(Json{{"args", args}}));
  }
};

// ---- authentication and access levels ------------------------------------------

TEST_F(AdminApiTest, EveryRequestNeedsValidCredentialsAndIsNotToldWhichPartWasWrong) {
  stand_alone();
  const std::string target = "/api/v1/status";
  const std::vector<std::string> headers = {
      "",                                                           // none
      basic("admin", "wrong"),                                      // wrong password
      basic("nobody", kAdminPassword),                              // unknown user
      basic("Admin", kAdminPassword),                               // names are exact
      "Bearer abc",                                                 // another scheme
      "Basic !!!",                                                  // not base64
      "Basic " + base64_encode(std::vector<std::uint8_t>{'a', 'b'}),  // no colon
  };
  std::uint8_t source = 1;  // one source each: automated protection is not under test here
  for (const std::string& authorization : headers) {
    const Response r = call(1, "GET", target, "", authorization, IpAddress::v4(203, 0, 113, source++));
    EXPECT_TRUE(refused(r, 401, "authentication required: the user name or password is not valid")) << authorization;
    EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Basic realm="tandem")");
  }
  EXPECT_EQ(call(1, "GET", target).status, 200);
  EXPECT_EQ(call(1, "GET", target, "", "basic " + basic("admin", kAdminPassword).substr(6)).status, 200);
}

TEST_F(AdminApiTest, ADisabledAccountIsRefusedEvenWithItsPassword) {
  stand_alone();
  const Response r = call(1, "GET", "/api/v1/status", "", basic("retired", kRetiredPassword));
  EXPECT_TRUE(refused(r, 401, "authentication required: the user name or password is not valid"));
}

TEST_F(AdminApiTest, ReadOnlyMayReadButNotChangeAnything) {
  stand_alone();
  const std::string viewer = basic("viewer", kViewerPassword);
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", viewer).status, 200);
  EXPECT_EQ(call(1, "GET", "/api/v1/configuration?path=H323%20Mode", "", viewer).status, 200);
  EXPECT_EQ(call(1, "GET", "/api/v1/events", "", viewer).status, 200);
  const Response r = call(1, "POST", "/api/v1/configuration",
                          R"({"changes": [{"path": "H323 Mode", "value": "Off"}]})", viewer);
  EXPECT_TRUE(refused(r, 403, "access level ReadOnly may only read (GET); POST /api/v1/configuration needs ReadWrite"));
  EXPECT_EQ(call(1, "POST", "/api/v1/command/Restart", "", viewer).status, 403);
  EXPECT_EQ(*peer(1).get("H323 Mode"), "On");
  EXPECT_EQ(*restarts_, 0);
}

TEST_F(AdminApiTest, AnAuditorMayOnlyReadTheLogs) {
  stand_alone();
  const std::string auditor = basic("auditor", kAuditorPassword);
  EXPECT_EQ(call(1, "GET", "/api/v1/events", "", auditor).status, 200);
  EXPECT_EQ(call(1, "GET", "/api/v1/configlog", "", auditor).status, 200);
  const Response r = call(1, "GET", "/api/v1/status", "", auditor);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(error(r).find("access level Auditor may only read the logs"), std::string::npos) << error(r);
}

// ---- automated protection --------------------------------------------------------

TEST_F(AdminApiTest, FiveFailedLoginsBlockTheSourceEvenForTheRightPasswordUntilThePeriodEnds) {
  stand_alone();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", "guess" + std::to_string(i)), kGuesser).status, 401);
    run(5s);
  }
  Response r = call(1, "GET", "/api/v1/status", "", basic("admin", kAdminPassword), kGuesser);
  EXPECT_TRUE(refused(r, 429, "source 198.51.100.7 is blocked by the automated protection service after repeated "
                              "failed logins; try again in 295 s"));
  EXPECT_EQ(header(r, "Retry-After"), "295");
  EXPECT_EQ(call(1, "GET", "/api/v1/status").status, 200);  // other sources are not blocked
  run(294s);
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", kAdminPassword), kGuesser).status, 429);
  run(1s);
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", kAdminPassword), kGuesser).status, 200);
  bool logged = false;
  for (const auto& line : sim_.logs()) logged |= line.message.starts_with("automated protection: blocking 198.51.100.7");
  EXPECT_TRUE(logged);
}

TEST_F(AdminApiTest, AskingWithoutCredentialsIsNotAFailedLogin) {
  stand_alone();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(call(1, "GET", "/api/v1/status", "", "", kGuesser).status, 401);
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", kAdminPassword), kGuesser).status, 200);
}

TEST_F(AdminApiTest, ASuccessfulLoginClearsTheFailures) {
  stand_alone();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", "guess"), kGuesser).status, 401);
    }
    EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", kAdminPassword), kGuesser).status, 200);
  }
}

TEST_F(AdminApiTest, WithProtectionOffASourceIsNeverBlocked) {
  stand_alone({{"Administration AutomatedProtection Mode", "Off"}});
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", "guess"), kGuesser).status, 401);
  }
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", kAdminPassword), kGuesser).status, 200);
  // Turned on again (it is peer-specific configuration), it counts from then on.
  EXPECT_EQ(configure(1, "Administration AutomatedProtection Mode", "On").status, 200);
  for (int i = 0; i < 5; ++i) (void)call(1, "GET", "/api/v1/status", "", basic("admin", "guess"), kGuesser);
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("admin", kAdminPassword), kGuesser).status, 429);
}

// ---- configuration -------------------------------------------------------------------

TEST_F(AdminApiTest, ConfigurationIsReadAndWrittenThroughTheApi) {
  stand_alone();
  Response r = configure(1, "h323 gatekeeper timetolive", "600");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r), (Json{{"changed", 1}, {"restart_required", Json::array()}}));
  r = call(1, "GET", "/api/v1/configuration?path=H323+Gatekeeper+TimeToLive");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r), (Json{{"path", "H323 Gatekeeper TimeToLive"}, {"value", "600"}}));
  // The configuration log names the administrator who made the change.
  r = call(1, "GET", "/api/v1/configlog?limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["entries"][0]["actor"], "admin");
  EXPECT_EQ(json(r)["entries"][0]["new_value"], "600");
}

TEST_F(AdminApiTest, ARefusedValueNamesTheItemAndRuleAndWritesNothing) {
  stand_alone();
  const Response r = call(1, "POST", "/api/v1/configuration",
                          to_text(Json{{"changes",
                                        {{{"path", "H323 Mode"}, {"value", "Off"}},
                                         {{"path", "H323 Gatekeeper TimeToLive"}, {"value", 5}}}}}));
  EXPECT_TRUE(refused(r, 400, "H323 Gatekeeper TimeToLive: '5' is outside the range 60..65534"));
  EXPECT_EQ(*peer(1).get("H323 Mode"), "On");  // all or nothing
  EXPECT_EQ(*peer(1).get("H323 Gatekeeper TimeToLive"), "1800");
}

TEST_F(AdminApiTest, AChangeThatNeedsARestartSaysSo) {
  stand_alone();
  const Response r = configure(1, "SIP TCP Port", "5070");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["restart_required"], Json::array({"SIP TCP Port"}));
  EXPECT_TRUE(peer(1).alarms().active(AlarmId::RestartRequired));
}

TEST_F(AdminApiTest, SecretsAreNeverShown) {
  stand_alone({{"Authentication ADS Password", "hunter2"}});
  Response r = call(1, "GET", "/api/v1/configuration?path=Login%20Administrator%201%20PasswordHash");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["value"], "***");
  r = call(1, "GET", "/api/v1/configuration?path=Authentication");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
  r = call(1, "GET", "/api/v1/configuration?path=Login");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("pbkdf2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"path":"Login Administrator 1 Name","value":"admin"})"), std::string::npos) << r.body;
}

TEST_F(AdminApiTest, APrefixListsStoredItemsAndNonTableDefaults) {
  stand_alone();
  ASSERT_EQ(configure(1, "Zones Zone 3 Name", "Partner").status, 200);
  ASSERT_EQ(configure(1, "Zones Zone 30 Name", "Other").status, 200);
  Response r = call(1, "GET", "/api/v1/configuration?path=zones%20zone%203");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r), (Json{{"path", "Zones Zone 3"},
                           {"items", {{{"path", "Zones Zone 3 Name"}, {"value", "Partner"}}}},
                           {"truncated", false}}));
  r = call(1, "GET", "/api/v1/configuration?path=H323");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json items = json(r)["items"];
  ASSERT_EQ(items.size(), 5u) << r.body;  // Mode, TimeToLive, two ports, AutoDiscovery
  EXPECT_EQ(items[0], (Json{{"path", "H323 Gatekeeper AutoDiscovery Mode"}, {"value", "On"}}));
  EXPECT_EQ(call(1, "GET", "/api/v1/configuration?path=Zones%20Zone%207").status, 200);  // valid, nothing stored
}

TEST_F(AdminApiTest, AnUnknownItemOrAMissingPathIsNamed) {
  stand_alone();
  Response r = call(1, "GET", "/api/v1/configuration?path=H323%20Gatekeeper%20Colour");
  EXPECT_TRUE(refused(r, 404, "unknown configuration item 'H323 Gatekeeper Colour'"));
  r = call(1, "GET", "/api/v1/configuration?path=Zones%20Zone%201001");
  EXPECT_TRUE(refused(r, 404, "unknown configuration item 'Zones Zone 1001': '1001' is not an index in 1..1000"));
  r = call(1, "GET", "/api/v1/configuration");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error(r).find("needs ?path="), std::string::npos);
}

TEST_F(AdminApiTest, AChangeOnThePrimaryShowsOnTheSubordinate) {
  cluster_of_two();
  ASSERT_EQ(configure(1, "Zones Zone 1 Name", "Partner").status, 200);
  run(200ms);
  const Response r = call(2, "GET", "/api/v1/configuration?path=Zones%20Zone%201%20Name");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["value"], "Partner");
  // On the subordinate, an edit to a replicated item is possible but warned of.
  const Response local = configure(2, "Zones Zone 2 Name", "Local");
  ASSERT_EQ(local.status, 200) << local.body;
  EXPECT_NE(json(local).value("warning", "").find("will overwrite replicated items"), std::string::npos) << local.body;
}

// ---- malformed requests --------------------------------------------------------------

TEST_F(AdminApiTest, MalformedBodiesGetAClearError) {
  stand_alone();
  const std::string shape = R"({"changes": [{"path": "...", "value": "..."}, ...]})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "the body is not valid JSON; expected " + shape},
      {"", "the body is not valid JSON; expected " + shape},
      {"[]", "the body must be " + shape},
      {R"({"changes": "H323 Mode"})", "the body must be " + shape},
      {R"({"changes": []})", "'changes' is empty: nothing to configure"},
      {R"({"changes": [{"path": 1, "value": "x"}]})", R"(changes[0] must be {"path": "...", "value": "..."})"},
      {R"({"changes": [{"path": "H323 Mode", "value": true}]})", "changes[0].value must be a string or a whole number"},
  };
  for (const auto& [body, message] : cases) {
    const Response r = call(1, "POST", "/api/v1/configuration", body);
    EXPECT_TRUE(refused(r, 400, message)) << body;
  }
  const Response r = call(1, "POST", "/api/v1/command/Restart", "{nope");
  EXPECT_TRUE(refused(r, 400, R"(the body is not valid JSON; expected {"args": {...}})"));
  EXPECT_EQ(*restarts_, 0);
}

TEST_F(AdminApiTest, UnknownRoutesMethodsAndParametersAreRefusedByName) {
  stand_alone();
  Response r = call(1, "GET", "/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(error(r).starts_with("no such route: GET /api/v1/nothing")) << error(r);
  r = call(1, "DELETE", "/api/v1/configuration");
  EXPECT_TRUE(refused(r, 405, "method DELETE is not allowed on /api/v1/configuration; it takes GET, POST"));
  EXPECT_EQ(header(r, "Allow"), "GET, POST");
  r = call(1, "GET", "/api/v1/status?colour=red");
  EXPECT_TRUE(refused(r, 400, "GET /api/v1/status takes no query parameter 'colour'"));
  r = call(1, "GET", "/api/v1/configuration?path=H323%2");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error(r).find("bad percent-encoding '%2'"), std::string::npos) << error(r);
  r = call(1, "GET", "/api/v1/events?limit=0");
  EXPECT_TRUE(refused(r, 400, "limit '0' is not a whole number from 1 to 1000"));
  EXPECT_EQ(call(1, "GET", "/api/v1/configlog?limit=lots").status, 400);
  EXPECT_EQ(call(1, "GET", "/api/v1/events?limit=1001").status, 400);
}

// ---- status ----------------------------------------------------------------------------

TEST_F(AdminApiTest, RegistrationsShowInStatusAndUnregisterRemovesThem) {
  cluster_of_two();
  EXPECT_EQ(json(call(1, "GET", "/api/v1/status?path=SIP"))["SIP"]["Registrations"], 0);
  EXPECT_EQ(json(call(1, "GET", "/api/v1/status?path=H323"))["H323"]["Registrations"], 0);  // the gatekeeper's
  auto request = wire::parse_sip_message(sip::test::register_text({}));
  ASSERT_TRUE(request.ok()) << request.error().message;
  const sip::RequestContext from_phone{Endpoint{IpAddress::v4(10, 0, 0, 50), 5060}, sip::Transport::Udp, 0,
                                       host(1).env()->now(), false};
  auto answer = peer(1).sip()->registrar().handle(*request, from_phone);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(json(call(1, "GET", "/api/v1/status?path=SIP"))["SIP"]["Registrations"], 1);

  const auto body = R"({"args": {"AddressOfRecord": "sip:alice@example.com"}})";
  const Response removed = call(1, "POST", "/api/v1/command/Unregister", body);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(json(removed)["removed"], 1);
  EXPECT_EQ(json(call(1, "GET", "/api/v1/status?path=SIP"))["SIP"]["Registrations"], 0);
  const Response again = call(1, "POST", "/api/v1/command/Unregister", body);
  EXPECT_EQ(again.status, 404);
  EXPECT_NE(error(again).find("no registration for 'sip:alice@example.com'"), std::string::npos) << again.body;
  EXPECT_EQ(call(1, "POST", "/api/v1/command/Unregister", R"({"args": {}})").status, 400);
}

TEST_F(AdminApiTest, RegistrationsAreListedByDeviceAndLocatedAcrossTheCluster) {
  cluster_of_two();
  for (const char* user : {"alice", "bob"}) {
    const std::string u = user;
    auto request = wire::parse_sip_message(sip::test::register_text(
        {.aor = "sip:" + u + "@example.com", .contacts = {"<sip:" + u + "@10.0.0.50:5060>"}, .call_id = u + "-call"}));
    ASSERT_TRUE(request.ok()) << request.error().message;
    const sip::RequestContext from_phone{Endpoint{IpAddress::v4(10, 0, 0, 50), 5060}, sip::Transport::Udp, 0,
                                         host(2).env()->now(), false};
    ASSERT_EQ(peer(2).sip()->registrar().handle(*request, from_phone)->status, 200);
  }
  const Json all = json(call(2, "GET", "/api/v1/registrations"));
  ASSERT_EQ(all["registrations"].size(), 2u) << all.dump();
  EXPECT_EQ(all["registrations"][0]["AddressOfRecord"], "sip:alice@example.com");
  EXPECT_EQ(all["registrations"][0]["Contact"], "<sip:alice@10.0.0.50:5060>");
  EXPECT_EQ(all["registrations"][0]["Transport"], "UDP");
  EXPECT_EQ(all["registrations"][0]["Source"], "10.0.0.50:5060");
  EXPECT_EQ(all["next"], nullptr);
  const Json page = json(call(2, "GET", "/api/v1/registrations?limit=1"));
  ASSERT_EQ(page["registrations"].size(), 1u);
  EXPECT_EQ(page["next"], "sip:alice@example.com");
  const Json rest = json(call(2, "GET", "/api/v1/registrations?limit=1&after=sip:alice@example.com"));
  EXPECT_EQ(rest["registrations"][0]["AddressOfRecord"], "sip:bob@example.com");
  const Json one = json(call(2, "GET", "/api/v1/registrations?aor=sip:bob@example.com"));
  ASSERT_EQ(one["registrations"].size(), 1u);
  EXPECT_EQ(json(call(1, "GET", "/api/v1/registrations"))["registrations"].size(), 0u);

  // Asked on peer 1, the lookup finds bob on peer 2: the answer comes once peer 2 has replied.
  run(3s);  // the heartbeats carry peer 2's count meanwhile
  EXPECT_EQ(json(call(1, "GET", "/api/v1/status?path=Cluster Peers"))["Cluster"]["Peers"][1]["Registrations"], 2);
  auto pending = send(1, "GET", "/api/v1/locate?alias=sip:bob@example.com", basic("admin", kAdminPassword));
  EXPECT_FALSE(pending->response.has_value());
  run(100ms);
  ASSERT_TRUE(pending->response.has_value());
  const Json located = json(*pending->response);
  EXPECT_EQ(located["alias"], "sip:bob@example.com");
  ASSERT_EQ(located["peers"].size(), 2u);
  EXPECT_EQ(located["peers"][0]["Result"], "NotFound");
  EXPECT_EQ(located["peers"][1]["Result"], "Found");
  EXPECT_EQ(located["peers"][1]["Registrations"][0]["Contact"], "<sip:bob@10.0.0.50:5060>");
  EXPECT_TRUE(refused(call(1, "GET", "/api/v1/locate"), 400,
                      "GET /api/v1/locate needs ?alias=<address>, e.g. ?alias=sip:alice@example.com"));
  EXPECT_EQ(call(1, "GET", "/api/v1/registrations?limit=0").status, 400);
}

TEST_F(AdminApiTest, StatusDescribesTheClusterAsThisPeerSeesIt) {
  cluster_of_two();
  const Response r = call(1, "GET", "/api/v1/status");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json s = json(r);
  EXPECT_EQ(s["SystemUnit"]["Name"], "vcs-1");
  EXPECT_EQ(s["SystemUnit"]["Software"]["Version"], "X8.9.1");
  EXPECT_EQ(s["SystemUnit"]["MaintenanceMode"], "Off");
  const Json& c = s["Cluster"];
  EXPECT_EQ(c["Clustered"], true);
  EXPECT_EQ(c["Name"], "cluster.tandem.test");
  EXPECT_EQ(c["ThisSystem"], 1);
  EXPECT_EQ(c["ConfigurationPrimary"], 1);
  EXPECT_EQ(c["TlsVerificationMode"], "Permissive");
  EXPECT_EQ(c["DatabaseStatus"], "Active");
  EXPECT_FALSE(c["Lineage"].get<std::string>().empty());
  ASSERT_EQ(c["Peers"].size(), 2u);
  EXPECT_EQ(c["Peers"][0]["State"], "This system");
  const Json& other = c["Peers"][1];
  EXPECT_EQ(other["Slot"], 2);
  EXPECT_EQ(other["Address"], "10.0.0.2");
  EXPECT_EQ(other["State"], "Active");
  EXPECT_EQ(other["SystemName"], "vcs-2");
  EXPECT_EQ(other["SoftwareVersion"], "X8.9.1");
  EXPECT_EQ(other["AppliedRevision"], c["AppliedRevision"]);
  EXPECT_TRUE(other["RttMs"].is_number());
  EXPECT_TRUE(other["LastContact"].get<std::string>().starts_with("2026-01-01T00:00:0")) << other["LastContact"];
  EXPECT_EQ(s["Alarms"]["Active"], 0);
  EXPECT_TRUE(s["Licences"]["Total"].contains("TraversalCalls"));
}

TEST_F(AdminApiTest, AStatusPathSelectsASubtreeLikeXStatus) {
  cluster_of_two();
  Response r = call(1, "GET", "/api/v1/status?path=cluster%20peers");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json s = json(r);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s["Cluster"].size(), 1u);
  EXPECT_EQ(s["Cluster"]["Peers"].size(), 2u);
  r = call(1, "GET", "/api/v1/status?path=Cluster+DatabaseStatus");
  EXPECT_EQ(json(r), (Json{{"Cluster", {{"DatabaseStatus", "Active"}}}}));
  r = call(1, "GET", "/api/v1/status?path=Cluster%20Colour");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(error(r).starts_with("no status 'Cluster Colour': 'Colour' is not in 'Cluster' (it has Clustered, Name,"))
      << error(r);
}

TEST_F(AdminApiTest, AStandAlonePeerSaysItIsNotClustered) {
  stand_alone();
  const Json c = json(call(1, "GET", "/api/v1/status?path=Cluster"))["Cluster"];
  EXPECT_EQ(c["Clustered"], false);
  EXPECT_EQ(c["DatabaseStatus"], "Inactive");
  EXPECT_EQ(c["ThisSystem"], nullptr);
  EXPECT_EQ(c["Peers"], Json::array());
}

TEST_F(AdminApiTest, PrerequisitesArePassOrFailItems) {
  cluster_of_two();
  const Response r = call(1, "GET", "/api/v1/prerequisites");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json p = json(r);
  EXPECT_EQ(p["passed"], false);  // no DNS server is configured on either peer
  bool dns = false;
  for (const Json& item : p["items"]) {
    if (item["name"] == "Every peer has a DNS server") {
      dns = true;
      EXPECT_EQ(item["passed"], false);
      EXPECT_NE(item["detail"].get<std::string>().find("no DNS server configured"), std::string::npos);
    }
  }
  EXPECT_TRUE(dns) << r.body;
}

// ---- commands and alarms ---------------------------------------------------------------

TEST_F(AdminApiTest, RestartRepliesFirstAndThenCallsTheHook) {
  stand_alone();
  int restarts_at_reply = -1;
  const auto pending = std::make_shared<Pending>();
  api(1).handle(Request{"POST", "/api/v1/command/restart", basic("admin", kAdminPassword), "", {}},
                [&, pending](Response r) {
                  restarts_at_reply = *restarts_;
                  pending->response = std::move(r);
                });
  ASSERT_TRUE(pending->response.has_value());
  EXPECT_EQ(pending->response->status, 200);
  EXPECT_EQ(pending->json(), (Json{{"command", "Restart"}, {"result", "restarting"}}));
  EXPECT_EQ(restarts_at_reply, 0);
  run(1ms);
  EXPECT_EQ(*restarts_, 1);
}

TEST_F(AdminApiTest, AlarmsAreListedAndAcknowledged) {
  stand_alone();
  ASSERT_EQ(configure(1, "SIP TCP Port", "5070").status, 200);  // raises "restart required"
  Response r = call(1, "GET", "/api/v1/alarms");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json alarm = json(r)["alarms"][0];
  EXPECT_EQ(alarm["id"], 20012);
  EXPECT_EQ(alarm["detail"], "SIP TCP Port");
  EXPECT_EQ(alarm["raised_at"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(alarm["acknowledged"], false);
  EXPECT_FALSE(alarm["text"].get<std::string>().empty());
  EXPECT_TRUE(alarm.contains("severity") && alarm.contains("action"));

  r = command(1, "AlarmAcknowledge", {{"Id", 20012}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(peer(1).alarms().find(AlarmId::RestartRequired)->acknowledged);
  EXPECT_EQ(json(call(1, "GET", "/api/v1/alarms"))["alarms"][0]["acknowledged"], true);
  EXPECT_EQ(call(1, "POST", "/api/v1/alarms/20012/acknowledge").status, 200);

  r = call(1, "POST", "/api/v1/alarms/20011/acknowledge");
  EXPECT_TRUE(refused(r, 404, "alarm 20011 is not active"));
  EXPECT_EQ(call(1, "POST", "/api/v1/alarms/99/acknowledge").status, 404);
  EXPECT_EQ(call(1, "POST", "/api/v1/alarms/lots/acknowledge").status, 400);
  EXPECT_EQ(command(1, "AlarmAcknowledge", {{"Id", "x"}}).status, 400);
}

TEST_F(AdminApiTest, ForceConfigUpdateRunsOnlyOnASubordinate) {
  cluster_of_two();
  Response r = command(1, "ForceConfigUpdate");
  EXPECT_TRUE(refused(r, 409, "ForceConfigUpdate runs on a subordinate; this peer is the configuration primary"));
  r = command(2, "ForceConfigUpdate");
  ASSERT_EQ(r.status, 200) << r.body;
  run(1s);
  EXPECT_EQ(json(call(2, "GET", "/api/v1/status?path=Cluster%20DatabaseStatus"))["Cluster"]["DatabaseStatus"], "Active");
}

TEST_F(AdminApiTest, ForceConfigUpdateIsRefusedOnAStandAlonePeer) {
  stand_alone();
  const Response r = command(1, "forceconfigupdate");
  EXPECT_TRUE(refused(r, 409, "ForceConfigUpdate runs on a subordinate of a cluster; this peer is not in a cluster"));
}

TEST_F(AdminApiTest, DefaultValueSetAndDefaultLinksAddPrepareAPeerToJoin) {
  stand_alone();
  ASSERT_EQ(configure(1, "Zones Zone 1 Name", "Old").status, 200);
  Response r = command(1, "DefaultValueSet", {{"Level", 3}});
  EXPECT_TRUE(refused(r, 400, "DefaultValueSet supports Level 2 only, not Level 3"));
  EXPECT_EQ(command(1, "DefaultValueSet").status, 400);  // Level is required
  r = command(1, "DefaultValueSet", {{"level", "2"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(*peer(1).get("Zones Zone 1 Name"), "");
  EXPECT_EQ(call(1, "GET", "/api/v1/status").status, 200);  // the administrator accounts stay
  r = command(1, "DefaultLinksAdd");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["added"], 5);
  EXPECT_EQ(*peer(1).get("Bandwidth Link 1 Name"), "DefaultSZtoTraversalSZ");
}

TEST_F(AdminApiTest, UnknownCommandsAndArgumentsAreNamed) {
  stand_alone();
  Response r = command(1, "SelfDestruct");
  EXPECT_TRUE(refused(r, 404, "unknown command 'SelfDestruct'; known commands: Restart, ForceConfigUpdate, "
                              "DefaultValueSet, DefaultLinksAdd, AlarmAcknowledge, Backup, MaintenanceMode, PasswordSet, "
                              "Unregister, FactoryReset, Restore"));
  r = command(1, "Restart", {{"Delay", 5}});
  EXPECT_TRUE(refused(r, 400, "Restart has no argument 'Delay' (it takes: none)"));
  r = call(1, "POST", "/api/v1/command/Restart", R"({"arguments": {}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(*restarts_, 0);
}

TEST_F(AdminApiTest, BackupWritesOneFileInTheDataDirectory) {
  stand_alone();
  Response r = command(1, "Backup", {{"Name", "before-upgrade.tbk"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["software_version"], "X8.9.1");
  auto info = config::inspect_backup(host(1).env()->files(), "before-upgrade.tbk");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->sha256, json(r)["sha256"]);
  EXPECT_EQ(command(1, "Backup", {{"Name", "../escape"}}).status, 400);
  r = command(1, "Backup");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["file"], "backup-2026-01-01T000000Z.tbk");
}

TEST_F(AdminApiTest, MaintenanceModeIsACommandAndShowsInStatus) {
  stand_alone();
  ASSERT_EQ(command(1, "MaintenanceMode", {{"Mode", "on"}}).status, 200);
  EXPECT_TRUE(peer(1).maintenance());
  EXPECT_EQ(json(call(1, "GET", "/api/v1/status?path=SystemUnit"))["SystemUnit"]["MaintenanceMode"], "On");
  EXPECT_EQ(command(1, "MaintenanceMode", {{"Mode", "sometimes"}}).status, 400);
}

TEST_F(AdminApiTest, PasswordSetReplacesAnAdministratorsPassword) {
  stand_alone();
  Response r = command(1, "PasswordSet", {{"Name", "viewer"}, {"Password", "New-pass-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("viewer", kViewerPassword)).status, 401);
  EXPECT_EQ(call(1, "GET", "/api/v1/status", "", basic("viewer", "New-pass-1")).status, 200);
  EXPECT_EQ(command(1, "PasswordSet", {{"Name", "ghost"}, {"Password", "x"}}).status, 404);
  EXPECT_EQ(command(1, "PasswordSet", {{"Name", "viewer"}, {"Password", ""}}).status, 400);
}

// ---- factory reset, backup download and restore ------------------------------------------

class MaintenanceTest : public AdminApiTest {
 protected:
  // What tandemd does when the restart hook fires: a new process on the same disk.
  void restart_host(int slot) {
    host(slot).crash();  // the pending work is on disk before the reply: even a crash does it
    host(slot).restart();
    run(1s);
  }
  bool has_file(int slot, std::string_view name) { return host(slot).env()->files().exists(name); }
  std::vector<std::string> event_kinds(int slot) {
    std::vector<std::string> kinds;
    const Json events = json(call(slot, "GET", "/api/v1/events?limit=50"));
    for (const Json& e : events["events"]) kinds.push_back(e["kind"]);
    return kinds;
  }
  static bool contains(const std::vector<std::string>& v, std::string_view what) {
    return std::find(v.begin(), v.end(), what) != v.end();
  }
  // A backup of peer `slot`, as GET /api/v1/backup/<name> gives it.
  Json download(int slot, const std::string& name) {
    EXPECT_EQ(command(slot, "Backup", {{"Name", name}}).status, 200);
    Response r = call(slot, "GET", "/api/v1/backup/" + name);
    EXPECT_EQ(r.status, 200) << r.body;
    return json(r);
  }
};

TEST_F(MaintenanceTest, AFactoryResetOverTheApiKeepsTheIpConfigurationOrIsRefused) {
  stand_alone();
  ASSERT_EQ(configure(1, "H323 Gatekeeper TimeToLive", "600").status, 200);
  Response r = command(1, "FactoryReset");  // the guide's recommended answers: No to each
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(error(r).find("KeepIpConfiguration: No is not done over the admin API"), std::string::npos) << error(r);
  EXPECT_NE(error(r).find("run 'tandemd init'"), std::string::npos);
  EXPECT_TRUE(refused(command(1, "FactoryReset", {{"KeepIpConfiguration", "Yes"}, {"KeepLogs", "Maybe"}}), 400,
                      "argument KeepLogs must be Yes or No, not \"Maybe\""));
  EXPECT_TRUE(refused(command(1, "FactoryReset", {{"KeepFips", "No"}}), 400,
                      "FactoryReset has no argument 'KeepFips' (it takes: KeepOptionKeys, KeepIpConfiguration, "
                      "KeepCertificates, KeepPasswords, KeepLogs)"));
  run(1s);
  EXPECT_EQ(*restarts_, 0);
  EXPECT_FALSE(has_file(1, "maintenance.pending"));
  EXPECT_EQ(*peer(1).get("H323 Gatekeeper TimeToLive"), "600");
}

TEST_F(MaintenanceTest, AFactoryResetIsDoneByTheRestartThatFollowsIt) {
  stand_alone({{"Ethernet 1 IP V4 Address", "10.0.0.1"},
               {"IP DNS Hostname", "vcs1"},
               {"IP DNS Domain Name", "example.test"}});
  ASSERT_EQ(configure(1, "H323 Gatekeeper TimeToLive", "600").status, 200);
  ASSERT_EQ(configure(1, "Option 1 Key", "FEATURE-A").status, 200);
  Response r = command(1, "factoryreset", {{"KeepIpConfiguration", "yes"}, {"KeepLogs", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["kept"], (Json{"IpConfiguration", "Logs"}));
  EXPECT_EQ(*peer(1).get("H323 Gatekeeper TimeToLive"), "600");  // nothing yet: the restart does it
  run(1s);
  EXPECT_EQ(*restarts_, 1);
  restart_host(1);
  EXPECT_EQ(*peer(1).get("H323 Gatekeeper TimeToLive"), "1800");
  EXPECT_EQ(*peer(1).get("Option 1 Key"), "");
  EXPECT_EQ(*peer(1).get("Ethernet 1 IP V4 Address"), "10.0.0.1");
  EXPECT_EQ(*peer(1).get("IP DNS Hostname"), "vcs1");
  // KeepCertificates: No -> a new self-signed certificate for the peer's FQDN, so it still serves TLS.
  const std::string made = *peer(1).get("Certificates Server Certificate");
  EXPECT_NE(made.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_TRUE(peer(1).tls_config().ok());
  const auto kinds = event_kinds(1);
  EXPECT_TRUE(contains(kinds, "peer.factory_reset"));
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "peer.start"), 2);  // KeepLogs: Yes, the first start's stayed
  EXPECT_FALSE(has_file(1, "maintenance.pending"));
}

TEST_F(MaintenanceTest, ABackupIsDownloadedWholeByAReadWriteAdministrator) {
  stand_alone();
  const Json file = download(1, "nightly.tbk");
  EXPECT_EQ(file["name"], "nightly.tbk");
  EXPECT_EQ(file["system_name"], "vcs-1");
  EXPECT_EQ(file["software_version"], "X8.9.1");
  auto bytes = base64_decode(file["content_base64"].get<std::string>());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(file["size"], bytes->size());
  EXPECT_EQ(file["sha256"], sha256_hex(*bytes));
  EXPECT_EQ(*bytes, read_file(host(1).env()->files(), "nightly.tbk").value());
  EXPECT_TRUE(refused(call(1, "GET", "/api/v1/backup/missing.tbk"), 404,
                      "there is no file 'missing.tbk' in the data directory"));
  EXPECT_TRUE(refused(call(1, "GET", "/api/v1/backup/tandem.db"), 409,
                      "'tandem.db' is not a usable backup: not a Tandem backup (bad first line)"));
  EXPECT_EQ(call(1, "GET", "/api/v1/backup/nightly.tbk", "", basic("viewer", kViewerPassword)).status, 403);
}

TEST_F(MaintenanceTest, ARestoreChecksTheBackupBeforeAnythingChanges) {
  stand_alone();
  ASSERT_EQ(configure(1, "H323 Gatekeeper TimeToLive", "600").status, 200);
  const std::string garbage = base64_encode(std::vector<std::uint8_t>{'n', 'o', 'p', 'e'});
  EXPECT_TRUE(refused(command(1, "Restore"), 400, "Restore needs argument Content"));
  EXPECT_EQ(command(1, "Restore", {{"Content", "not base64!"}}).status, 400);
  EXPECT_TRUE(refused(command(1, "Restore", {{"Content", garbage}}), 400,
                      "argument Content: not a Tandem backup (bad first line); nothing was changed"));
  Json file = download(1, "good.tbk");
  EXPECT_EQ(command(1, "Restore", {{"Content", file["content_base64"]}, {"Name", "tandem.db"}}).status, 400);
  std::string cut = file["content_base64"];  // a backup that lost its end on the way
  cut.resize(cut.size() / 2 / 4 * 4);
  EXPECT_NE(error(command(1, "Restore", {{"Content", cut}})).find("backup is truncated"), std::string::npos);
  // A backup from another release is refused: restore it on the release it was taken on.
  ASSERT_TRUE(config::backup(peer(1).store(), host(1).env()->files(), "newer.tbk", "X9.0", sim_.wall_epoch()).ok());
  file = json(call(1, "GET", "/api/v1/backup/newer.tbk"));
  EXPECT_TRUE(refused(command(1, "Restore", {{"Content", file["content_base64"]}}), 409,
                      "the backup was taken on software X9.0 and this peer runs X8.9.1: restore it on the release "
                      "it was taken on; nothing was changed"));
  run(1s);
  EXPECT_EQ(*restarts_, 0);
  EXPECT_FALSE(has_file(1, "maintenance.pending"));
  EXPECT_FALSE(has_file(1, "restore-upload.tmp"));
  EXPECT_EQ(*peer(1).get("H323 Gatekeeper TimeToLive"), "600");
}

TEST_F(MaintenanceTest, ABackupRestoredOnAnotherPeerBringsItsConfigurationButNotItsIdentity) {
  build(2, false);
  const auto identity = [](const std::string& n) {
    return std::vector<config::Change>{{"Ethernet 1 IP V4 Address", "10.0.0." + n}, {"IP DNS Hostname", "vcs" + n},
                                       {"Option 1 Key", "FEATURE-" + n}};
  };
  start(1, identity("1"));
  start(2, identity("2"));
  const std::vector<std::pair<std::string, std::string>> its_own = {
      {"H323 Gatekeeper TimeToLive", "700"}, {"NTP Server 1 Address", "10.0.0.123"}, {"Option 2 Key", "FEATURE-X"}};
  for (const auto& [path, value] : its_own) ASSERT_EQ(configure(1, path, value).status, 200) << path;
  const Json file = download(1, "from-one.tbk");
  Response r = command(2, "Restore", {{"Content", file["content_base64"]}, {"Name", "from-one.tbk"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["system_name"], "vcs-1");
  EXPECT_EQ(*peer(2).get("H323 Gatekeeper TimeToLive"), "1800");  // not before the restart
  run(1s);
  EXPECT_EQ(*restarts_, 1);
  restart_host(2);
  EXPECT_EQ(*peer(2).get("H323 Gatekeeper TimeToLive"), "700");   // the backup's configuration
  EXPECT_EQ(*peer(2).get("NTP Server 1 Address"), "10.0.0.123");
  EXPECT_EQ(*peer(2).get("Ethernet 1 IP V4 Address"), "10.0.0.2");  // its own identity and keys
  EXPECT_EQ(*peer(2).get("IP DNS Hostname"), "vcs2");
  EXPECT_EQ(*peer(2).get("Option 1 Key"), "FEATURE-2");
  EXPECT_EQ(*peer(2).get("Option 2 Key"), "");
  EXPECT_TRUE(contains(event_kinds(2), "peer.restored"));
  EXPECT_TRUE(has_file(2, "from-one.tbk"));
  EXPECT_FALSE(has_file(2, "maintenance.pending"));
}

// ---- logs ------------------------------------------------------------------------------

TEST_F(AdminApiTest, EventsAreNewestFirstAndBoundedByLimit) {
  stand_alone();
  ASSERT_EQ(configure(1, "SIP TCP Port", "5070").status, 200);  // an alarm: one more event
  const Response r = call(1, "GET", "/api/v1/events?limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json events = json(r)["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["kind"], "alarm.raised");
  EXPECT_EQ(json(call(1, "GET", "/api/v1/events"))["events"].size(), 2u);  // and the peer's start
}

TEST_F(AdminApiTest, EveryRequestIsLoggedWithoutSecrets) {
  stand_alone();
  (void)call(1, "GET", "/api/v1/status?path=Cluster");
  (void)call(1, "GET", "/api/v1/status", "", basic("admin", "not-the-password"), kGuesser);
  (void)command(1, "PasswordSet", {{"Name", "viewer"}, {"Password", "Brand-new-2"}});
  std::vector<std::string> admin_lines;
  for (const auto& line : sim_.logs()) {
    for (const std::string secret : {"Adm1n-pass", "not-the-password", "Brand-new-2", "pbkdf2", "Basic "}) {
      EXPECT_EQ(line.message.find(secret), std::string::npos) << line.message;
    }
    if (line.component == "admin") admin_lines.push_back(line.message);
  }
  EXPECT_EQ(admin_lines, (std::vector<std::string>{
                             "admin GET /api/v1/status from 192.0.2.10 -> 200",
                             "(unauthenticated) GET /api/v1/status from 198.51.100.7 -> 401",
                             "admin POST /api/v1/command/PasswordSet from 192.0.2.10 -> 200",
                         }));
}

}  // namespace
}  // namespace tandem::admin
