// The registrar core against RFC 3261 §10.3 (bindings, expiry and its bounds,
// removal, Call-ID/CSeq ordering, URI matching, AOR canonical form), RFC 5626
// outbound flows, the VCS's maintenance mode, and the status and Unregister
// an operator uses. Time is whatever the test says it is.

#include "runtime/sip/registrar.hpp"

#include <gtest/gtest.h>

#include "tests/unit/sip/sip_samples.hpp"

namespace tandem::sip {
namespace {

using namespace std::chrono_literals;
using test::RegisterSpec;
using wire::SipMessage;

const Endpoint kPhone{IpAddress::v4(10, 0, 0, 2), 5060};

std::vector<std::string> all(const SipMessage& m, std::string_view name) {
  std::vector<std::string> values;
  for (const wire::SipHeader& h : m.headers) {
    if (h.name == name) values.push_back(h.value);
  }
  return values;
}

RegisterSpec outbound_spec(std::uint32_t reg_id, std::string contact_host, std::uint32_t cseq = 1) {
  RegisterSpec s;
  s.contacts = {"<sip:bob@" + contact_host + ";transport=tcp;ob>;reg-id=" + std::to_string(reg_id) +
                ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\""};
  s.aor = "sip:bob@example.com";
  s.call_id = "flow-" + std::to_string(reg_id);
  s.cseq = cseq;
  s.expires = std::nullopt;
  s.transport = "TCP";
  s.extra = {"Supported: outbound, path"};
  return s;
}

class RegistrarTest : public ::testing::Test {
 protected:
  SipMessage send(const RegisterSpec& spec, bool maintenance = false, Endpoint source = kPhone) {
    auto m = wire::parse_sip_message(test::register_text(spec));
    EXPECT_TRUE(m.ok()) << m.error().message;
    return registrar_.handle_register(*m, RequestContext{source, Transport::Udp, 0, now_, maintenance});
  }
  std::optional<SipMessage> handle(const std::string& text) {
    auto m = wire::parse_sip_message(text);
    EXPECT_TRUE(m.ok()) << m.error().message;
    return registrar_.handle(*m, RequestContext{kPhone, Transport::Udp, 0, now_, false});
  }
  void rebuild(RegistrarOptions options) { registrar_ = Registrar(std::move(options)); }

