#pragma once
// Cluster recovery messages (TCP 4371, TLS), carried in wire frames. Pure:
// encode to a frame, decode a frame into a value or an error naming the field.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/core/result.hpp"
#include "runtime/wire/frame.hpp"

namespace tandem::cluster {

// Frame types on the recovery port.
inline constexpr std::uint8_t kHeartbeatFrame = 0x10;
inline constexpr std::uint8_t kEchoFrame = 0x11;
// Queries between peers (membership.hpp) take types from here up.
inline constexpr std::uint8_t kFirstQueryFrame = 0x20;

struct Licences {
  std::uint32_t traversal_calls = 0;
  std::uint32_t non_traversal_calls = 0;
  std::uint32_t turn_relays = 0;
  bool operator==(const Licences&) const = default;
};

constexpr std::size_t kMaxNeighbours = 6000;  // 1000 zones x 6 peer addresses

// What a peer tells every other peer about itself, each interval.
struct Heartbeat {
  std::uint8_t slot = 0;              // the sender's Peer N (1..6)
  std::string system_name;
  std::string software_version;
  std::uint8_t primary = 0;           // the sender's Configuration primary
  std::string settings_hash;          // ClusteringSettings::hash()
  std::int64_t applied_revision = 0;  // replicated configuration it has applied
  std::string lineage;                // the cluster database it belongs to
  bool maintenance = false;
  std::uint32_t registrations = 0;    // load
  std::uint32_t calls = 0;
  Licences licences;                  // installed on the sender
  std::string feature_keys_hash;      // feature option keys, which must match
  // Facts for the clustering prerequisite check.
  std::uint8_t platform = 0;          // cluster::Platform
  bool h323_on = true;
  std::uint8_t dns_servers = 0;
  bool ntp_synchronized = true;
  std::vector<std::string> lan_addresses;
  std::vector<std::string> neighbour_addresses;  // in its neighbour and traversal zones
  std::int64_t sent_ns = 0;           // sender's monotonic clock, echoed back

  bool operator==(const Heartbeat&) const = default;
};

// The receiver's answer, so the sender measures the round trip.
struct Echo {
  std::uint8_t slot = 0;  // the echoing peer
  std::int64_t sent_ns = 0;
  bool operator==(const Echo&) const = default;
};

std::vector<std::uint8_t> encode(const Heartbeat& heartbeat);
std::vector<std::uint8_t> encode(const Echo& echo);
Result<Heartbeat> decode_heartbeat(const wire::Frame& frame);
// The same into `out`, reusing its storage (a peer hears from every other peer
// each second); `out` holds nothing useful after an error.
Status decode_heartbeat(const wire::Frame& frame, Heartbeat& out);
Result<Echo> decode_echo(const wire::Frame& frame);

}  // namespace tandem::cluster
