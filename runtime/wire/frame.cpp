#include "runtime/wire/frame.hpp"

#include <cstring>

namespace tandem::wire {
namespace {

constexpr std::uint8_t kMagic0 = 'T';
constexpr std::uint8_t kMagic1 = 'D';

std::uint32_t load_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

std::vector<std::uint8_t> encode_frame(std::uint8_t type, std::span<const std::uint8_t> payload) {
  TANDEM_ASSERT(payload.size() <= kMaxFramePayloadBytes);
  std::vector<std::uint8_t> out;
  out.reserve(kFrameHeaderBytes + payload.size());
  const auto n = static_cast<std::uint32_t>(payload.size());
  out.insert(out.end(), {kMagic0, kMagic1, kFrameVersion, type, static_cast<std::uint8_t>(n >> 24),
                         static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                         static_cast<std::uint8_t>(n)});
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  if (failed_) return;
  // Compact once the consumed prefix dominates, so the buffer stays bounded.
  if (read_ > 0 && read_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<long>(read_));
    read_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<Frame>> FrameDecoder::next() {
  if (failed_) return *failed_;
  const std::size_t available = buffer_.size() - read_;
  if (available < kFrameHeaderBytes) return std::optional<Frame>{};
  const std::uint8_t* h = buffer_.data() + read_;
  if (h[0] != kMagic0 || h[1] != kMagic1) {
    failed_ = make_error("bad frame magic: not a Tandem cluster stream");
  } else if (h[2] != kFrameVersion) {
    failed_ = make_error("unsupported frame version " + std::to_string(h[2]) + " (this peer speaks " +
                         std::to_string(kFrameVersion) + ")");
  } else if (load_u32(h + 4) > max_payload_) {
    failed_ = make_error("frame of " + std::to_string(load_u32(h + 4)) + " bytes exceeds the limit of " +
                         std::to_string(max_payload_));
  }
  if (failed_) return *failed_;
  const std::uint32_t length = load_u32(h + 4);
  if (available < kFrameHeaderBytes + length) return std::optional<Frame>{};
  Frame frame;
  frame.type = h[3];
  frame.payload.assign(h + kFrameHeaderBytes, h + kFrameHeaderBytes + length);
  read_ += kFrameHeaderBytes + length;
  return std::optional<Frame>{std::move(frame)};
}

Writer& Writer::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}
Writer& Writer::u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
Writer& Writer::u32(std::uint32_t v) {
  return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
}
Writer& Writer::u64(std::uint64_t v) {
  return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v));
}
Writer& Writer::str(std::string_view s) {
  u32(static_cast<std::uint32_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
  return *this;
}

bool Reader::take(std::size_t n, std::string_view field) {
  if (error_) return false;
  if (in_.size() - pos_ < n) {
    error_ = make_error("truncated message: field '" + std::string(field) + "' needs " + std::to_string(n) +
                        " bytes, " + std::to_string(in_.size() - pos_) + " left");
    return false;
  }
  return true;
}

std::uint8_t Reader::u8(std::string_view field) {
  if (!take(1, field)) return 0;
  return in_[pos_++];
}
std::uint16_t Reader::u16(std::string_view field) {
  if (!take(2, field)) return 0;
  const auto v = static_cast<std::uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
  pos_ += 2;
  return v;
}
std::uint32_t Reader::u32(std::string_view field) {
  if (!take(4, field)) return 0;
  const std::uint32_t v = load_u32(in_.data() + pos_);
  pos_ += 4;
  return v;
}
std::uint64_t Reader::u64(std::string_view field) {
  if (!take(8, field)) return 0;
  const std::uint64_t v = (std::uint64_t{load_u32(in_.data() + pos_)} << 32) | load_u32(in_.data() + pos_ + 4);
  pos_ += 8;
  return v;
}
std::string Reader::str(std::string_view field, std::size_t max_bytes) {
  const std::uint32_t n = u32(field);
  if (error_) return {};
  if (n > max_bytes) {
    error_ = make_error("field '" + std::string(field) + "' of " + std::to_string(n) + " bytes exceeds " +
                        std::to_string(max_bytes));
    return {};
  }
  if (!take(n, field)) return {};
  std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
  return s;
}

void Reader::fail(std::string_view field, std::string_view why) {
  if (!error_) error_ = make_error("field '" + std::string(field) + "' " + std::string(why));
}

Status Reader::finish() const {
  if (error_) return *error_;
  if (pos_ != in_.size()) return make_error(std::to_string(in_.size() - pos_) + " unexpected trailing bytes");
  return {};
}

}  // namespace tandem::wire
