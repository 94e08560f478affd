// Hostile bytes, seeded so a failure replays: random noise, and valid RAS
// messages with random damage (bits flipped, cut short, bytes inserted or
// repeated) go through the decoder. Nothing crashes or reads past its input
// (run it under the asan preset); what decodes encodes again (unless it holds
// a reason the codec cannot send) and decodes to the same value. Random valid
// messages round-trip exactly.

#include <gtest/gtest.h>

#include "runtime/core/random.hpp"
#include "runtime/h323/ras_message.hpp"
#include "tests/unit/h323/ras_samples.hpp"

namespace tandem::h323 {
namespace {

using Bytes = std::vector<std::uint8_t>;

void check_decoded_round_trips(const Bytes& input) {
  auto decoded = decode_ras(input);
  if (!decoded) {
    EXPECT_EQ(decoded.error().message.rfind("RAS ", 0), 0u) << decoded.error().message;
    return;
  }
  auto again = encode(*decoded);
  if (!again) {
    EXPECT_NE(again.error().message.find("Other cannot be sent"), std::string::npos) << again.error().message;
    return;
  }
  auto back = decode_ras(*again);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, *decoded);
}

Bytes damage(Bytes b, Random& random) {
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random.below(n)); };
  switch (random.below(5)) {
    case 0:  // flip a few bits
      for (int i = 0, n = 1 + static_cast<int>(random.below(4)); i < n && !b.empty(); ++i) {
        b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << random.below(8));
      }
      break;
    case 1:  // cut short
      b.resize(pick(b.size() + 1));
      break;
    case 2: {  // random bytes inserted
      const std::size_t at = pick(b.size() + 1);
      for (int i = 0, n = 1 + static_cast<int>(random.below(8)); i < n; ++i) {
        b.insert(b.begin() + static_cast<long>(at), static_cast<std::uint8_t>(random.below(256)));
      }
      break;
    }
    case 3: {  // a stretch repeated
      if (b.empty()) break;
      const std::size_t from = pick(b.size());
      const std::size_t len = 1 + pick(b.size() - from);
      const Bytes stretch(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + len));
      b.insert(b.begin() + static_cast<long>(pick(b.size() + 1)), stretch.begin(), stretch.end());
      break;
    }
    default:  // an octet set to a boundary value
      if (!b.empty()) b[pick(b.size())] = random.chance(0.5) ? 0xFF : 0x00;
  }
  return b;
}

TEST(RasFuzz, RandomNoiseNeverCrashes) {
  Random random(0x4A5);
  for (int i = 0; i < 20000; ++i) {
    Bytes noise(random.below(160));
    for (auto& byte : noise) byte = static_cast<std::uint8_t>(random.below(256));
    if (!noise.empty() && random.chance(0.5)) noise[0] = static_cast<std::uint8_t>(random.below(0x24));  // a modelled message
    check_decoded_round_trips(noise);
  }
}

TEST(RasFuzz, DamagedSamplesNeverCrash) {
  Random random(0x1719);
  const auto samples = test::samples();
  for (int i = 0; i < 40000; ++i) {
    const auto& message = samples[random.below(samples.size())].second;
    Bytes bytes = encode(message).value();
    for (int rounds = 1 + static_cast<int>(random.below(3)); rounds > 0; --rounds) bytes = damage(std::move(bytes), random);
    check_decoded_round_trips(bytes);
  }
}

std::string random_text(Random& random, std::string_view alphabet, std::size_t max) {
  std::string s(1 + random.below(max), ' ');
  for (char& c : s) c = alphabet[random.below(alphabet.size())];
  return s;
}

Alias random_alias(Random& random) {
  switch (random.below(5)) {
    case 0: return {AliasKind::DialledDigits, random_text(random, "0123456789#*,", 128)};
    case 1: return {AliasKind::UrlId, random_text(random, "h323:abc@example.com/", 512)};
    case 2: return {AliasKind::EmailId, random_text(random, "abc.de@xyz", 512)};
    case 3: return {AliasKind::H323Id, "\xC3\xA9t\xE2\x82\xAC"};  // two- and three-byte UTF-8
    default: return {AliasKind::H323Id, random_text(random, "abcdefgh -_.ABC", 256)};
  }
}

Endpoint random_endpoint(Random& random) {
  Endpoint e;
  std::uint8_t bytes[16];
  for (auto& b : bytes) b = static_cast<std::uint8_t>(random.below(256));
  e.ip = IpAddress::from_bytes(random.chance(0.8) ? IpAddress::Family::V4 : IpAddress::Family::V6, bytes);
  e.port = static_cast<std::uint16_t>(random.below(65536));
  return e;
}

