#pragma once
// SHA-256 digests in lower-case hex, for checksums and settings fingerprints.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tandem {

std::string sha256_hex(std::span<const std::uint8_t> bytes);
inline std::string sha256_hex(std::string_view text) {
  return sha256_hex(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace tandem