  MonoTime now_ = MonoTime(1000s);
  Registrar registrar_{RegistrarOptions{}};
};

TEST_F(RegistrarTest, ANewBindingIsListedInThe200WithItsExpiry) {
  const SipMessage r = send({});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(all(r, "Contact"), (std::vector<std::string>{"<sip:alice@10.0.0.2:5060>;expires=60"}));
  EXPECT_EQ(*r.header("Via"), "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds;rport=5060;received=10.0.0.2");
  EXPECT_EQ(r.header("To")->substr(0, 28), "<sip:alice@example.com>;tag=");
  EXPECT_EQ(*r.header("Server"), "Tandem");
  EXPECT_EQ(*r.header("Supported"), "outbound");
  EXPECT_EQ(r.header("Require"), nullptr);
  const RegistrarCounts c = registrar_.counts();
  EXPECT_EQ(c.aors, 1u);
  EXPECT_EQ(c.bindings, 1u);
  EXPECT_EQ(c.registered, 1u);
  const auto rows = registrar_.bindings("sip:alice@example.com", now_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (BindingStatus{"sip:alice@example.com", "<sip:alice@10.0.0.2:5060>", "", 0, false, Transport::Udp,
                                    kPhone, 0, 60, "TestPhone/1.0"}));
  // The same request again (a retransmission) gets the same To tag.
  EXPECT_EQ(*send({}).header("To"), *r.header("To"));
}

TEST_F(RegistrarTest, ExpiryComesFromTheContactThenExpiresThenTheMaximumAndIsCutToTheMaximum) {
  auto granted = [&](std::vector<std::string> contacts, std::optional<std::string> expires) {
    RegisterSpec s;
    s.contacts = std::move(contacts);
    s.expires = std::move(expires);
    s.call_id = "c" + std::to_string(registrar_.counts().registered + registrar_.counts().refreshed);
    return all(send(s), "Contact");
  };
  EXPECT_EQ(granted({"<sip:alice@10.0.0.2>;expires=50"}, "3600"),
            (std::vector<std::string>{"<sip:alice@10.0.0.2>;expires=50"}));
  EXPECT_EQ(granted({"<sip:alice@10.0.0.2>"}, "3600"), (std::vector<std::string>{"<sip:alice@10.0.0.2>;expires=60"}));
  EXPECT_EQ(granted({"<sip:alice@10.0.0.2>"}, std::nullopt),
            (std::vector<std::string>{"<sip:alice@10.0.0.2>;expires=60"}));
  EXPECT_EQ(granted({"<sip:alice@10.0.0.2>;expires=99999999999"}, std::nullopt),
            (std::vector<std::string>{"<sip:alice@10.0.0.2>;expires=60"}));
  now_ += 1500ms;  // remaining time is rounded up: a current binding never shows 0
  EXPECT_EQ(all(send({.contacts = {}, .call_id = "query"}), "Contact"),
            (std::vector<std::string>{"<sip:alice@10.0.0.2>;expires=59"}));
}

TEST_F(RegistrarTest, BelowTheMinimumIs423WithMinExpiresAndChangesNothing) {
  ASSERT_EQ(send({}).status, 200);
  RegisterSpec brief;
  brief.contacts = {"<sip:alice@10.0.0.9>", "<sip:alice@10.0.0.2:5060>;expires=30"};
  brief.cseq = 2;
  const SipMessage r = send(brief);
  EXPECT_EQ(r.status, 423);
  EXPECT_EQ(r.reason, "Interval Too Brief");
  EXPECT_EQ(*r.header("Min-Expires"), "45");
  const auto rows = registrar_.bindings("sip:alice@example.com", now_);
  ASSERT_EQ(rows.size(), 1u);  // neither the new contact nor the refresh happened
  EXPECT_EQ(rows[0].contact, "<sip:alice@10.0.0.2:5060>");
  brief.contacts = {"<sip:alice@10.0.0.2:5060>;expires=45"};
  EXPECT_EQ(send(brief).status, 200);
  EXPECT_EQ(registrar_.counts().refused, 1u);
}

TEST_F(RegistrarTest, ARefreshKeepsOneBindingAndRestartsItsExpiry) {
  ASSERT_EQ(send({}).status, 200);
  now_ += 30s;
  RegisterSpec refresh;
  refresh.cseq = 2;
  EXPECT_EQ(all(send(refresh), "Contact"), (std::vector<std::string>{"<sip:alice@10.0.0.2:5060>;expires=60"}));
  now_ += 59s;
  EXPECT_EQ(registrar_.expire(now_), 0u);
  EXPECT_EQ(registrar_.counts().bindings, 1u);
  EXPECT_EQ(registrar_.counts().refreshed, 1u);
  now_ += 1s;
  EXPECT_EQ(registrar_.expire(now_), 1u);
  EXPECT_EQ(registrar_.counts().aors, 0u);
  EXPECT_EQ(registrar_.counts().expired, 1u);
}

TEST_F(RegistrarTest, ExpiresZeroRemovesOnlyThatContact) {
  RegisterSpec two;
  two.contacts = {"<sip:alice@10.0.0.2:5060>, <sip:alice@10.0.0.3>"};
  ASSERT_EQ(all(send(two), "Contact").size(), 2u);
  RegisterSpec remove;
  remove.contacts = {"<sip:alice@10.0.0.3>;expires=0"};
  remove.cseq = 2;
  EXPECT_EQ(all(send(remove), "Contact"), (std::vector<std::string>{"<sip:alice@10.0.0.2:5060>;expires=60"}));
  remove.contacts = {"<sip:alice@10.0.0.2:5060>"};
  remove.expires = "0";
  remove.cseq = 3;
  EXPECT_TRUE(all(send(remove), "Contact").empty());
  EXPECT_EQ(registrar_.counts().aors, 0u);
  EXPECT_EQ(registrar_.counts().unregistered, 2u);
  remove.cseq = 4;  // removing what is not there is fine
  EXPECT_EQ(send(remove).status, 200);
}

TEST_F(RegistrarTest, ContactStarRemovesEveryBindingButOnlyWithExpiresZero) {
  RegisterSpec two;
  two.contacts = {"<sip:alice@10.0.0.2:5060>", "<sip:alice@10.0.0.3>"};
  ASSERT_EQ(send(two).status, 200);
  RegisterSpec star;
  star.contacts = {"*"};
  star.cseq = 2;
  const SipMessage refused = send(star);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.reason, "Bad Request (Contact * needs Expires: 0)");
  star.contacts = {"*", "<sip:alice@10.0.0.4>"};
  star.expires = "0";
  EXPECT_EQ(send(star).reason, "Bad Request (Contact * must be the only Contact)");
  star.contacts = {"*"};
  star.cseq = 1;  // not above what the bindings hold for this Call-ID
  EXPECT_EQ(send(star).status, 500);
  star.cseq = 2;
  const SipMessage ok = send(star);
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(all(ok, "Contact").empty());
  EXPECT_EQ(registrar_.counts().bindings, 0u);
}

TEST_F(RegistrarTest, CallIdAndCSeqOrderTheUpdatesOfABinding) {
  RegisterSpec first;
  first.cseq = 5;
  ASSERT_EQ(send(first).status, 200);
  now_ += 20s;
  RegisterSpec older = first;
  older.cseq = 4;
  older.expires = "0";
  const SipMessage r = send(older);  // a late copy of an earlier request
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.reason, "Server Internal Error (CSeq 4 is not above 5 for this Call-ID)");
  // The same CSeq again is a retransmission: answered, nothing restarted.
  EXPECT_EQ(all(send(first), "Contact"), (std::vector<std::string>{"<sip:alice@10.0.0.2:5060>;expires=40"}));
  // Another Call-ID (the phone rebooted) updates whatever its CSeq.
  RegisterSpec rebooted = first;
  rebooted.call_id = "new-call-id";
  rebooted.cseq = 1;
  EXPECT_EQ(all(send(rebooted), "Contact"), (std::vector<std::string>{"<sip:alice@10.0.0.2:5060>;expires=60"}));
  EXPECT_EQ(registrar_.counts().bindings, 1u);
}

