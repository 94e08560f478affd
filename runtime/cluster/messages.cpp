#include "runtime/cluster/messages.hpp"

namespace tandem::cluster {
namespace {

constexpr std::size_t kShortText = 255;


void write_list(wire::Writer& w, const std::vector<std::string>& items) {
  w.u16(static_cast<std::uint16_t>(items.size()));
  for (const auto& item : items) w.str(item);
}

void read_list(wire::Reader& r, std::string_view field, std::size_t max_items, std::vector<std::string>& out) {
  const std::uint16_t n = r.u16(field);
  if (n > max_items) {
    r.fail(field, "has " + std::to_string(n) + " items, more than " + std::to_string(max_items));
    out.clear();
    return;
  }
  out.resize(n);
  for (std::uint16_t i = 0; i < n && r.ok(); ++i) r.str_into(out[i], field, kShortText);
}

Status check_slot(std::uint8_t slot) {
  if (slot < 1 || slot > 6) return make_error("peer slot " + std::to_string(slot) + " is outside 1..6");
  return {};
}

}  // namespace

std::vector<std::uint8_t> encode(const Heartbeat& h) {
  wire::Writer w;
  w.u8(h.slot).str(h.system_name).str(h.software_version).u8(h.primary).str(h.settings_hash);
  w.i64(h.applied_revision).str(h.lineage).u8(h.maintenance ? 1 : 0).u32(h.registrations).u32(h.calls);
  w.u32(h.licences.traversal_calls).u32(h.licences.non_traversal_calls).u32(h.licences.turn_relays);
  w.str(h.feature_keys_hash).u8(h.platform).u8(h.h323_on ? 1 : 0).u8(h.dns_servers).u8(h.ntp_synchronized ? 1 : 0);
  write_list(w, h.lan_addresses);
  write_list(w, h.neighbour_addresses);
  w.i64(h.sent_ns);
  return wire::encode_frame_from(kHeartbeatFrame, w.take());
}

std::vector<std::uint8_t> encode(const Echo& e) {
  wire::Writer w;
  w.u8(e.slot).i64(e.sent_ns);
  return wire::encode_frame_from(kEchoFrame, w.take());
}

Result<Heartbeat> decode_heartbeat(const wire::Frame& frame) {
  Heartbeat h;
  if (auto ok = decode_heartbeat(frame, h); !ok) return ok.error();
  return h;
}

Status decode_heartbeat(const wire::Frame& frame, Heartbeat& h) {
  if (frame.type != kHeartbeatFrame) return make_error("expected a heartbeat frame, got type " + std::to_string(frame.type));
  wire::Reader r(frame.payload);
  h.slot = r.u8("slot");
  r.str_into(h.system_name, "system name", kShortText);
  r.str_into(h.software_version, "software version", kShortText);
  h.primary = r.u8("primary");
  r.str_into(h.settings_hash, "settings hash", kShortText);
  h.applied_revision = r.i64("applied revision");
  r.str_into(h.lineage, "lineage", kShortText);
  const std::uint8_t maintenance = r.u8("maintenance");
  h.registrations = r.u32("registrations");
  h.calls = r.u32("calls");
  h.licences.traversal_calls = r.u32("traversal licences");
  h.licences.non_traversal_calls = r.u32("non-traversal licences");
  h.licences.turn_relays = r.u32("TURN licences");
  r.str_into(h.feature_keys_hash, "feature keys hash", kShortText);
  h.platform = r.u8("platform");
  const std::uint8_t h323 = r.u8("H.323 mode");
  h.dns_servers = r.u8("DNS servers");
  const std::uint8_t ntp = r.u8("NTP state");
  read_list(r, "LAN addresses", 8, h.lan_addresses);
  read_list(r, "neighbour addresses", kMaxNeighbours, h.neighbour_addresses);
  h.sent_ns = r.i64("sent time");
  if (auto ok = r.finish(); !ok) return make_error("bad heartbeat: " + ok.error().message);
  if (auto ok = check_slot(h.slot); !ok) return make_error("bad heartbeat: " + ok.error().message);
  if (h.primary < 1 || h.primary > 6) return make_error("bad heartbeat: primary " + std::to_string(h.primary) + " is outside 1..6");
  if (maintenance > 1 || h323 > 1 || ntp > 1) return make_error("bad heartbeat: a flag is neither 0 nor 1");
  if (h.platform > 3) return make_error("bad heartbeat: unknown platform " + std::to_string(h.platform));
  h.h323_on = h323 == 1;
  h.ntp_synchronized = ntp == 1;
  if (h.applied_revision < 0) return make_error("bad heartbeat: negative revision");
  h.maintenance = maintenance == 1;
  return {};
}

Result<Echo> decode_echo(const wire::Frame& frame) {
  if (frame.type != kEchoFrame) return make_error("expected an echo frame, got type " + std::to_string(frame.type));
  wire::Reader r(frame.payload);
  Echo e;
  e.slot = r.u8("slot");
  e.sent_ns = r.i64("sent time");
  if (auto ok = r.finish(); !ok) return make_error("bad echo: " + ok.error().message);
  if (auto ok = check_slot(e.slot); !ok) return make_error("bad echo: " + ok.error().message);
  return e;
}

}  // namespace tandem::cluster
