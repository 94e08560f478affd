#pragma once
// Cluster database messages (TCP 4372, TLS), carried in wire frames. Pure.
//
//   subordinate -> primary: Hello (on connect, every pull interval, after a
//                           local edit), also telling what it has applied
//   primary -> subordinate: Refuse (why replication cannot proceed), or
//                           Update: a Snapshot (all replicated items) or a
//                           Delta (items newer than the subordinate's revision;
//                           none when it is up to date), pushed again on every commit

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/config/store.hpp"
#include "runtime/wire/frame.hpp"

namespace tandem::cluster {

inline constexpr std::uint8_t kHelloFrame = 0x20;
inline constexpr std::uint8_t kRefuseFrame = 0x21;
inline constexpr std::uint8_t kUpdateFrame = 0x22;

struct Hello {
  std::uint8_t slot = 0;
  std::string software_version;
  std::uint8_t primary = 0;
  std::string settings_hash;
  std::string lineage;               // empty: a new or reset peer
  std::int64_t applied_revision = 0; // -1: local edits to overwrite
  bool operator==(const Hello&) const = default;
};

enum class Refusal : std::uint8_t {
  UpgradeInProgress = 1,      // software versions differ
  NotInList = 2,              // the primary does not list this peer here
  PrimaryIdInconsistent = 3,  // the peers disagree on the configuration primary
  ConfigurationConflict = 4,  // another cluster database (lineage)
  SettingsMismatch = 5,       // clustering settings differ
};

struct Refuse {
  Refusal reason = Refusal::NotInList;
  std::string detail;
  bool operator==(const Refuse&) const = default;
};

struct Update {
  bool snapshot = false;
  std::string lineage;
  std::int64_t revision = 0;
  std::vector<config::StoredItem> items;
};

std::vector<std::uint8_t> encode(const Hello& hello);
std::vector<std::uint8_t> encode(const Refuse& refuse);
std::vector<std::uint8_t> encode(const Update& update);
Result<Hello> decode_hello(const wire::Frame& frame);
Result<Refuse> decode_refuse(const wire::Frame& frame);
Result<Update> decode_update(const wire::Frame& frame);

}  // namespace tandem::cluster
