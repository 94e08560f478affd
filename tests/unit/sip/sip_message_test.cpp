// The SIP codec: what a registrar reads out of a REGISTER, compact and folded
// headers, every class of malformed message refused by name, truncation at
// every byte, URIs compared as RFC 3261 §19.1.4 says, responses built from
// requests, and the stream framer with RFC 5626 keep-alives.

#include "runtime/wire/sip_message.hpp"

#include <gtest/gtest.h>

#include "tests/unit/sip/sip_samples.hpp"

namespace tandem::wire {
namespace {

using sip::test::register_text;
using sip::test::RegisterSpec;

SipMessage parsed(const std::string& text) {
  auto m = parse_sip_message(text);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return m.ok() ? *m : SipMessage{};
}

std::string error_of(const std::string& text) {
  auto m = parse_sip_message(text);
  return m.ok() ? "(parsed)" : m.error().message;
}

std::string core_error_of(const std::string& text) {
  auto m = parse_sip_message(text);
  if (!m) return "message: " + m.error().message;
  auto core = parse_core(*m);
  return core.ok() ? "(parsed)" : core.error().message;
}

// The sample REGISTER with one header line replaced (or removed when `with` is empty).
std::string replacing(std::string text, const std::string& line_start, const std::string& with) {
  const std::size_t at = text.find(line_start);
  EXPECT_NE(at, std::string::npos) << line_start;
  const std::size_t end = text.find("\r\n", at) + 2;
  return text.replace(at, end - at, with.empty() ? "" : with + "\r\n");
}

TEST(SipMessageTest, AregisterGivesEveryFieldARegistrarNeeds) {
  RegisterSpec spec;
  spec.contacts = {
      "\"Alice, office\" <sip:alice@10.0.0.2:5060;transport=tcp>;expires=120;q=0.7, <sip:alice@10.0.0.3>",
      "<sip:alice@10.0.0.4;ob>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\""};
  spec.extra = {"Supported: path, outbound", "Require: outbound"};
  const SipMessage m = parsed(register_text(spec));
  EXPECT_TRUE(m.request);
  EXPECT_EQ(m.method, "REGISTER");
  EXPECT_EQ(m.request_uri, "sip:example.com");
  EXPECT_EQ(m.body, "");
  EXPECT_EQ(m.header("Content-Length"), nullptr);  // framing, not content

  auto core = parse_core(m);
  ASSERT_TRUE(core.ok()) << core.error().message;
  ASSERT_EQ(core->vias.size(), 1u);
  EXPECT_EQ(core->vias[0].transport, "UDP");
  EXPECT_EQ(core->vias[0].host, "10.0.0.2");
  EXPECT_EQ(core->vias[0].port, 5060);
  EXPECT_EQ(core->vias[0].branch(), "z9hG4bK776asdhds");
  EXPECT_NE(find_param(core->vias[0].params, "rport"), nullptr);
  EXPECT_EQ(core->from.tag(), "456248");
  EXPECT_EQ(core->to.tag(), "");
  EXPECT_EQ(address_of_record(core->to.uri), "sip:alice@example.com");
  EXPECT_EQ(core->call_id, "a84b4c76e66710@10.0.0.2");
  EXPECT_EQ(core->cseq, (SipCSeq{1, "REGISTER"}));
  EXPECT_EQ(core->max_forwards, 70u);

  auto contacts = parse_contacts(m);
  ASSERT_TRUE(contacts.ok()) << contacts.error().message;
  EXPECT_FALSE(contacts->wildcard);
  ASSERT_EQ(contacts->contacts.size(), 3u);
  const SipContact& office = contacts->contacts[0];
  EXPECT_EQ(office.address.display_name, "\"Alice, office\"");
  EXPECT_EQ(office.address.uri.host, "10.0.0.2");
  EXPECT_EQ(find_param(office.address.uri.params, "transport")->value, "tcp");
  EXPECT_EQ(office.expires_s, 120u);
  EXPECT_EQ(office.q_milli, 700u);
  EXPECT_FALSE(contacts->contacts[1].expires_s);
  const SipContact& flow = contacts->contacts[2];
  EXPECT_EQ(flow.reg_id, 1u);
  EXPECT_EQ(flow.instance, "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
  EXPECT_EQ(parse_expires(m).value(), 60u);
  EXPECT_EQ(parse_option_tags(m, "Supported").value(), (std::vector<std::string>{"path", "outbound"}));
  EXPECT_EQ(parse_option_tags(m, "Require").value(), (std::vector<std::string>{"outbound"}));
}

TEST(SipMessageTest, SerializingAParsedMessageGivesItBack) {
  RegisterSpec spec;
  spec.contacts = {"<sip:alice@10.0.0.2>;expires=30", "*"};
  const std::string texts[] = {
      register_text(spec),
      sip::test::options_text(),
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=1\r\nFrom: <sip:a@b>;tag=2\r\n"
      "Call-ID: x\r\nCSeq: 1 REGISTER\r\nContact: <sip:a@c>;expires=60\r\nContent-Length: 5\r\n\r\nhello",
      "MESSAGE sip:bob@example.com SIP/2.0\r\nX-Unknown-Header:   spaced value  \r\nSubject:\r\nl: 4\r\n\r\nbody",
      "SIP/2.0 480 \r\nContent-Length: 0\r\n\r\n",
  };
  for (const std::string& text : texts) {
    const SipMessage m = parsed(text);
    const std::string bytes = serialize(m);
    EXPECT_EQ(parsed(bytes), m) << bytes;
    EXPECT_EQ(serialize(parsed(bytes)), bytes);
  }
  EXPECT_EQ(parsed(texts[3]).header("X-Unknown-Header")->c_str(), std::string("spaced value"));
  EXPECT_EQ(parsed(texts[4]).reason, "");
}

TEST(SipMessageTest, CompactFormsAndAnyCaseNameTheSameHeaders) {
  const std::string compact =
      "REGISTER sip:example.com SIP/2.0\r\n"
      "v: SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bK1\r\n"
      "t: <sip:alice@example.com>\r\n"
      "f: <sip:alice@example.com>;tag=1\r\n"
      "i: call-1\r\n"
      "cSeQ: 2 REGISTER\r\n"
      "m: <sip:alice@10.0.0.2;transport=tcp>\r\n"
      "k: outbound\r\n"
      "EXPIRES: 60\r\n"
      "c: text/plain\r\n"
      "e: identity\r\n"
      "s: hello\r\n"
      "o: reg\r\n"
      "u: presence\r\n"
      "l: 2\r\n\r\nhi";
  const SipMessage m = parsed(compact);
  const std::vector<std::string> names = {"Via",     "To",        "From",        "Call-ID",      "CSeq",
                                          "Contact", "Supported", "Expires",     "Content-Type", "Content-Encoding",
                                          "Subject", "Event",     "Allow-Events"};
  ASSERT_EQ(m.headers.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(m.headers[i].name, names[i]);
  EXPECT_EQ(*m.header("i"), "call-1");
  EXPECT_EQ(*m.header("call-id"), "call-1");
  EXPECT_EQ(m.body, "hi");
  EXPECT_TRUE(parse_core(m).ok());
  EXPECT_EQ(parse_contacts(m)->contacts.size(), 1u);
  EXPECT_EQ(canonical_header_name("X-Custom"), "X-Custom");
}

TEST(SipMessageTest, FoldedLinesJoinTheirHeaderWithOneSpace) {
  const SipMessage m = parsed(replacing(
      register_text({}), "Contact:", "Contact: <sip:alice@10.0.0.2>\r\n\t;expires=30,\r\n   <sip:alice@10.0.0.3>"));
  EXPECT_EQ(*m.header("Contact"), "<sip:alice@10.0.0.2> ;expires=30, <sip:alice@10.0.0.3>");
  auto contacts = parse_contacts(m);
  ASSERT_TRUE(contacts.ok()) << contacts.error().message;
  ASSERT_EQ(contacts->contacts.size(), 2u);
  EXPECT_EQ(contacts->contacts[0].expires_s, 30u);
  EXPECT_EQ(error_of("REGISTER sip:a SIP/2.0\r\n continued\r\n\r\n"), "header line 1 continues no header");
}

TEST(SipMessageTest, ContentLengthFramesTheBody) {
  const std::string head = "MESSAGE sip:bob@example.com SIP/2.0\r\nCall-ID: 1\r\n";
  EXPECT_EQ(parsed(head + "Content-Length: 3\r\n\r\nabcdef").body, "abc");  // the rest dropped (§18.3)
  EXPECT_EQ(parsed(head + "\r\nabcdef").body, "abcdef");                    // none: the datagram's rest
  EXPECT_EQ(error_of(head + "Content-Length: 7\r\n\r\nabcdef"), "Content-Length 7 exceeds the 6 body bytes present");
  EXPECT_EQ(error_of(head + "Content-Length: 3\r\nl: 4\r\n\r\nabcdef"),
            "Content-Length appears twice with different values");
  EXPECT_EQ(parsed(head + "Content-Length: 3\r\nl: 3\r\n\r\nabcdef").body, "abc");
  EXPECT_EQ(error_of(head + "Content-Length: -1\r\n\r\n"),
            "Content-Length '-1' is not a number of bytes (or is far too large)");
  EXPECT_EQ(error_of(head + "Content-Length: 99999999999999999999\r\n\r\n"),
            "Content-Length '99999999999999999999' is not a number of bytes (or is far too large)");
}

TEST(SipMessageTest, EveryMalformedClassIsRefusedByName) {
  const std::string good = register_text({});
  std::string many_headers = "OPTIONS sip:a SIP/2.0\r\n";
  for (int i = 0; i < 65; ++i) many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  const std::string cases[][2] = {
      {"", "empty message"},
      {"\r\n\r\n", "no start line (only CRLF)"},
      {"\r\n\r\nVia: x\r\n\r\n", "start line 'Via: x' is not 'METHOD URI SIP/2.0'"},
      {"REGISTER sip:example.com SIP/3.0\r\n\r\n", "version 'SIP/3.0' is not SIP/2.0"},
      {"REGISTER sip:example.com\r\n\r\n", "start line 'REGISTER sip:example.com' is not 'METHOD URI SIP/2.0'"},
      {"REGISTER  sip:example.com SIP/2.0\r\n\r\n", "Request-URI ' sip:example.com' is empty or holds whitespace"},
      {"REG;STER sip:example.com SIP/2.0\r\n\r\n", "method 'REG;STER' is not a token"},
      {"SIP/2.0 2000 OK\r\n\r\n", "status code '2000' is not 3 digits"},
      {"SIP/2.0 099 Early\r\n\r\n", "status code '099' is not 100..699"},
      {"SIP/1.0 200 OK\r\n\r\n", "version 'SIP/1.0' is not SIP/2.0"},
      {replacing(good, "Max-Forwards:", "Max-Forwards 70"), "header line 2 'Max-Forwards 70' has no colon"},
      {replacing(good, "Max-Forwards:", ": 70"), "header line 2 has no valid name: ': 70'"},
      {replacing(good, "Max-Forwards:", std::string("Max-Forwards: 7\0", 16)),
       "NUL byte in the message head at offset 111"},
      {replacing(good, "Max-Forwards:", "Max-Forwards: 70\nX: y"), "bare LF in the message head at offset 112"},
      {replacing(good, "Max-Forwards:", "Max-Forwards: 70\rX: y"), "bare CR in the message head at offset 112"},
      {replacing(good, "Max-Forwards:", "Max-Forwards: \x01"), "control byte 1 in the message head at offset 110"},
      {replacing(good, "Max-Forwards:", "X-Big: " + std::string(8200, 'a')), "X-Big header exceeds 8192 bytes"},
      {many_headers + "\r\n", "more than 64 header lines"},
      {"OPTIONS sip:a SIP/2.0\r\nContent-Length: 70000\r\n\r\n" + std::string(70000, 'b'),
       "message of 70048 bytes exceeds the limit of 65536"},
      {good.substr(0, good.size() - 2), "no blank line after the headers (truncated?)"},
  };
  for (const auto& [text, why] : cases) EXPECT_EQ(error_of(text), why) << text.substr(0, 60);
}

TEST(SipMessageTest, MissingOrBadCoreHeadersAreNamed) {
  const std::string good = register_text({});
  const std::string cases[][2] = {
      {replacing(good, "Call-ID:", ""), "missing Call-ID"},
      {replacing(good, "Call-ID:", "Call-ID: a\r\ni: b"), "more than one Call-ID"},
      {replacing(good, "Call-ID:", "Call-ID: a b"), "Call-ID 'a b' is empty or holds whitespace"},
      {replacing(good, "CSeq:", "CSeq: one REGISTER"), "CSeq number 'one' is not 0..4294967295"},
      {replacing(good, "CSeq:", "CSeq: 4294967296 REGISTER"), "CSeq number '4294967296' is not 0..4294967295"},
      {replacing(good, "CSeq:", "CSeq: 1"), "CSeq method '' is not a token"},
      {replacing(good, "CSeq:", "CSeq: 1 INVITE"), "CSeq method 'INVITE' differs from the request's REGISTER"},
      {replacing(good, "CSeq:", ""), "missing CSeq"},
      {replacing(good, "Via:", ""), "missing Via"},
      {replacing(good, "Via:", "Via: SIP/2.0/UDP"), "Via 1: Via sent-by has no host"},
      {replacing(good, "Via:", "Via: HTTP/1.1/TCP h"), "Via 1: Via sent-protocol 'HTTP/1.1' is not SIP/2.0"},
      {replacing(good, "Via:", "Via: SIP/2.0/UDP h:99999"), "Via 1: Via sent-by port '99999' is not 1..65535"},
      {replacing(good, "From:", ""), "missing From"},
      {replacing(good, "To:", "To: <mailto:alice@example.com>"),
       "To: URI 'mailto:alice@example.com' is not a sip: or sips: URI"},
      {replacing(good, "To:", "To: <sip:alice@example.com"), "To: '<' without '>'"},
      {replacing(good, "Max-Forwards:", "Max-Forwards: 300"), "Max-Forwards '300' is not 0..255"},
  };
  for (const auto& [text, why] : cases) EXPECT_EQ(core_error_of(text), why);
  std::string vias = good;
  for (int i = 0; i < 16; ++i) {
    vias = replacing(vias, "Max-Forwards:", "Via: SIP/2.0/TCP p" + std::to_string(i) + "\r\nMax-Forwards: 70");
  }
  EXPECT_EQ(core_error_of(vias), "more than 16 Via entries");
}

// A prefix of a message is never mistaken for a whole one; the framer waits for
// the rest without error, byte by byte, and then gives the message.
TEST(SipMessageTest, TruncatedAtEveryByteIsRefusedAndTheFramerWaits) {
  RegisterSpec spec;
  spec.extra = {"Content-Type: text/plain"};
  std::string text = register_text(spec);
  text = replacing(text, "Content-Length:", "Content-Length: 11") + "hello world";
  const SipMessage whole = parsed(text);
  ASSERT_EQ(whole.body, "hello world");
  for (std::size_t n = 0; n < text.size(); ++n) {
    const std::string cut = text.substr(0, n);  // its own allocation: sanitizers see over-reads
    EXPECT_FALSE(parse_sip_message(cut).ok()) << n;
    SipStreamFramer framer;
    framer.feed(cut);
    auto next = framer.next();
    ASSERT_TRUE(next.ok()) << n << ": " << next.error().message;
    EXPECT_FALSE(next->has_value()) << n;
  }
  SipStreamFramer framer;
  for (std::size_t i = 0; i < text.size(); ++i) {
    framer.feed(std::string_view(text).substr(i, 1));
    auto next = framer.next();
    ASSERT_TRUE(next.ok());
    if (i + 1 < text.size()) {
      ASSERT_FALSE(next->has_value()) << i;
    } else {
      ASSERT_TRUE(next->has_value());
      EXPECT_EQ((*next)->message, whole);
      EXPECT_EQ((*next)->bytes, text.size());
    }
  }
}

TEST(SipUriTest, ParsesRoundTripsAndComparesAsRfc3261Says) {
  auto uri = parse_sip_uri("sips:Alice:secret@Atlanta.COM:5061;Transport=TCP;lr?subject=project%20x");
  ASSERT_TRUE(uri.ok()) << uri.error().message;
  EXPECT_EQ(uri->scheme, "sips");
  EXPECT_EQ(uri->user, "Alice");
  EXPECT_EQ(uri->password, "secret");
  EXPECT_EQ(uri->host, "atlanta.com");
  EXPECT_EQ(uri->port, 5061);
  ASSERT_EQ(uri->params.size(), 2u);
  EXPECT_EQ(uri->params[0], (SipParam{"transport", "TCP", true}));
  EXPECT_EQ(uri->params[1], (SipParam{"lr", "", false}));
  EXPECT_EQ(uri->headers, "subject=project%20x");
  EXPECT_EQ(to_string(*uri), "sips:Alice:secret@atlanta.com:5061;transport=TCP;lr?subject=project%20x");
  EXPECT_EQ(parse_sip_uri(to_string(*uri)).value(), *uri);
  EXPECT_EQ(parse_sip_uri("sip:[2001:db8::10]:5070").value().host, "[2001:db8::10]");

  auto eq = [](const char* a, const char* b) { return equivalent(parse_sip_uri(a).value(), parse_sip_uri(b).value()); };
  // RFC 3261 §19.1.4's own examples.
  EXPECT_TRUE(eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
  EXPECT_TRUE(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  EXPECT_TRUE(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5"));
  EXPECT_FALSE(eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
  EXPECT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
  EXPECT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
  EXPECT_FALSE(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));

  EXPECT_EQ(address_of_record(parse_sip_uri("sip:%61lice%2a%3F@Atlanta.COM;transport=tcp?x=y").value()),
            "sip:alice*%3F@atlanta.com");
  EXPECT_EQ(address_of_record(parse_sip_uri("sips:bob@example.com:5061;user=phone").value()),
            "sips:bob@example.com:5061");
}

TEST(SipUriTest, BadUrisAreRefusedByName) {
  const char* cases[][2] = {
      {"tel:+15551234", "URI 'tel:+15551234' is not a sip: or sips: URI"},
      {"sip:", "URI has no host"},
      {"sip:alice@", "URI has no host"},
      {"sip:@example.com", "URI user '' is empty or invalid"},
      {"sip:a@b@c", "URI 'sip:a@b@c' has more than one '@'"},
      {"sip:al ice@example.com", "URI 'sip:al ice@example.com' holds whitespace, a control byte, a quote or <>"},
      {"sip:alice@exa!mple.com", "URI host 'exa!mple.com' is not a host name or address"},
      {"sip:alice@example.com:0", "URI port '0' is not 1..65535"},
      {"sip:alice@example.com:65536", "URI port '65536' is not 1..65535"},
      {"sip:alice@[2001:db8::1", "URI host '[2001:db8::1' lacks ']'"},
      {"sip:a%zz@example.com", "URI user 'a%zz' is empty or invalid"},
      {"sip:alice@example.com;=x", "URI: a parameter has no name near '=x'"},
      {"sip:alice@example.com;a=", "URI: parameter a has an empty value"},
  };
  for (const auto& [text, why] : cases) {
    auto uri = parse_sip_uri(text);
    ASSERT_FALSE(uri.ok()) << text;
    EXPECT_EQ(uri.error().message, why);
  }
  std::string many = "sip:a@b";
  for (int i = 0; i < 33; ++i) many += ";p" + std::to_string(i);
  EXPECT_EQ(parse_sip_uri(many).error().message, "URI: more than 32 parameters");
}

TEST(SipNameAddrTest, DisplayNamesBareUrisAndParametersRoundTrip) {
  auto quoted = parse_name_addr(R"("Bob \"the builder\", Jr" <sip:bob@example.com;transport=tcp>;tag=a6c85cf)");
  ASSERT_TRUE(quoted.ok()) << quoted.error().message;
  EXPECT_EQ(quoted->display_name, R"("Bob \"the builder\", Jr")");
  EXPECT_EQ(quoted->tag(), "a6c85cf");
  EXPECT_EQ(find_param(quoted->uri.params, "transport")->value, "tcp");
  EXPECT_EQ(parse_name_addr(to_string(*quoted)).value(), *quoted);

  // Bare: the parameters belong to the header, even a quoted '<'.
  auto bare = parse_name_addr("sip:alice@10.0.0.2;expires=0;+sip.instance=\"<urn:uuid:1>\"");
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_TRUE(bare->uri.params.empty());
  ASSERT_EQ(bare->params.size(), 2u);
  EXPECT_EQ(unquoted(bare->params[1].value), "<urn:uuid:1>");
  EXPECT_EQ(to_string(*bare), "<sip:alice@10.0.0.2>;expires=0;+sip.instance=\"<urn:uuid:1>\"");
  EXPECT_EQ(parse_name_addr(to_string(*bare)).value(), *bare);

  auto tokens = parse_name_addr("Alice  Smith <sip:alice@example.com>");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->display_name, "Alice  Smith");
  EXPECT_EQ(parse_name_addr("Alice, Smith <sip:a@b>").error().message, "display name 'Alice, Smith' must be quoted");
  EXPECT_EQ(parse_name_addr("\"open <sip:a@b>").error().message, "unterminated quoted display name");
  EXPECT_EQ(parse_name_addr("sip:a@b?x=y").error().message, "a URI with ',' or '?' must be in <>");
  EXPECT_EQ(parse_name_addr("<sip:a@b> junk").error().message, "address: expected ';' before 'junk'");
}

TEST(SipViaTest, ListsParametersAndIpv6SentBy) {
  auto via = parse_via("SIP / 2.0 / tcp [2001:db8::9]:5070 ; branch=z9hG4bK77 ;rport; received=2001:db8::9");
  ASSERT_TRUE(via.ok()) << via.error().message;
  EXPECT_EQ(via->transport, "TCP");
  EXPECT_EQ(via->host, "[2001:db8::9]");
  EXPECT_EQ(via->port, 5070);
  EXPECT_EQ(via->branch(), "z9hG4bK77");
  EXPECT_EQ(find_param(via->params, "received")->value, "2001:db8::9");
  EXPECT_EQ(to_string(*via), "SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bK77;rport;received=2001:db8::9");
  EXPECT_EQ(parse_via(to_string(*via)).value(), *via);

  SipMessage m = parsed(replacing(
      register_text({}), "Via:", "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b:5070\r\nv: SIP/2.0/TCP c"));
  auto core = parse_core(m);
  ASSERT_TRUE(core.ok());
  ASSERT_EQ(core->vias.size(), 3u);
  EXPECT_EQ(core->vias[1].host, "b");
  EXPECT_EQ(core->vias[2].transport, "TCP");
}

TEST(SipContactTest, WildcardAndParameterRulesAreChecked) {
  auto contacts_of = [](std::vector<std::string> lines) {
    RegisterSpec spec;
    spec.contacts = std::move(lines);
    auto m = parse_sip_message(register_text(spec));
    EXPECT_TRUE(m.ok());
    return parse_contacts(*m);
  };
  auto star = contacts_of({"*"});
  ASSERT_TRUE(star.ok());
  EXPECT_TRUE(star->wildcard);
  EXPECT_TRUE(star->contacts.empty());
  EXPECT_TRUE(contacts_of({})->contacts.empty());
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"*", "<sip:a@b>"}, "Contact * must be the only Contact"},
      {{"<sip:a@b>, *"}, "Contact * must be the only Contact"},
      {{"<sip:a@b>;expires=soon"}, "Contact 1: expires 'soon' is not a number of seconds"},
      {{"<sip:a@b>;q=1.5"}, "Contact 1: q '1.5' is not 0..1"},
      {{"<sip:a@b>;q=0.1234"}, "Contact 1: q '0.1234' is not 0..1"},
      {{"<sip:a@b>;reg-id=0"}, "Contact 1: reg-id '0' is not 1..2147483647"},
      {{"<sip:a@b>;+sip.instance=\"\""}, "Contact 1: +sip.instance is empty"},
      {{"<sip:a@b>,"}, "Contact: empty list entry"},
      {{"<tel:+1555>"}, "Contact 1: URI 'tel:+1555' is not a sip: or sips: URI"},
  };
  for (const auto& [lines, why] : cases) {
    auto got = contacts_of(lines);
    ASSERT_FALSE(got.ok()) << why;
    EXPECT_EQ(got.error().message, why);
  }
  EXPECT_EQ(contacts_of({"<sip:a@b>;expires=99999999999"})->contacts[0].expires_s, 4294967295u);  // RFC 3261 §20.19
  EXPECT_EQ(contacts_of({"<sip:a@b>;q=0"})->contacts[0].q_milli, 0u);
  EXPECT_EQ(contacts_of({"<sip:a@b>;q=1.000"})->contacts[0].q_milli, 1000u);
  std::vector<std::string> seventeen(17, "<sip:a@b>");
  EXPECT_EQ(contacts_of(seventeen).error().message, "more than 16 Contact entries");
  EXPECT_EQ(contacts_of({"<sip:a@b>,<sip:a@c>"})->contacts.size(), 2u);
}

TEST(SipResponseTest, CopiesTheRequestsHeadersAndTagsTheTo) {
  RegisterSpec spec;
  spec.extra = {"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2"};
  const SipMessage request = parsed(register_text(spec));
  SipMessage r = make_response(request, 200, "OK", "abc123");
  EXPECT_FALSE(r.request);
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(r.headers.size(), 6u);
  EXPECT_EQ(r.headers[0].value, "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds;rport");
  EXPECT_EQ(r.headers[1].value, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2");
  EXPECT_EQ(*r.header("To"), "<sip:alice@example.com>;tag=abc123");
  EXPECT_EQ(*r.header("From"), "<sip:alice@example.com>;tag=456248");
  EXPECT_EQ(*r.header("CSeq"), "1 REGISTER");
  // A To that has a tag keeps it; a 100 gets none.
  EXPECT_EQ(*make_response(parsed(serialize(r)), 200, "OK", "zzz").header("To"), "<sip:alice@example.com>;tag=abc123");
  EXPECT_EQ(*make_response(request, 100, "Trying", "zzz").header("To"), "<sip:alice@example.com>");

  stamp_received(r, Endpoint{IpAddress::v4(192, 0, 2, 7), 40123});  // rport asked: both
  EXPECT_EQ(r.headers[0].value, "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds;rport=40123;received=192.0.2.7");
  EXPECT_EQ(r.headers[1].value, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2");  // only the top one
  spec.rport = false;
  SipMessage plain = make_response(parsed(register_text(spec)), 200, "OK", "t");
  stamp_received(plain, Endpoint{IpAddress::v4(10, 0, 0, 2), 5060});  // same host, no rport: unchanged
  EXPECT_EQ(plain.headers[0].value, "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds");
  stamp_received(plain, Endpoint{IpAddress::v4(10, 0, 0, 9), 5060});
  EXPECT_EQ(plain.headers[0].value, "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds;received=10.0.0.9");
  // With the request's parsed core (as a registrar answers): the same response, the same stamp.
  for (const std::string& text : {register_text(spec), serialize(r)}) {
    const SipMessage req = parsed(text);
    auto core = parse_core(req);
    ASSERT_TRUE(core.ok()) << core.error().message;
    for (int status : {100, 200, 423}) {
      SipMessage with_core = make_response(req, *core, status, "x", "tag1");
      SipMessage without = make_response(req, status, "x", "tag1");
      EXPECT_EQ(with_core, without) << text;
      stamp_received(with_core, *core, Endpoint{IpAddress::v4(192, 0, 2, 9), 7000});
      stamp_received(without, Endpoint{IpAddress::v4(192, 0, 2, 9), 7000});
      EXPECT_EQ(with_core, without) << text;
    }
  }
  EXPECT_EQ(safe_reason("Bad\r\nX: injected\x01"), "Bad??X: injected?");
  EXPECT_EQ(safe_reason(std::string(500, 'a')).size(), 120u);
}

TEST(SipStreamFramerTest, CutsMessagesAndAnswersToPings) {
  const std::string one = register_text({});
  const std::string two = sip::test::options_text();
  SipStreamFramer framer;
  framer.feed("\r\n\r\n" + one + "\r\n" + two.substr(0, 10));
  auto ping = framer.next();
  ASSERT_TRUE(ping.ok() && ping->has_value());
  EXPECT_EQ((*ping)->kind, SipStreamItem::Kind::Ping);
  auto first = framer.next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->kind, SipStreamItem::Kind::Message);
  EXPECT_EQ((*first)->message.method, "REGISTER");
  EXPECT_FALSE(framer.next()->has_value());  // the CRLF (a pong) and a part of the next one
  framer.feed(two.substr(10));
  auto second = framer.next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->message.method, "OPTIONS");
  EXPECT_EQ((*second)->bytes, 2 + two.size());  // the pong counted with it
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  framer.feed("\r\n\r");
  EXPECT_FALSE(framer.next()->has_value());  // a ping may be coming
  framer.feed("\n");
  EXPECT_EQ((*framer.next())->kind, SipStreamItem::Kind::Ping);
}

TEST(SipStreamFramerTest, WhatCannotBeFramedBreaksTheStream) {
  auto error_after = [](const std::string& bytes, std::size_t limit = kSipMessageBytesMax) {
    SipStreamFramer framer(limit);
    framer.feed(bytes);
    auto next = framer.next();
    return next.ok() ? std::string("(ok)") : next.error().message;
  };
  EXPECT_EQ(error_after("OPTIONS sip:a SIP/2.0\r\nCall-ID: 1\r\n\r\n"),
            "Content-Length is missing (mandatory on a stream)");
  EXPECT_EQ(error_after("OPTIONS sip:a SIP/2.0\r\nl: 70000\r\n\r\n"),
            "message of 70035 bytes exceeds the limit of 65536");
  EXPECT_EQ(error_after("OPTIONS sip:a SIP/2.0\r\nX: " + std::string(200, 'x'), 100),
            "no blank line within 100 bytes: headers too long");
  EXPECT_EQ(error_after("garbage\r\n\r\n"), "start line 'garbage' is not 'METHOD URI SIP/2.0'");
  SipStreamFramer framer(100);
  framer.feed(std::string(401, 'x'));
  EXPECT_EQ(framer.next().error().message, "more than 400 bytes buffered without a whole message");
  framer.feed(register_text({}));  // nothing after an error is trusted
  EXPECT_FALSE(framer.next().ok());
}

}  // namespace
}  // namespace tandem::wire
