#pragma once
// Base64 (RFC 4648, standard alphabet, with padding), for HTTP Basic
// credentials and the salt and digest of a stored password hash. Pure.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem::admin {

std::string base64_encode(std::span<const std::uint8_t> bytes);
// Strict: the length must be a multiple of 4, padding only at the end, and no
// character outside the alphabet (no spaces, no line breaks).
Result<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace tandem::admin