// A refusal leaves an AOR's bindings exactly as they were, whether it came
// before any change (one contact: the registrar works on the bindings
// themselves and puts them back) or after an earlier contact of the same
// request changed one (several: it works on a copy).
TEST_F(RegistrarTest, ARefusedRequestLeavesTheAorsBindingsAsTheyWere) {
  RegistrarOptions options;
  options.bindings_per_aor_max = 3;
  rebuild(options);
  const RegisterSpec two{.contacts = {"<sip:alice@10.0.0.2>", "<sip:alice@10.0.0.3>"}, .expires = "50", .cseq = 5};
  ASSERT_EQ(send(two).status, 200);
  now_ += 10s;
  const std::vector<std::string> before = {"<sip:alice@10.0.0.2>;expires=40", "<sip:alice@10.0.0.3>;expires=40"};
  // One contact, refused before anything changed: an old CSeq, then maintenance.
  EXPECT_EQ(send({.contacts = {"<sip:alice@10.0.0.3>"}, .expires = "0", .cseq = 4}).status, 500);
  EXPECT_EQ(send({.contacts = {"<sip:alice@10.0.0.3>"}, .cseq = 6}, true).status, 503);
  EXPECT_EQ(all(send({.contacts = {}, .cseq = 7}), "Contact"), before);
  // Several: the first refreshes, the second adds a third binding, the third is one too many.
  const SipMessage refused = send(
      {.contacts = {"<sip:alice@10.0.0.2>;expires=60", "<sip:alice@10.0.0.4>", "<sip:alice@10.0.0.5>"}, .cseq = 8});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(all(send({.contacts = {}, .cseq = 9}), "Contact"), before);
  EXPECT_EQ(registrar_.counts().bindings, 2u);
  EXPECT_EQ(registrar_.counts().refreshed, 0u);
  // The expiry index still holds both, at their old expiry.
  EXPECT_EQ(registrar_.next_expiry(), now_ + 40s);
  EXPECT_EQ(registrar_.expire(now_ + 39s), 0u);
  EXPECT_EQ(registrar_.expire(now_ + 40s), 2u);
  EXPECT_EQ(registrar_.counts().aors, 0u);
}

