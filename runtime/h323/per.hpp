#pragma once
// ASN.1 Packed Encoding Rules, ALIGNED variant (ITU-T X.691), as H.225.0 uses
// them: the primitives the RAS codec (ras_message.hpp) is built from. Pure:
// bits in, values or errors out; never reads past its input.
//
// What is covered, with the X.691 clause each follows:
//   - constrained whole numbers (10.5): a bit-field of the fewest bits for
//     ranges up to 255, one aligned octet for 256, two for up to 64K, and
//     beyond that a length in octets (itself a small bit-field) and the
//     aligned octets;
//   - length determinants (10.9): unconstrained ones aligned, 1 or 2 octets
//     (fragmented lengths of 16K and more are refused: nothing RAS carries
//     is that long);
//   - normally small numbers and lengths (10.6, 10.9.3.4): extension bitmaps
//     and the indices of extension alternatives;
//   - open types (10.2): an octet-aligned length and the complete encoding,
//     at least one octet; how every extension addition travels.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem::h323::per {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Lengths of 16K and more need fragmentation; no RAS field comes close.
inline constexpr std::size_t kLengthMax = 16383;

class Writer {
 public:
  Writer& bit(bool b);
  Writer& bits(std::uint64_t value, unsigned count);  // count <= 64, most significant first
  Writer& align();                                     // zero bits to the next octet
  Writer& octets(ByteView bytes);                      // aligned first, then as they are
  // value in [lb, ub], ub >= lb (asserted).
  Writer& constrained(std::uint64_t value, std::uint64_t lb, std::uint64_t ub);
  Writer& length(std::size_t n);                       // unconstrained; asserts n <= kLengthMax
  Writer& small_number(std::uint64_t n);               // normally small non-negative whole number
  Writer& small_length(std::size_t n);                 // normally small length, n >= 1
  Writer& open_type(const Writer& inner);              // inner's complete encoding, length first
  // The complete encoding: padded to whole octets, one zero octet when empty.
  Bytes finish() const;
  std::size_t bit_count() const { return bits_; }

 private:
  Bytes out_;
  std::size_t bits_ = 0;
};

// Reads untrusted bits. The first failure sticks: later reads return zeros
// and error() names the first field that could not be read and why.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  bool bit(std::string_view field);
  std::uint64_t bits(unsigned count, std::string_view field);
  void align();
  Bytes octets(std::size_t n, std::string_view field);  // aligned first
  std::uint64_t constrained(std::uint64_t lb, std::uint64_t ub, std::string_view field);
  std::size_t length(std::string_view field);
  std::uint64_t small_number(std::string_view field);
  std::size_t small_length(std::string_view field);
  // The contents of an open type (an extension addition or alternative).
  Bytes open_type(std::string_view field);

  void fail(std::string_view field, std::string_view why);
  void fail(const Error& error);  // an inner reader's (an open type's contents)
  bool ok() const { return !error_; }
  const std::optional<Error>& error() const { return error_; }
  std::size_t bits_left() const { return in_.size() * 8 - pos_; }

 private:
  bool need(std::size_t n, std::string_view field);
  ByteView in_;
  std::size_t pos_ = 0;  // in bits
  std::optional<Error> error_;
};

// The fewest bits that hold every value of a range of `range` values (range >= 1).
unsigned bits_for_range(std::uint64_t range);

}  // namespace tandem::h323::per
