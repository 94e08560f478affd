// Hostile bytes, seeded so a failure replays: random noise, SIP-shaped
// fragments, and valid messages with random damage go through the codec, the
// stream framer and the registrar. Nothing crashes or reads past its input
// (run it under the asan preset), what parses serializes back to itself, the
// typed fields re-parse to the same values, and every response the registrar
// writes parses.

#include <gtest/gtest.h>

#include "runtime/core/random.hpp"
#include "runtime/sip/registrar.hpp"
#include "runtime/wire/sip_message.hpp"
#include "tests/unit/sip/sip_samples.hpp"

namespace tandem::sip {
namespace {

using namespace std::chrono_literals;
using wire::SipMessage;

std::vector<std::string> seeds() {
  test::RegisterSpec outbound;
  outbound.contacts = {"<sip:bob@10.0.0.3;transport=tcp;ob>;reg-id=1;+sip.instance=\"<urn:uuid:f81d4fae>\""};
  outbound.extra = {"Supported: outbound, path"};
  test::RegisterSpec several;
  several.contacts = {"\"Bob, B\" <sip:bob@10.0.0.3>;q=0.5;expires=50, sip:bob@10.0.0.4;expires=0", "*"};
  test::RegisterSpec star;
  star.contacts = {"*"};
  star.expires = "0";
  return {
      test::register_text({}),
      test::register_text(outbound),
      test::register_text(several),
      test::register_text(star),
      test::options_text(),
      "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1;received=1.2.3.4\r\nt: <sip:a@b>;tag=1\r\nf: "
      "<sip:a@b>;tag=2\r\n"
      "i: x\r\nCSeq: 1 REGISTER\r\nm: <sip:a@c>;expires=60\r\nl: 5\r\n\r\nhello",
      "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx\r\nFrom: \"A\" "
      "<sips:a@example.com>;tag=9\r\nTo: sip:bob@example.com\r\nCall-ID: c@d\r\nCSeq: 4 INVITE\r\nSubject: a\r\n  "
      "folded\r\nContent-Length: 4\r\n\r\nv=0\n",
  };
}

const std::vector<std::string> kFragments = {
    "\r\n",
    "\r\n\r\n",
    " ",
    "\t",
    ":",
    ";",
    ",",
    "<",
    ">",
    "\"",
    "\\",
    "=",
    "@",
    "*",
    "/",
    "?",
    "[",
    "]",
    "%",
    "%4",
    std::string(1, '\0'),
    "\x80",
    "SIP/2.0",
    "REGISTER",
    "sip:",
    "sips:",
    "Via",
    "v",
    "From",
    "To",
    "t",
    "Call-ID",
    "i",
    "CSeq",
    "Contact",
    "m",
    "Expires",
    "Content-Length",
    "l",
    "Supported",
    "Require",
    "outbound",
    "tag",
    "branch",
    "rport",
    "received",
    "expires",
    "reg-id",
    "+sip.instance",
    "q",
    "0",
    "1",
    "0.5",
    "4294967296",
    "65536",
    "-1",
    "127.0.0.1",
    "[::1]",
    "example.com",
    "alice",
};

std::string noise(Random& rng) {
  std::string s(rng.below(1500), '\0');
  for (char& c : s) c = static_cast<char>(rng.below(256));
  return s;
}

std::string fragments(Random& rng) {
  std::string s;
  for (std::uint64_t n = rng.below(120); n > 0; --n) s += kFragments[rng.below(kFragments.size())];
  return s;
}

void mutate_bytes(Random& rng, std::string& s) {
  for (std::uint64_t n = 1 + rng.below(6); n > 0 && !s.empty(); --n) {
    const std::size_t at = rng.below(s.size());
    switch (rng.below(5)) {
      case 0: s[at] = static_cast<char>(rng.below(256)); break;
      case 1: s.erase(at, 1 + rng.below(8)); break;
      case 2: s.insert(at, kFragments[rng.below(kFragments.size())]); break;
      case 3: s.insert(at, s.substr(rng.below(s.size()), rng.below(40))); break;
      default: s.resize(at); break;
    }
  }
}

void mutate_lines(Random& rng, std::string& s) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < s.size();) {
    std::size_t end = s.find("\r\n", at);
    end = end == std::string::npos ? s.size() : end + 2;
    lines.push_back(s.substr(at, end - at));
    at = end;
  }
  if (lines.size() < 3) return;
  const std::size_t a = 1 + rng.below(lines.size() - 2);
  const std::size_t b = 1 + rng.below(lines.size() - 2);
  switch (rng.below(4)) {
    case 0: std::swap(lines[a], lines[b]); break;
    case 1: lines.insert(lines.begin() + static_cast<long>(a), lines[b]); break;
    case 2: lines.erase(lines.begin() + static_cast<long>(a)); break;
    default: {
      const std::size_t colon = lines[a].find(':');
      if (colon != std::string::npos) lines[a] = lines[a].substr(0, colon + 1) + " " + fragments(rng) + "\r\n";
    }
  }
  s.clear();
  for (const std::string& line : lines) s += line;
}

