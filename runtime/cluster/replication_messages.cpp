#include "runtime/cluster/replication_messages.hpp"

namespace tandem::cluster {
namespace {

constexpr std::size_t kShortText = 255;
constexpr std::uint32_t kMaxItems = 1'000'000;

Status expect(const wire::Frame& frame, std::uint8_t type, const char* what) {
  if (frame.type != type) return make_error(std::string("expected ") + what + ", got frame type " + std::to_string(frame.type));
  return {};
}

}  // namespace

std::vector<std::uint8_t> encode(const Hello& h) {
  wire::Writer w;
  w.u8(h.slot).str(h.software_version).u8(h.primary).str(h.settings_hash).str(h.lineage).i64(h.applied_revision);
  return wire::encode_frame(kHelloFrame, w.bytes());
}

std::vector<std::uint8_t> encode(const Refuse& r) {
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(r.reason)).str(r.detail);
  return wire::encode_frame(kRefuseFrame, w.bytes());
}

std::vector<std::uint8_t> encode(const Update& u) {
  wire::Writer w;
  w.u8(u.snapshot ? 1 : 0).str(u.lineage).i64(u.revision).u32(static_cast<std::uint32_t>(u.items.size()));
  for (const auto& item : u.items) w.str(item.path).str(item.value).i64(item.revision);
  return wire::encode_frame(kUpdateFrame, w.bytes());
}

Result<Hello> decode_hello(const wire::Frame& frame) {
  if (auto ok = expect(frame, kHelloFrame, "a hello"); !ok) return ok.error();
  wire::Reader r(frame.payload);
  Hello h;
  h.slot = r.u8("slot");
  h.software_version = r.str("software version", kShortText);
  h.primary = r.u8("primary");
  h.settings_hash = r.str("settings hash", kShortText);
  h.lineage = r.str("lineage", kShortText);
  h.applied_revision = r.i64("applied revision");
  if (auto ok = r.finish(); !ok) return make_error("bad hello: " + ok.error().message);
  if (h.slot < 1 || h.slot > 6) return make_error("bad hello: peer slot " + std::to_string(h.slot) + " is outside 1..6");
  if (h.applied_revision < -1) return make_error("bad hello: revision " + std::to_string(h.applied_revision));
  return h;
}

Result<Refuse> decode_refuse(const wire::Frame& frame) {
  if (auto ok = expect(frame, kRefuseFrame, "a refusal"); !ok) return ok.error();
  wire::Reader r(frame.payload);
  Refuse refuse;
  const std::uint8_t reason = r.u8("reason");
  refuse.detail = r.str("detail", 1024);
  if (auto ok = r.finish(); !ok) return make_error("bad refusal: " + ok.error().message);
  if (reason < 1 || reason > 5) return make_error("bad refusal: unknown reason " + std::to_string(reason));
  refuse.reason = static_cast<Refusal>(reason);
  return refuse;
}

Result<Update> decode_update(const wire::Frame& frame) {
  if (auto ok = expect(frame, kUpdateFrame, "an update"); !ok) return ok.error();
  wire::Reader r(frame.payload);
  Update u;
  const std::uint8_t snapshot = r.u8("kind");
  u.lineage = r.str("lineage", kShortText);
  u.revision = r.i64("revision");
  const std::uint32_t count = r.u32("item count");
  if (count > kMaxItems) return make_error("bad update: " + std::to_string(count) + " items exceed " + std::to_string(kMaxItems));
  // Bounded by the frame: each item takes at least 16 bytes.
  if (static_cast<std::size_t>(count) * 16 > frame.payload.size()) return make_error("bad update: item count larger than the frame");
  u.items.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    config::StoredItem item;
    item.path = r.str("item path", 1024);
    item.value = r.str("item value", 256 * 1024);
    item.revision = r.i64("item revision");
    u.items.push_back(std::move(item));
  }
  if (auto ok = r.finish(); !ok) return make_error("bad update: " + ok.error().message);
  if (snapshot > 1) return make_error("bad update: unknown kind " + std::to_string(snapshot));
  u.snapshot = snapshot == 1;
  return u;
}

}  // namespace tandem::cluster
