#include "runtime/wire/frame.hpp"

#include <array>
#include <cstring>

namespace tandem::wire {
namespace {

constexpr std::uint8_t kMagic0 = 'T';
constexpr std::uint8_t kMagic1 = 'D';

std::uint32_t load_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Big-endian, in one append (a heartbeat is dozens of fields, every second).
template <std::size_t N>
void append_big_endian(std::vector<std::uint8_t>& out, std::uint64_t v) {
  std::uint8_t bytes[N];
  for (std::size_t i = 0; i < N; ++i) bytes[i] = static_cast<std::uint8_t>(v >> (8 * (N - 1 - i)));
  out.insert(out.end(), bytes, bytes + N);
}

std::array<std::uint8_t, kFrameHeaderBytes> frame_header(std::uint8_t type, std::size_t payload_bytes) {
  TANDEM_ASSERT(payload_bytes <= kMaxFramePayloadBytes);
  const auto n = static_cast<std::uint32_t>(payload_bytes);
  return {kMagic0, kMagic1, kFrameVersion, type, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
          static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

}  // namespace

std::vector<std::uint8_t> encode_frame(std::uint8_t type, std::span<const std::uint8_t> payload) {
  const auto header = frame_header(type, payload.size());
  std::vector<std::uint8_t> out;
  out.reserve(kFrameHeaderBytes + payload.size());
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<std::uint8_t> encode_frame_from(std::uint8_t type, std::vector<std::uint8_t>&& payload) {
  const auto header = frame_header(type, payload.size());
  payload.insert(payload.begin(), header.begin(), header.end());
  return std::move(payload);
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


Writer::Writer() { out_.reserve(kInitialBytes); }

Writer& Writer::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}
Writer& Writer::u16(std::uint16_t v) {
  append_big_endian<2>(out_, v);
  return *this;
}
Writer& Writer::u32(std::uint32_t v) {
  append_big_endian<4>(out_, v);
  return *this;
}
Writer& Writer::u64(std::uint64_t v) {
  append_big_endian<8>(out_, v);
  return *this;
}
Writer& Writer::str(std::string_view s) {
  u32(static_cast<std::uint32_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
  return *this;
}

bool Reader::short_of(std::size_t n, std::string_view field) {
  error_ = make_error("truncated message: field '" + std::string(field) + "' needs " + std::to_string(n) +
                      " bytes, " + std::to_string(in_.size() - pos_) + " left");
  return false;
}
std::string Reader::str(std::string_view field, std::size_t max_bytes) {
  std::string s;
  str_into(s, field, max_bytes);
  return s;
}

void Reader::str_into(std::string& out, std::string_view field, std::size_t max_bytes) {
  out.clear();
  const std::uint32_t n = u32(field);
  if (error_) return;
  if (n > max_bytes) {
    error_ = make_error("field '" + std::string(field) + "' of " + std::to_string(n) + " bytes exceeds " +
                        std::to_string(max_bytes));
    return;
  }
  if (!take(n, field)) return;
  out.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
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
