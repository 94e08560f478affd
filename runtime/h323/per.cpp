#include "runtime/h323/per.hpp"

namespace tandem::h323::per {
namespace {

unsigned octets_for(std::uint64_t value) {
  unsigned n = 1;
  while (n < 8 && (value >> (8 * n)) != 0) ++n;
  return n;
}

}  // namespace

unsigned bits_for_range(std::uint64_t range) {
  TANDEM_ASSERT(range >= 1);
  unsigned n = 0;
  while (n < 64 && (std::uint64_t{1} << n) < range) ++n;
  return n;
}

// ---- writer -------------------------------------------------------------------

Writer& Writer::bit(bool b) {
  if (bits_ % 8 == 0) out_.push_back(0);
  if (b) out_.back() = static_cast<std::uint8_t>(out_.back() | (0x80u >> (bits_ % 8)));
  ++bits_;
  return *this;
}

Writer& Writer::bits(std::uint64_t value, unsigned count) {
  TANDEM_ASSERT(count <= 64);
  for (unsigned i = count; i > 0; --i) bit(((value >> (i - 1)) & 1u) != 0);
  return *this;
}

Writer& Writer::align() {
  bits_ = out_.size() * 8;  // the padding bits of the last octet are already zero
  return *this;
}

Writer& Writer::octets(ByteView bytes) {
  align();
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  bits_ = out_.size() * 8;
  return *this;
}

// X.691 10.5.7, the ALIGNED variant.
Writer& Writer::constrained(std::uint64_t value, std::uint64_t lb, std::uint64_t ub) {
  TANDEM_ASSERT(lb <= ub && value >= lb && value <= ub);
  const std::uint64_t range = ub - lb + 1;  // callers never pass the full 64-bit range
  const std::uint64_t v = value - lb;
  if (range == 1) return *this;
  if (range <= 255) return bits(v, bits_for_range(range));
  if (range == 256) return align().bits(v, 8);
  if (range <= 65536) return align().bits(v, 16);
  const unsigned n = octets_for(v);
  constrained(n, 1, octets_for(range - 1));
  return align().bits(v, 8 * n);
}

Writer& Writer::length(std::size_t n) {
  TANDEM_ASSERT(n <= kLengthMax);
  align();
  return n < 128 ? bits(n, 8) : bits(0x8000u | n, 16);
}

Writer& Writer::small_number(std::uint64_t n) {
  if (n <= 63) return bit(false).bits(n, 6);
  const unsigned octets = octets_for(n);
  bit(true).length(octets);
  return bits(n, 8 * octets);
}

Writer& Writer::small_length(std::size_t n) {
  TANDEM_ASSERT(n >= 1);
  if (n <= 64) return bit(false).bits(n - 1, 6);
  return bit(true).length(n);
}

Writer& Writer::open_type(const Writer& inner) {
  const Bytes contents = inner.finish();
  length(contents.size());
  return octets(contents);
}

Bytes Writer::finish() const {
  if (out_.empty()) return Bytes{0};
  return out_;
}

// ---- reader -------------------------------------------------------------------

void Reader::fail(std::string_view field, std::string_view why) {
  if (!error_) error_ = make_error(std::string(field) + ": " + std::string(why));
}

void Reader::fail(const Error& error) {
  if (!error_) error_ = error;
}

bool Reader::need(std::size_t n, std::string_view field) {
  if (error_) return false;
  if (n > bits_left()) {
    fail(field, "truncated (needs " + std::to_string(n) + " more bits, " + std::to_string(bits_left()) + " left)");
    return false;
  }
  return true;
}

bool Reader::bit(std::string_view field) {
  if (!need(1, field)) return false;
  const bool b = ((in_[pos_ / 8] >> (7 - pos_ % 8)) & 1u) != 0;
  ++pos_;
  return b;
}

std::uint64_t Reader::bits(unsigned count, std::string_view field) {
  TANDEM_ASSERT(count <= 64);
  if (!need(count, field)) return 0;
  std::uint64_t v = 0;
  for (unsigned i = 0; i < count; ++i) v = (v << 1) | (bit(field) ? 1u : 0u);
  return v;
}

void Reader::align() {
  if (error_) return;
  const std::size_t aligned = (pos_ + 7) / 8 * 8;
  pos_ = aligned <= in_.size() * 8 ? aligned : in_.size() * 8;
}

Bytes Reader::octets(std::size_t n, std::string_view field) {
  align();
  if (!need(n * 8, field)) return {};
  const auto* first = in_.data() + pos_ / 8;
  pos_ += n * 8;
  return Bytes(first, first + n);
}

std::uint64_t Reader::constrained(std::uint64_t lb, std::uint64_t ub, std::string_view field) {
  TANDEM_ASSERT(lb <= ub);
  const std::uint64_t range = ub - lb + 1;
  std::uint64_t v = 0;
  if (range == 1) return lb;
  if (range <= 255) {
    v = bits(bits_for_range(range), field);
  } else if (range == 256) {
    align();
    v = bits(8, field);
  } else if (range <= 65536) {
    align();
    v = bits(16, field);
  } else {
    const auto n = static_cast<unsigned>(constrained(1, octets_for(range - 1), field));
    align();
    v = bits(8 * n, field);
  }
  if (!ok()) return lb;
  if (v > ub - lb) {
    fail(field, std::to_string(v + lb) + " is outside " + std::to_string(lb) + ".." + std::to_string(ub));
    return lb;
  }
  return v + lb;
}

std::size_t Reader::length(std::string_view field) {
  align();
  const auto first = static_cast<std::size_t>(bits(8, field));
  if (!ok()) return 0;
  if ((first & 0x80u) == 0) return first;
  if ((first & 0xC0u) == 0x80u) return ((first & 0x3Fu) << 8) | static_cast<std::size_t>(bits(8, field));
  fail(field, "a fragmented length (16K or more) is not supported");
  return 0;
}

std::uint64_t Reader::small_number(std::string_view field) {
  if (!bit(field)) return bits(6, field);
  const std::size_t n = length(field);
  if (ok() && (n == 0 || n > 4)) fail(field, "a normally small number of " + std::to_string(n) + " octets");
  return ok() ? bits(static_cast<unsigned>(8 * n), field) : 0;
}

std::size_t Reader::small_length(std::string_view field) {
  if (!bit(field)) return static_cast<std::size_t>(bits(6, field)) + 1;
  const std::size_t n = length(field);
  if (ok() && n == 0) fail(field, "a normally small length of 0");
  return n;
}

Bytes Reader::open_type(std::string_view field) {
  const std::size_t n = length(field);
  return octets(n, field);
}

}  // namespace tandem::h323::per
