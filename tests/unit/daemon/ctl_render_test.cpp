// What tandemctl prints for a peer's replies: the VCS CLI's `*s` / `*c` / `*r`
// lines, tables for alarms and logs, and watch changes. The replies are in the
// shapes runtime/admin sends.

#include "runtime/daemon/ctl/ctl_render.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tandem::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Json json(const char* text) { return Json::parse(text); }

TEST(CtlRender, ValuesPrintBareWhenOneWordAndQuotedOtherwise) {
  EXPECT_EQ(format_value("Active"), "Active");
  EXPECT_EQ(format_value("600"), "600");
  EXPECT_EQ(format_value("fe80::1"), "fe80::1");
  EXPECT_EQ(format_value("peer one"), "\"peer one\"");
  EXPECT_EQ(format_value(""), "\"\"");
  EXPECT_EQ(format_value(600), "600");
  EXPECT_EQ(format_value(true), "true");
  EXPECT_EQ(format_value(nullptr), "(none)");
}

TEST(CtlRender, StatusPrintsOneLineALeafWithItsFullPath) {
  // The peer wraps a selected subtree in its path's words.
  EXPECT_THAT(render_status("Cluster DatabaseStatus", json(R"({"Cluster":{"DatabaseStatus":"Active"}})")),
              ElementsAre("*s Cluster DatabaseStatus: Active"));
  // A bare subtree gets the path put in front.
  EXPECT_THAT(render_status("Cluster", json(R"({"DatabaseStatus":"Active","Name":"east cluster"})")),
              ElementsAre("*s Cluster DatabaseStatus: Active", "*s Cluster Name: \"east cluster\""));
}

TEST(CtlRender, StatusNumbersListItemsFromOneAndKeepsThePeersOrder) {
  const Json tree = json(R"({"SystemUnit":{"Name":"vcs1","Software":{"Version":"X8.1"}},
    "Cluster":{"Peers":[{"Address":"10.0.0.1","RttMs":null},{"Address":"10.0.0.2","RttMs":0.41}]}})");
  EXPECT_THAT(render_status("", tree),
              ElementsAre("*s SystemUnit Name: vcs1", "*s SystemUnit Software Version: X8.1",
                          "*s Cluster Peers 1 Address: 10.0.0.1", "*s Cluster Peers 1 RttMs: (none)",
                          "*s Cluster Peers 2 Address: 10.0.0.2", "*s Cluster Peers 2 RttMs: 0.41"));
}

TEST(CtlRender, ConfigurationPrintsStarCLines) {
  EXPECT_THAT(render_configuration(json(R"({"path":"H323 Gatekeeper TimeToLive","value":"600"})")),
              ElementsAre("*c xConfiguration H323 Gatekeeper TimeToLive: 600"));
  // A prefix: {"path", "items", "truncated"}, or a bare list.
  EXPECT_THAT(render_configuration(json(R"({"path":"SystemUnit","items":[
      {"path":"SystemUnit Name","value":"peer one"},{"path":"SystemUnit Contact","value":""}],"truncated":false})")),
              ElementsAre("*c xConfiguration SystemUnit Name: \"peer one\"", "*c xConfiguration SystemUnit Contact: \"\""));
  EXPECT_THAT(render_configuration(json(R"([{"path":"H323 Mode","value":"On"}])")),
              ElementsAre("*c xConfiguration H323 Mode: On"));
  EXPECT_THAT(render_configuration(json(R"({"items":[{"path":"H323 Mode","value":"On"}],"truncated":true})")),
              ElementsAre("*c xConfiguration H323 Mode: On", HasSubstr("Only the first 1 items are shown")));
}

TEST(CtlRender, AnUnknownShapeIsPrintedAsJsonNotLost) {
  EXPECT_THAT(render_configuration(json(R"({"surprise":1})")), ElementsAre("{", "  \"surprise\": 1", "}"));
  EXPECT_THAT(render_alarms(json(R"({"a":[1],"b":[2]})")), ::testing::Contains(HasSubstr("\"a\"")));
}

TEST(CtlRender, ASetSaysOkAndWhatNeedsARestart) {
  EXPECT_THAT(render_change_result(json(R"({"changed":1,"restart_required":[]})")), ElementsAre("OK"));
  EXPECT_THAT(render_change_result(json(R"({"changed":1,"restart_required":["H323 Mode"]})")),
              ElementsAre("** Restart required: H323 Mode", "OK"));
  EXPECT_THAT(render_change_result(json(R"({"changed":0,"restart_required":[]})")),
              ElementsAre(HasSubstr("No change"), "OK"));
  EXPECT_THAT(render_change_result(json(R"({"changed":1,"restart_required":[],"warning":"this peer is a subordinate"})")),
              ElementsAre("** Warning: this peer is a subordinate", "OK"));
}

