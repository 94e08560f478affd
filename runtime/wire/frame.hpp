#pragma once
// Cluster frames: the length-prefixed, versioned envelope every cluster
// connection carries (DESIGN.md, "Cluster wire"), and the field codec used
// inside them. Pure: bytes in, values or errors out; never reads past its input.
//
//   0      2        3       4            8
//   +------+--------+-------+------------+----------------+
//   | "TD" | version| type  | length u32 | payload ...    |
//   +------+--------+-------+------------+----------------+
// All integers big-endian. length counts payload bytes only.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem::wire {

inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 8;
inline constexpr std::uint32_t kMaxFramePayloadBytes = 16u << 20;  // 16 MiB

struct Frame {
  std::uint8_t type = 0;
  std::vector<std::uint8_t> payload;
};

// Header plus payload, ready to send. Asserts the payload fits kMaxFramePayloadBytes.
std::vector<std::uint8_t> encode_frame(std::uint8_t type, std::span<const std::uint8_t> payload);
// The same, the header going in front of `payload` in its own storage (no
// copy when it has room: a Writer's has).
std::vector<std::uint8_t> encode_frame_from(std::uint8_t type, std::vector<std::uint8_t>&& payload);

// Cuts a byte stream into frames. After an error the stream is unusable (the
// connection must be dropped): nothing after a bad header can be trusted.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::uint32_t max_payload_bytes = kMaxFramePayloadBytes) : max_payload_(max_payload_bytes) {}

  void feed(std::span<const std::uint8_t> bytes);
  // The next whole frame, nothing if more bytes are needed, or an error naming
  // what was wrong (bad magic, unknown version, oversized length).
  Result<std::optional<Frame>> next();
  std::size_t buffered_bytes() const { return buffer_.size() - read_; }

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t read_ = 0;
  std::uint32_t max_payload_;
  std::optional<Error> failed_;
};

// Field writer: appends big-endian integers and length-prefixed strings.
class Writer {
 public:
  Writer();
  Writer& u8(std::uint8_t v);
  Writer& u16(std::uint16_t v);
  Writer& u32(std::uint32_t v);
  Writer& u64(std::uint64_t v);
  Writer& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  Writer& str(std::string_view s);  // u32 length, then bytes
  std::vector<std::uint8_t>& bytes() { return out_; }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  static constexpr std::size_t kInitialBytes = 256;  // most messages fit: one allocation, no regrowth
  std::vector<std::uint8_t> out_;
};

// Field reader over untrusted bytes. The first failure sticks: later reads
// return zero values and error() names the first field that was short.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  // Inline: a heartbeat is dozens of fields, and a call each cost more than the read.
  std::uint8_t u8(std::string_view field) { return static_cast<std::uint8_t>(big_endian(1, field)); }
  std::uint16_t u16(std::string_view field) { return static_cast<std::uint16_t>(big_endian(2, field)); }
  std::uint32_t u32(std::string_view field) { return static_cast<std::uint32_t>(big_endian(4, field)); }
  std::uint64_t u64(std::string_view field) { return big_endian(8, field); }
  std::int64_t i64(std::string_view field) { return static_cast<std::int64_t>(u64(field)); }
  std::string str(std::string_view field, std::size_t max_bytes = 1u << 20);
  // The same into `out`, reusing its storage; `out` is empty after a failure.
  void str_into(std::string& out, std::string_view field, std::size_t max_bytes = 1u << 20);

  // Marks the message bad for a reason the caller found (a count too large...).
  void fail(std::string_view field, std::string_view why);
  bool ok() const { return !error_; }
  // Ok only if every read succeeded and nothing is left over.
  Status finish() const;

 private:
  bool take(std::size_t n, std::string_view field) {
    if (error_) return false;
    if (in_.size() - pos_ < n) return short_of(n, field);
    return true;
  }
  bool short_of(std::size_t n, std::string_view field);  // records the error; false
  // The next n (at most 8) bytes as a big-endian integer, or 0 when short.
  std::uint64_t big_endian(std::size_t n, std::string_view field) {
    if (!take(n, field)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | in_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::optional<Error> error_;
};

}  // namespace tandem::wire