TEST_F(RegistrarTest, ContactsMatchByUriEquivalenceAndToByCanonicalAor) {
  RegisterSpec a;
  a.contacts = {"<sip:alice@10.0.0.2:5060;transport=udp>"};
  ASSERT_EQ(send(a).status, 200);
  RegisterSpec same = a;
  same.aor = "sip:%61lice@EXAMPLE.com;user=phone";
  same.contacts = {"\"Alice\" <sip:alice@10.0.0.2:5060;transport=UDP;foo=bar>"};
  same.cseq = 2;
  EXPECT_EQ(all(send(same), "Contact"),
            (std::vector<std::string>{"\"Alice\" <sip:alice@10.0.0.2:5060;transport=UDP;foo=bar>;expires=60"}));
  RegisterSpec other = a;
  other.contacts = {"<sip:alice@10.0.0.2;transport=udp>"};  // no port: another URI
  other.cseq = 3;
  EXPECT_EQ(all(send(other), "Contact").size(), 2u);
  EXPECT_EQ(registrar_.counts().aors, 1u);
}

TEST_F(RegistrarTest, TableLimitsRefuseWithoutChangingAnything) {
  RegistrarOptions options;
  options.bindings_per_aor_max = 2;
  options.aors_max = 2;
  rebuild(options);
  RegisterSpec three;
  three.contacts = {"<sip:alice@10.0.0.2>", "<sip:alice@10.0.0.3>", "<sip:alice@10.0.0.4>"};
  const SipMessage r = send(three);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.reason, "Forbidden (more than 2 contacts for sip:alice@example.com)");
  EXPECT_EQ(registrar_.counts().bindings, 0u);
  ASSERT_EQ(send({}).status, 200);
  ASSERT_EQ(send({.aor = "sip:bob@example.com"}).status, 200);
  const SipMessage full = send({.aor = "sip:carol@example.com"});
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(*full.header("Retry-After"), "60");
  EXPECT_EQ(send({.cseq = 2}).status, 200);  // who is registered still refreshes
  EXPECT_EQ(registrar_.counts().aors, 2u);
}

TEST_F(RegistrarTest, RequestsItCannotServeAreRefusedWithTheRightStatus) {
  RegisterSpec require;
  require.extra = {"Require: outbound, gruu, 100rel"};
  const SipMessage r420 = send(require);
  EXPECT_EQ(r420.status, 420);
  EXPECT_EQ(*r420.header("Unsupported"), "gruu, 100rel");
  std::string tel = test::register_text({});
  tel.replace(0, tel.find(" SIP/2.0"), "REGISTER tel:+15551234");
  EXPECT_EQ(handle(tel)->status, 416);

  RegistrarOptions options;
  options.domains = {"Example.COM"};
  rebuild(options);
  EXPECT_EQ(send({}).status, 200);
  const SipMessage r404 = send({.aor = "sip:alice@elsewhere.test"});
  EXPECT_EQ(r404.status, 404);
  EXPECT_EQ(r404.reason, "Not Found (domain elsewhere.test is not served here)");

  std::string no_call_id = test::register_text({});
  no_call_id.erase(no_call_id.find("Call-ID:"), no_call_id.find("CSeq:") - no_call_id.find("Call-ID:"));
  const auto r400 = handle(no_call_id);
  ASSERT_TRUE(r400);
  EXPECT_EQ(r400->status, 400);
  EXPECT_EQ(r400->reason, "Bad Request (missing Call-ID)");
  EXPECT_EQ(*r400->header("CSeq"), "1 REGISTER");
  RegisterSpec long_call_id;
  long_call_id.call_id = std::string(300, 'c');
  EXPECT_EQ(send(long_call_id).reason, "Bad Request (Call-ID longer than 256 bytes)");
}