TEST(CtlRender, ACommandPrintsWhatItAnsweredWithoutEchoingItsName) {
  EXPECT_THAT(render_command_result("Restart", json(R"({"command":"Restart","result":"restarting"})")),
              ElementsAre("*r Restart result: restarting", "OK"));
  EXPECT_THAT(render_command_result("DefaultValueSet", json(R"({"command":"DefaultValueSet","changed":12})")),
              ElementsAre("*r DefaultValueSet changed: 12", "OK"));
  EXPECT_THAT(render_command_result("Restart", Json()), ElementsAre("OK"));
}

TEST(CtlRender, AlarmsAreATableWithTheUsefulColumnsFirst) {
  const Json reply = json(R"({"alarms":[
    {"id":20011,"text":"Cluster communication failure","severity":"Error","action":"Check the network",
     "detail":"10.0.0.2","raised_at":"2024-05-01T10:00:00Z","acknowledged":false},
    {"id":20012,"text":"Restart required","severity":"Warning","action":"Restart","detail":"",
     "raised_at":"2024-05-01T10:05:00Z","acknowledged":true}]})");
  EXPECT_THAT(render_alarms(reply),
              ElementsAre("id     severity  acknowledged  raised_at             text                           detail    action",
                          "20011  Error     no            2024-05-01T10:00:00Z  Cluster communication failure  10.0.0.2  Check the network",
                          "20012  Warning   yes           2024-05-01T10:05:00Z  Restart required                         Restart"));
  EXPECT_THAT(render_alarms(json(R"({"alarms":[]})")), ElementsAre("No alarms."));
}

TEST(CtlRender, LogsAreTables) {
  EXPECT_THAT(render_log(json(R"({"events":[{"id":7,"at":"2024-05-01T10:00:00Z","kind":"peer.start","detail":"software 0.1.0"}]})"),
                         CommandKind::Events),
              ElementsAre("id  at                    kind        detail", "7   2024-05-01T10:00:00Z  peer.start  software 0.1.0"));
  EXPECT_THAT(render_log(json(R"({"entries":[{"id":3,"at":"2024-05-01T10:00:00Z","actor":"admin","path":"H323 Mode",
                                   "old_value":"On","new_value":"Off"}]})"),
                         CommandKind::ConfigLog),
              ElementsAre("id  at                    actor  path       old_value  new_value",
                          "3   2024-05-01T10:00:00Z  admin  H323 Mode  On         Off"));
  EXPECT_THAT(render_log(json(R"({"entries":[]})"), CommandKind::ConfigLog), ElementsAre("No configuration changes."));
}

TEST(CtlRender, PrerequisitesPassOrFailWithTheReason) {
  const Json reply = json(R"({"passed":false,"items":[
    {"name":"Same software version","passed":true,"detail":""},
    {"name":"Round trip under 30 ms","passed":false,"detail":"10.0.0.3: 42 ms"}]})");
  EXPECT_THAT(render_prerequisites(reply),
              ElementsAre("[ OK ] Same software version", "[FAIL] Round trip under 30 ms: 10.0.0.3: 42 ms",
                          "1 of 2 prerequisites fail."));
  EXPECT_THAT(render_prerequisites(json(R"({"passed":true,"items":[{"name":"H323 on","passed":true,"detail":""}]})")),
              ElementsAre("[ OK ] H323 on", "All 1 prerequisites pass."));
}

TEST(CtlRender, XCommandsEndWithOkAsOnAVcs) {
  Command status{.kind = CommandKind::Status, .path = "Cluster DatabaseStatus"};
  EXPECT_THAT(render_reply(status, json(R"({"Cluster":{"DatabaseStatus":"Active"}})")),
              ElementsAre("*s Cluster DatabaseStatus: Active", "OK"));
  Command get{.kind = CommandKind::ConfigurationGet, .path = "H323 Mode"};
  EXPECT_THAT(render_reply(get, json(R"({"path":"H323 Mode","value":"On"})")),
              ElementsAre("*c xConfiguration H323 Mode: On", "OK"));
  Command ack{.kind = CommandKind::AlarmAcknowledge, .name = "20011"};
  EXPECT_THAT(render_reply(ack, json(R"({"id":20011,"acknowledged":true})")), ElementsAre("OK"));
}

