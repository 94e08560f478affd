// The admin API on twin peers, as an operator (tandemctl, the GUI) uses it:
// who may do what, the automated protection service, xConfiguration, xStatus,
// xCommand, alarms and logs, and the errors a client sees when it gets
// something wrong.

#include "runtime/admin/admin_api.hpp"

#include <gtest/gtest.h>

#include "runtime/config/maintenance.hpp"
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
                              "DefaultValueSet, DefaultLinksAdd, AlarmAcknowledge, Backup, MaintenanceMode, PasswordSet"));
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