// What the codec accepted re-serializes to itself, and its typed parts re-parse to themselves.
void check_round_trips(const SipMessage& m) {
  const std::string bytes = wire::serialize(m);
  auto again = wire::parse_sip_message(bytes);
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << bytes;
  ASSERT_EQ(*again, m) << bytes;
  if (auto core = wire::parse_core(m)) {
    for (const wire::SipVia& via : core->vias) EXPECT_EQ(wire::parse_via(wire::to_string(via)).value(), via);
    EXPECT_EQ(wire::parse_name_addr(wire::to_string(core->to)).value(), core->to);
    EXPECT_EQ(wire::parse_sip_uri(wire::to_string(core->from.uri)).value(), core->from.uri);
  }
  if (auto contacts = wire::parse_contacts(m)) {
    for (const wire::SipContact& c : contacts->contacts) {
      EXPECT_EQ(wire::parse_name_addr(wire::to_string(c.address)).value(), c.address);
    }
  }
  (void)wire::parse_expires(m);
  (void)wire::parse_option_tags(m, "Supported");
}

// The framer over the same bytes in random chunks: errors or items, bounded.
void frame_in_chunks(Random& rng, const std::string& bytes) {
  wire::SipStreamFramer framer;
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t n = 1 + rng.below(std::min<std::size_t>(bytes.size() - at, 300));
    framer.feed(std::string_view(bytes).substr(at, n));
    at += n;
    for (int turn = 0; turn < 1000; ++turn) {
      auto next = framer.next();
      if (!next) return;
      if (!next->has_value()) break;
      ASSERT_LT(turn, 999) << "the framer kept yielding";
    }
  }
}

TEST(SipFuzzTest, HostileBytesNeverCrashAndWhatParsesRoundTrips) {
  Random rng(Random::derive_seed(23, "sip-fuzz"));
  const std::vector<std::string> valid = seeds();
  RegistrarOptions options;
  options.aors_max = 500;
  Registrar registrar(options);
  std::size_t accepted = 0, requests = 0, answered = 0;
  MonoTime now{};
  for (int round = 0; round < 40000; ++round) {
    std::string bytes;
    switch (rng.below(5)) {
      case 0: bytes = noise(rng); break;
      case 1: bytes = fragments(rng); break;
      case 2:
        bytes = valid[rng.below(valid.size())];
        mutate_bytes(rng, bytes);
        break;
      case 3:
        bytes = valid[rng.below(valid.size())];
        mutate_lines(rng, bytes);
        break;
      default: {
        const std::string& a = valid[rng.below(valid.size())];
        const std::string& b = valid[rng.below(valid.size())];
        bytes = a.substr(0, rng.below(a.size())) + b.substr(rng.below(b.size()));
      }
    }
    const std::string exact(bytes);  // a heap block of exactly this size
    frame_in_chunks(rng, exact);
    auto m = wire::parse_sip_message(exact);
    if (!m) continue;
    ++accepted;
    check_round_trips(*m);
    if (!m->request) continue;
    ++requests;
    now += 100ms;
    auto response = registrar.handle(
        *m, RequestContext{Endpoint{IpAddress::v4(10, 0, 0, 2), 5060}, Transport::Udp, 0, now, rng.chance(0.1)});
    if (round % 1000 == 0) registrar.expire(now);
    if (!response) continue;
    ++answered;
    auto reparsed = wire::parse_sip_message(wire::serialize(*response));
    ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
  }
  EXPECT_GT(accepted, 4000u);  // the mutations did reach the deep paths
  EXPECT_GT(answered, 2000u);
  EXPECT_GT(registrar.counts().registered, 50u);
  EXPECT_LE(registrar.counts().aors, 500u);
  std::printf("fuzz: %zu parsed, %zu requests, %zu answered, %llu registered, %llu refused\n", accepted, requests,
              answered, static_cast<unsigned long long>(registrar.counts().registered),
              static_cast<unsigned long long>(registrar.counts().refused));
}

}  // namespace
}  // namespace tandem::sip