TEST(CtlWatch, AReplyWithoutSeqIsAnError) {
  auto state = read_watch(json(R"({"status":{}})"));
  ASSERT_FALSE(state.ok());
  EXPECT_THAT(state.error().message, HasSubstr("no \"seq\""));
}

TEST(CtlWatch, TheFirstReplyPrintsTheWholeState) {
  auto state = read_watch(json(R"({"seq":4,"status":{"Cluster":{"DatabaseStatus":"Active"}},
    "alarms":[{"id":20012,"text":"Restart required","severity":"Warning","detail":"H323 Mode","acknowledged":true}]})"));
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->seq, 4u);
  EXPECT_THAT(render_watch_state(*state),
              ElementsAre("*s Cluster DatabaseStatus: Active", "*a 20012: Warning Restart required (H323 Mode) [acknowledged]"));
}

TEST(CtlWatch, AChangePrintsOnlyWhatChanged) {
  auto before = read_watch(json(R"({"seq":4,"status":{"Cluster":{"DatabaseStatus":"Active","Peers":[{"State":"Active"},{"State":"Active"}]}},
    "alarms":[{"id":20012,"text":"Restart required","severity":"Warning","detail":""}]})"));
  auto after = read_watch(json(R"({"seq":5,"status":{"Cluster":{"DatabaseStatus":"Degraded","Peers":[{"State":"Active"}]}},
    "alarms":[{"id":20011,"text":"Cluster communication failure","severity":"Error","detail":"10.0.0.2"}]})"));
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_THAT(render_watch_change(*before, *after),
              ElementsAre("*w seq: 5", "*s Cluster DatabaseStatus: Degraded", "*s Cluster Peers 2 State: (gone)",
                          "*a 20011 raised: Error Cluster communication failure (10.0.0.2)", "*a 20012 cleared"));
  auto acknowledged = read_watch(json(R"({"seq":6,"status":{"Cluster":{"DatabaseStatus":"Degraded","Peers":[{"State":"Active"}]}},
    "alarms":[{"id":20011,"text":"Cluster communication failure","severity":"Error","detail":"10.0.0.2","acknowledged":true}]})"));
  ASSERT_TRUE(acknowledged.ok());
  EXPECT_THAT(render_watch_change(*after, *acknowledged),
              ElementsAre("*w seq: 6", "*a 20011 changed: Error Cluster communication failure (10.0.0.2) [acknowledged]"));
}

TEST(CtlRender, LocateSaysWhereTheAliasIsAndHowMany) {
  const auto lines = render_locate(json(R"({"alias": "sip:bob@example.com", "peers": [
      {"Slot": 1, "Address": "10.0.0.1", "Result": "NotFound", "Registrations": []},
      {"Slot": 2, "Address": "10.0.0.2", "Result": "Found",
       "Registrations": [{"Contact": "<sip:bob@10.0.0.50>", "Transport": "TLS", "ExpiresInS": 40}]},
      {"Slot": 3, "Address": "10.0.0.3", "Result": "NoAnswer", "Registrations": []}]})"));
  EXPECT_THAT(lines, ElementsAre("Peer 1 (10.0.0.1): NotFound", "Peer 2 (10.0.0.2): Found",
                                 "    <sip:bob@10.0.0.50> over TLS", "Peer 3 (10.0.0.3): NoAnswer",
                                 "sip:bob@example.com is registered on 1 peer."));
}

TEST(CtlRender, RegistrationsAreATableAndSayWhenThereIsMore) {
  const auto lines = render_registrations(json(R"({"registrations": [
      {"AddressOfRecord": "sip:a@example.com", "Contact": "<sip:a@10.0.0.50>", "Transport": "UDP",
       "Source": "10.0.0.50:5060", "ExpiresInS": 59}], "next": "sip:a@example.com"})"));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr("AddressOfRecord"));
  EXPECT_THAT(lines[1], HasSubstr("sip:a@example.com"));
  EXPECT_THAT(lines.back(), HasSubstr("More after sip:a@example.com"));
  EXPECT_THAT(render_registrations(json(R"({"registrations": [], "next": null})")), ElementsAre("No registrations."));
}

}  // namespace
}  // namespace tandem::ctl