template <class T, class F>
std::vector<T> some(Random& random, std::size_t max, F make) {
  std::vector<T> out(random.below(max + 1));
  for (auto& item : out) item = make(random);
  return out;
}

// Short enough that no random message passes kRasBytesMax.
std::string maybe_id(Random& random) { return random.chance(0.5) ? random_text(random, "PEER-0123456789", 32) : ""; }

RasMessage random_message(Random& random) {
  const auto seq = static_cast<std::uint16_t>(1 + random.below(65535));
  const auto alternates = [&] {
    return some<AlternateGatekeeper>(random, kAlternatesMax, [](Random& r) {
      return AlternateGatekeeper{random_endpoint(r), maybe_id(r), r.chance(0.5), static_cast<std::uint8_t>(r.below(128))};
    });
  };
  const auto ttl = [&]() -> std::optional<std::uint32_t> {
    if (random.chance(0.3)) return std::nullopt;
    return static_cast<std::uint32_t>(1 + random.below(4294967295u));
  };
  switch (random.below(9)) {
    case 0:
      return GatekeeperRequest{seq, random_endpoint(random), static_cast<EndpointKind>(random.below(5)), maybe_id(random),
                               some<Alias>(random, 4, random_alias), random.chance(0.5)};
    case 1: return GatekeeperConfirm{seq, maybe_id(random), random_endpoint(random), alternates()};
    case 2: {
      auto alts = alternates();
      const bool permanent = !alts.empty() && random.chance(0.5);
      return GatekeeperReject{seq, maybe_id(random), static_cast<GatekeeperRejectReason>(random.below(5)), alts, permanent};
    }
    case 3: {
      RegistrationRequest m;
      m.seq = seq;
      m.discovery_complete = random.chance(0.5);
      m.call_signal_addresses = some<Endpoint>(random, 3, random_endpoint);
      m.ras_addresses = some<Endpoint>(random, 3, random_endpoint);
      m.terminal_type = static_cast<EndpointKind>(random.below(5));
      m.aliases = some<Alias>(random, 4, random_alias);
      m.gatekeeper_id = maybe_id(random);
      m.vendor = {static_cast<std::uint8_t>(random.below(256)), 0, static_cast<std::uint16_t>(random.below(65536)),
                  random.chance(0.5) ? random_text(random, "xyz", 256) : "", ""};
      m.time_to_live_s = ttl();
      m.keep_alive = random.chance(0.5);
      m.endpoint_id = maybe_id(random);
      m.supports_alt_gk = random.chance(0.5);
      return m;
    }
    case 4:
      return RegistrationConfirm{seq, some<Endpoint>(random, 3, random_endpoint), some<Alias>(random, 4, random_alias),
                                 maybe_id(random), random_text(random, "EP-0123456789abcdef", 128), alternates(), ttl()};
    case 5: {
      RegistrationReject m;
      m.seq = seq;
      m.reason = static_cast<RegistrationRejectReason>(random.below(14));
      if (m.reason == RegistrationRejectReason::DuplicateAlias) m.duplicate_aliases = some<Alias>(random, 4, random_alias);
      m.gatekeeper_id = maybe_id(random);
      m.alternates = alternates();
      m.alternates_permanent = !m.alternates.empty() && random.chance(0.5);
      return m;
    }
    case 6: {
      UnregistrationRequest m{seq, some<Endpoint>(random, 3, random_endpoint), some<Alias>(random, 4, random_alias),
                              maybe_id(random), maybe_id(random), std::nullopt};
      if (random.chance(0.5)) m.reason = static_cast<UnregRequestReason>(random.below(5));
      return m;
    }
    case 7: return UnregistrationConfirm{seq};
    default: return UnregistrationReject{seq, static_cast<UnregRejectReason>(random.below(5))};
  }
}

TEST(RasFuzz, RandomValidMessagesRoundTripExactly) {
  Random random(42);
  for (int i = 0; i < 5000; ++i) {
    const RasMessage message = random_message(random);
    auto bytes = encode(message);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    auto back = decode_ras(*bytes);
    ASSERT_TRUE(back.ok()) << message_name(message) << ": " << back.error().message;
    ASSERT_EQ(*back, message) << message_name(message) << " #" << i;
  }
}

}  // namespace
}  // namespace tandem::h323