TEST_F(RegistrarTest, OutboundFlowsAreKeptPerInstanceAndRegId) {
  const SipMessage one = send(outbound_spec(1, "10.0.0.3"), false, Endpoint{IpAddress::v4(10, 0, 0, 3), 40001});
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(*one.header("Require"), "outbound");
  EXPECT_EQ(all(one, "Contact"),
            (std::vector<std::string>{"<sip:bob@10.0.0.3;transport=tcp;ob>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-"
                                      "0000-1000-8000-000A95A0E128>\";expires=3600"}));
  ASSERT_EQ(send(outbound_spec(2, "10.0.0.3")).status, 200);  // a second flow of the same instance
  EXPECT_EQ(registrar_.counts().outbound_bindings, 2u);
  // Flow 1 comes back over another connection with another contact: it replaces flow 1.
  const SipMessage moved =
      send(outbound_spec(1, "192.0.2.33", 2), false, Endpoint{IpAddress::v4(192, 0, 2, 33), 40777});
  EXPECT_EQ(all(moved, "Contact").size(), 2u);
  const auto rows = registrar_.bindings("sip:bob@example.com", now_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].reg_id, 1u);
  EXPECT_TRUE(rows[0].outbound);
  EXPECT_EQ(rows[0].source, (Endpoint{IpAddress::v4(192, 0, 2, 33), 40777}));
  EXPECT_EQ(rows[0].instance, "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");
  EXPECT_EQ(rows[1].reg_id, 2u);

  RegisterSpec brief = outbound_spec(3, "10.0.0.3");
  brief.expires = "300";  // outbound has its own bounds
  EXPECT_EQ(*send(brief).header("Min-Expires"), "600");
  RegisterSpec two_flows = outbound_spec(3, "10.0.0.3");
  two_flows.contacts.push_back("<sip:bob@10.0.0.5>;reg-id=4;+sip.instance=\"<urn:uuid:1>\"");
  EXPECT_EQ(send(two_flows).reason, "Bad Request (more than one Contact with reg-id)");
  RegisterSpec proxied = outbound_spec(3, "10.0.0.3");
  proxied.extra.push_back("Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp");
  EXPECT_EQ(send(proxied).status, 439);
  EXPECT_EQ(registrar_.counts().bindings, 2u);
}

TEST_F(RegistrarTest, WithoutSupportedOutboundRegIdIsIgnoredAndTheInstanceStillMatches) {
  RegisterSpec plain = outbound_spec(1, "10.0.0.3");
  plain.extra = {};
  const SipMessage r = send(plain);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Require"), nullptr);
  EXPECT_EQ(all(r, "Contact")[0].substr(all(r, "Contact")[0].size() - 10), "expires=60");  // standard bounds
  EXPECT_EQ(registrar_.counts().outbound_bindings, 0u);
  // The phone's address changed; the same instance replaces its binding (RFC 5627 matching).
  RegisterSpec moved = plain;
  moved.contacts = {"<sip:bob@10.9.9.9>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\""};
  moved.cseq = 2;
  EXPECT_EQ(all(send(moved), "Contact").size(), 1u);
  EXPECT_EQ(registrar_.bindings("bob@example.com", now_)[0].reg_id, 0u);
}

TEST_F(RegistrarTest, MaintenanceRefusesNewAndRefreshedButLetsThemLeaveAndDrain) {
  ASSERT_EQ(send({}).status, 200);
  const SipMessage fresh = send({.aor = "sip:bob@example.com"}, true);
  EXPECT_EQ(fresh.status, 503);
  EXPECT_EQ(fresh.reason, "Service Unavailable (maintenance mode)");
  EXPECT_EQ(*fresh.header("Retry-After"), "60");
  EXPECT_EQ(send({.cseq = 2}, true).status, 503);
  EXPECT_EQ(all(send({.contacts = {}, .cseq = 3}, true), "Contact").size(), 1u);  // a query is answered
  EXPECT_EQ(registrar_.counts().refused_maintenance, 2u);
  now_ += 60s;  // what was there drains by expiry
  EXPECT_EQ(registrar_.expire(now_), 1u);
  ASSERT_EQ(send({.cseq = 4}).status, 200);
  EXPECT_EQ(send({.expires = "0", .cseq = 5}, true).status, 200);  // leaving is always allowed
  EXPECT_EQ(registrar_.counts().bindings, 0u);
}

TEST_F(RegistrarTest, ExpirySweepsAreOrderedAndBounded) {
  for (int i = 0; i < 10; ++i) {
    RegisterSpec s;
    s.aor = "sip:user" + std::to_string(i) + "@example.com";
    s.expires = std::to_string(45 + i);
    ASSERT_EQ(send(s).status, 200);
  }
  EXPECT_EQ(registrar_.next_expiry(), now_ + 45s);
  EXPECT_EQ(registrar_.expire(now_ + 44s), 0u);
  EXPECT_EQ(registrar_.expire(now_ + 50s, 3), 3u);  // six are due; three per call
  EXPECT_EQ(registrar_.next_expiry(), now_ + 48s);
  EXPECT_EQ(registrar_.expire(now_ + 50s), 3u);
  EXPECT_EQ(registrar_.counts().bindings, 4u);
  EXPECT_TRUE(registrar_.bindings("sip:user5@example.com", now_ + 50s).empty());
  EXPECT_EQ(registrar_.bindings("sip:user6@example.com", now_ + 50s).size(), 1u);
  // Due but not yet swept: not listed, and a REGISTER finds it gone.
  EXPECT_TRUE(registrar_.bindings("sip:user6@example.com", now_ + 51s).empty());
  now_ += 52s;
  ASSERT_EQ(send({.aor = "sip:user6@example.com", .cseq = 2}).status, 200);
  EXPECT_EQ(registrar_.counts().registered, 11u);
  EXPECT_EQ(registrar_.counts().expired, 7u);
}

