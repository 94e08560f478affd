#pragma once
// IP addresses and endpoints as plain values, comparable and printable, so the
// same code can name a real socket's address or a simulated host's.

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/core/result.hpp"

namespace tandem {

class IpAddress {
 public:
  enum class Family : std::uint8_t { V4, V6 };

  IpAddress() = default;  // 0.0.0.0
  static Result<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
  static IpAddress from_bytes(Family family, const std::uint8_t* bytes);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::V4; }
  // Network-order bytes: the first 4 for V4, all 16 for V6.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::V4;
  std::array<std::uint8_t, 16> bytes_{};
};

struct Endpoint {
  IpAddress ip;
  std::uint16_t port = 0;

  // "127.0.0.1:4371" or "[::1]:4371".
  static Result<Endpoint> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const Endpoint&) const = default;
};

// For unordered containers keyed by address (a twin holds thousands of hosts).
struct IpAddressHash {
  std::size_t operator()(const IpAddress& ip) const;
};
struct EndpointHash {
  std::size_t operator()(const Endpoint& endpoint) const;
};

}  // namespace tandem
