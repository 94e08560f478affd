#include "runtime/sip/keepalive.hpp"

#include "runtime/wire/frame.hpp"

namespace tandem::sip {
namespace {

constexpr std::size_t kStunHeaderBytes = 20;  // type, length, magic cookie, 12-byte transaction id
constexpr std::uint32_t kStunMagicCookie = 0x2112A442;
constexpr std::uint16_t kBindingRequest = 0x0001;
constexpr std::uint16_t kBindingSuccess = 0x0101;
constexpr std::uint16_t kXorMappedAddress = 0x0020;

struct StunHeader {
  std::uint16_t type = 0;
  std::uint16_t length = 0;
  std::uint32_t cookie = 0;
};

std::optional<StunHeader> stun_header(std::span<const std::uint8_t> d) {
  if (d.size() < kStunHeaderBytes || (d[0] & 0xC0) != 0) return std::nullopt;
  wire::Reader r(d.first(8));
  StunHeader h{r.u16("type"), r.u16("length"), r.u32("cookie")};
  if (!r.finish() || h.cookie != kStunMagicCookie || h.length % 4 != 0 || h.length + kStunHeaderBytes != d.size()) {
    return std::nullopt;
  }
  return h;
}

}  // namespace

bool is_crlf_ping(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < kCrlfPing.size() || datagram.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < datagram.size(); i += 2) {
    if (datagram[i] != '\r' || datagram[i + 1] != '\n') return false;
  }
  return true;
}

bool is_stun(std::span<const std::uint8_t> d) { return stun_header(d).has_value(); }

std::optional<std::vector<std::uint8_t>> stun_binding_response(std::span<const std::uint8_t> d,
                                                               const Endpoint& source) {
  const auto header = stun_header(d);
  if (!header || header->type != kBindingRequest) return std::nullopt;
  const std::span<const std::uint8_t> transaction = d.subspan(8, 12);
  const bool v4 = source.ip.is_v4();
  const std::uint16_t value_bytes = v4 ? 8 : 20;
  wire::Writer w;
  w.u16(kBindingSuccess).u16(static_cast<std::uint16_t>(4 + value_bytes)).u32(kStunMagicCookie);
  for (std::uint8_t b : transaction) w.u8(b);  // echoed, as RFC 5389 asks
  w.u16(kXorMappedAddress).u16(value_bytes).u8(0).u8(v4 ? 0x01 : 0x02);
  w.u16(static_cast<std::uint16_t>(source.port ^ (kStunMagicCookie >> 16)));
  // The address XORed with the cookie (and, for IPv6, the transaction id after it).
  std::uint8_t mask[16];
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<std::uint8_t>(kStunMagicCookie >> (24 - 8 * i));
  for (std::size_t i = 0; i < transaction.size(); ++i) mask[4 + i] = transaction[i];
  const auto& bytes = source.ip.bytes();
  for (std::size_t i = 0; i < (v4 ? 4u : 16u); ++i) w.u8(static_cast<std::uint8_t>(bytes[i] ^ mask[i]));
  return w.take();
}

}  // namespace tandem::sip
