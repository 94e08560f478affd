#include "runtime/core/address.hpp"

#include <arpa/inet.h>

#include "runtime/core/hash.hpp"

#include <charconv>
#include <cstring>

namespace tandem {

Result<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  std::uint8_t buf[16] = {};
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return from_bytes(Family::V4, buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return from_bytes(Family::V6, buf);
  return make_error("not an IPv4 or IPv6 address: '" + s + "'");
}

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return from_bytes(Family::V4, bytes);
}

IpAddress IpAddress::from_bytes(Family family, const std::uint8_t* bytes) {
  IpAddress ip;
  ip.family_ = family;
  std::memcpy(ip.bytes_.data(), bytes, family == Family::V4 ? 4 : 16);
  return ip;
}

std::string IpAddress::to_string() const {
  if (is_v4()) {  // by hand: inet_ntop goes through sprintf, and every SIP response names its source
    std::string out;
    out.reserve(15);
    for (std::size_t i = 0; i < 4; ++i) {
      if (i > 0) out += '.';
      const unsigned v = bytes_[i];
      if (v >= 100) out += static_cast<char>('0' + v / 100);
      if (v >= 10) out += static_cast<char>('0' + v / 10 % 10);
      out += static_cast<char>('0' + v % 10);
    }
    return out;
  }
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, bytes_.data(), out, sizeof out);
  return out;
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return make_error("endpoint '" + std::string(text) + "' lacks ']:port'");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error("endpoint '" + std::string(text) + "' lacks ':port'");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return ip.error();
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535 || port.empty()) {
    return make_error("endpoint '" + std::string(text) + "' has a bad port");
  }
  return Endpoint{*ip, static_cast<std::uint16_t>(value)};
}

std::string Endpoint::to_string() const {
  std::string out;
  if (ip.is_v4()) {
    out = ip.to_string();
  } else {
    out.append("[").append(ip.to_string()).append("]");
  }
  return out.append(":").append(std::to_string(port));
}

namespace {
// The address as two words, then mixed: a few multiplies rather than one per byte.
std::uint64_t fold(const IpAddress& ip) {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, ip.bytes().data(), sizeof high);
  std::memcpy(&low, ip.bytes().data() + sizeof high, sizeof low);
  return high ^ (low * 0x9e3779b97f4a7c15ULL) ^ (static_cast<std::uint64_t>(ip.family()) << 16);
}
}  // namespace

std::size_t IpAddressHash::operator()(const IpAddress& ip) const {
  return static_cast<std::size_t>(splitmix64_mix(fold(ip)));
}

std::size_t EndpointHash::operator()(const Endpoint& e) const {
  return static_cast<std::size_t>(splitmix64_mix(fold(e.ip) ^ e.port));
}

}  // namespace tandem