TEST_F(RegistrarTest, UnregisterRemovesAnAorByAnySpellingAndDevicesPageByAor) {
  for (const char* user : {"carol", "alice", "bob"}) {
    RegisterSpec s;
    s.aor = std::string("sip:") + user + "@example.com";
    s.contacts = {"<sip:" + std::string(user) + "@10.0.0.2>", "<sip:" + std::string(user) + "@10.0.0.3>"};
    ASSERT_EQ(send(s).status, 200);
  }
  auto page = registrar_.devices(now_, "", 3);
  ASSERT_EQ(page.size(), 2u);  // whole AORs only: two rows of alice, bob's two would pass 3
  EXPECT_EQ(page[0].aor, "sip:alice@example.com");
  page = registrar_.devices(now_, page.back().aor, 10);
  ASSERT_EQ(page.size(), 4u);
  EXPECT_EQ(page[0].aor, "sip:bob@example.com");
  EXPECT_EQ(page[3].aor, "sip:carol@example.com");
  EXPECT_EQ(registrar_.unregister("Bob@EXAMPLE.com"), 0u);  // the user part is case-sensitive
  EXPECT_EQ(registrar_.unregister("bob@EXAMPLE.com"), 2u);
  EXPECT_EQ(registrar_.unregister("sip:alice@example.com;transport=tcp"), 2u);
  EXPECT_EQ(registrar_.unregister("sip:nobody@example.com"), 0u);
  const RegistrarCounts c = registrar_.counts();
  EXPECT_EQ(c.aors, 1u);
  EXPECT_EQ(c.bindings, 2u);
  EXPECT_EQ(c.removed_by_command, 4u);
  EXPECT_EQ(registrar_.next_expiry(), now_ + 60s);
}

TEST_F(RegistrarTest, OptionsIsAnsweredOtherMethodsGet405AndSomeGetNothing) {
  const auto options = handle(test::options_text());
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 200);
  EXPECT_EQ(*options->header("Allow"), "REGISTER, OPTIONS");
  EXPECT_EQ(*options->header("CSeq"), "7 OPTIONS");
  std::string invite = test::options_text();
  invite.replace(0, 7, "INVITE");
  invite.replace(invite.find("7 OPTIONS"), 9, "7 INVITE");
  const auto refused = handle(invite);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 405);
  EXPECT_EQ(*refused->header("Allow"), "REGISTER, OPTIONS");
  std::string ack = invite;
  ack.replace(0, 6, "ACK");
  ack.replace(ack.find("7 INVITE"), 8, "7 ACK");
  EXPECT_FALSE(handle(ack));
  std::string no_via = test::options_text();
  no_via.erase(no_via.find("Via:"), no_via.find("Max-Forwards:") - no_via.find("Via:"));
  EXPECT_FALSE(handle(no_via));
  EXPECT_FALSE(handle("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nContent-Length: 0\r\n\r\n"));
}

TEST_F(RegistrarTest, OptionsThatMakeNoSenseAreRefusedByName) {
  RegistrarOptions o;
  o.standard = {70, 60};
  EXPECT_EQ(check(o).error().message, "standard refresh bounds 70..60 s are not 1 <= minimum <= maximum <= 86400");
  o = {};
  o.outbound = {0, 60};
  EXPECT_FALSE(check(o).ok());
  o = {};
  o.bindings_per_aor_max = 0;
  EXPECT_EQ(check(o).error().message, "bindings per AOR 0 is not 1..100");
  o = {};
  o.server = "Tandem\r\nX: 1";
  EXPECT_EQ(check(o).error().message, "Server name must be printable ASCII");
  EXPECT_TRUE(check(RegistrarOptions{}).ok());
}

}  // namespace
}  // namespace tandem::sip
