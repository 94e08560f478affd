#pragma once
// Resource usage between peers (the guide's Appendix 1: "UDP port 1719 is used
// for bandwidth updates between VCS peers"). Bandwidth is shared and capacity
// licences are pooled across the cluster, so every peer tells every other what
// it uses now: registrations, traversal and non-traversal calls, TURN relays,
// and kbps in use on each bandwidth pipe.
//
// Each peer sends its usage to every other listed peer each interval, and at
// once when it changes (bursts of changes are coalesced to one datagram per
// min_gap). A datagram counts only if it comes from the listed address of the
// slot it claims, and is newer than the last one taken from that peer: each
// boot of a peer draws a random boot id and numbers its datagrams from 0, so
// duplicated, reordered and replayed datagrams are dropped, and a restarted
// peer (a boot id not seen before) is taken at once. A peer not heard from for
// stale_after is unknown: the cluster totals leave it out and say so, rather
// than count it as zero.
//
// Confidentiality: none. UDP 1719 is plain, as on a VCS; anyone on the path
// can read the counts, and anyone who can send from a peer's address can
// forge them. Everything received is validated, never trusted for more than a
// count: a forged datagram can skew a total, not crash or wedge this peer.
//
// Datagram: one cluster frame (wire/frame.hpp), type kResourceUsageFrame,
// big-endian payload:
//
//   slot u8 | boot_id u64 | seq u64 | registrations u32 | traversal_calls u32 |
//   non_traversal_calls u32 | turn_relays u32 | pipe_count u8 (<= 64) |
//   pipe_count x (pipe u16 (1..1000, strictly increasing) | kbps u32)
//
// 8 + 34 + 6 x 64 = 426 bytes at most: one unfragmented datagram on any link.
//
// UDP 1719 is also H.225.0 RAS, where H.323 endpoints register with the
// gatekeeper, so one socket (SharedDatagramPort) can serve both: a resource
// usage datagram is a cluster frame and starts "TD", version, type 0x30; RAS
// is PER, whose first octet is the RasMessage choice index, and 'T' (0x54)
// there would be infoRequest (IRQ), which the gatekeeper does not take.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/cluster/clustering_settings.hpp"
#include "runtime/core/result.hpp"
#include "runtime/env/env.hpp"

namespace tandem::cluster {

inline constexpr std::uint16_t kResourceUsagePort = 1719;
inline constexpr std::uint8_t kResourceUsageFrame = 0x30;
inline constexpr std::size_t kMaxUsagePipes = 64;
inline constexpr std::uint16_t kMaxPipeNumber = 1000;  // "Bandwidth Pipe [1..1000]"
inline constexpr std::size_t kUsagePayloadBytesMax = 1 + 8 + 8 + 4 * 4 + 1 + kMaxUsagePipes * 6;

// Whether `payload` opens with a resource usage frame's header (not whether it decodes).
bool is_resource_usage_datagram(std::span<const std::uint8_t> payload);

// One UDP socket whose datagrams go to two handlers: resource usage frames to
// the usage handler, everything else to the other one (H.225.0 RAS). With only
// one handler set, it gets every datagram (and counts what it cannot decode).
// Handlers may be set, replaced or cleared (nullptr) at any time.
class SharedDatagramPort {
 public:
  static Result<std::unique_ptr<SharedDatagramPort>> open(Env& env, const Endpoint& local);
  void set_usage_handler(DatagramHandler handler) { usage_ = std::move(handler); }
  void set_other_handler(DatagramHandler handler) { other_ = std::move(handler); }
  void send_to(const Endpoint& to, ByteView payload) { socket_->send_to(to, payload); }
  Endpoint local() const { return socket_->local(); }

 private:
  SharedDatagramPort() = default;
  void on_datagram(const Endpoint& from, ByteView payload);
  std::unique_ptr<DatagramSocket> socket_;
  DatagramHandler usage_;
  DatagramHandler other_;
};

// What one peer uses now.
struct Usage {
  std::uint32_t registrations = 0;
  std::uint32_t traversal_calls = 0;
  std::uint32_t non_traversal_calls = 0;
  std::uint32_t turn_relays = 0;
  std::map<std::uint16_t, std::uint32_t> pipe_kbps;  // pipe number -> kbps in use

  bool operator==(const Usage&) const = default;
};

// Errors: more than kMaxUsagePipes pipes, or a pipe number outside 1..kMaxPipeNumber.
Status check_usage(const Usage& usage);

struct UsageDatagram {
  std::uint8_t slot = 0;      // the sender's Peer N (1..6)
  std::uint64_t boot_id = 0;  // drawn at each start of the sender
  std::uint64_t seq = 0;      // per boot, from 0, one more for each datagram
  Usage usage;

  bool operator==(const UsageDatagram&) const = default;
};

// Asserts check_usage(datagram.usage) (callers validate first).
std::vector<std::uint8_t> encode(const UsageDatagram& datagram);
// Untrusted bytes to a datagram, or an error naming what was wrong (framing,
// frame type, a short field, a slot outside 1..6, too many pipes, a pipe out of
// range or out of order, trailing bytes). Reads nothing past `bytes`.
Result<UsageDatagram> decode_usage_datagram(std::span<const std::uint8_t> bytes);

// One listed peer's usage as this peer knows it.
struct PeerUsage {
  int slot = 0;
  std::string address;          // as listed
  bool self = false;
  std::optional<Usage> usage;   // nullopt: unknown (never heard from, or stale)
  std::optional<Duration> age;  // since its latest datagram; zero for this system
  std::uint64_t boot_id = 0;    // of its latest datagram (this system's own for self)
  std::uint64_t seq = 0;
};

// Sums over the peers whose usage is known. 64-bit: six peers of 32-bit counts.
struct UsageTotals {
  std::uint64_t registrations = 0;
  std::uint64_t traversal_calls = 0;
  std::uint64_t non_traversal_calls = 0;
  std::uint64_t turn_relays = 0;
  std::map<std::uint16_t, std::uint64_t> pipe_kbps;
  std::vector<int> unknown;  // slots left out, ascending

  bool operator==(const UsageTotals&) const = default;
};
UsageTotals add_up(const std::vector<PeerUsage>& peers);

struct ResourceUsageOptions {
  std::uint16_t port = kResourceUsagePort;
  Duration interval = std::chrono::seconds(1);
  Duration stale_after = std::chrono::seconds(5);
  // Changes go out at once, but at most one change datagram per gap: a
  // registrar reporting every registration must not flood the cluster.
  Duration min_gap = std::chrono::milliseconds(100);
  // This peer's address when its slot holds a name (resolved by the caller);
  // by default the slot's IP literal.
  std::optional<IpAddress> own_address;
  // A port already bound (the H.323 gatekeeper's, on UDP 1719): used instead
  // of a socket of its own when it is bound where resource usage would bind.
  // It must outlive the ResourceUsage.
  SharedDatagramPort* shared_port = nullptr;
};

// Datagrams ignored since start, by reason.
struct UsageDrops {
  std::uint64_t malformed = 0;  // did not decode
  std::uint64_t unlisted = 0;   // not from the listed address of the slot it claims
  std::uint64_t stale = 0;      // duplicated, reordered, replayed or from an earlier boot

  bool operator==(const UsageDrops&) const = default;
};

class ResourceUsage {
 public:
  // Binds this peer's address and options.port (UDP) and starts sending.
  // `resolved` maps listed names to their addresses (as for
  // ClusteringSettings::this_system); a name it lacks is neither sent to nor
  // heard from. Errors: the settings fail check(), self_slot is not a listed
  // slot, `local` fails check_usage(), or the port cannot be bound.
  static Result<std::unique_ptr<ResourceUsage>> start(Env& env, const ClusteringSettings& settings, int self_slot,
                                                      const std::map<std::string, std::vector<IpAddress>>& resolved,
                                                      Usage local, ResourceUsageOptions options = {});
  ~ResourceUsage();
  ResourceUsage(const ResourceUsage&) = delete;
  ResourceUsage& operator=(const ResourceUsage&) = delete;

  // This peer's usage; sent at once when it differs from the last. An error
  // (and nothing changed) when check_usage() refuses it.
  Status set_local(const Usage& usage);
  const Usage& local() const { return local_; }

  std::vector<PeerUsage> peers() const;  // every listed slot, in order, this system included
  PeerUsage peer(int slot) const;
  UsageTotals totals() const { return add_up(peers()); }

  int self_slot() const { return self_slot_; }
  std::uint64_t boot_id() const { return boot_id_; }
  std::uint64_t next_seq() const { return next_seq_; }
  const UsageDrops& drops() const { return drops_; }
  Endpoint local_endpoint() const { return shared_ ? shared_->local() : socket_->local(); }
  bool shares_port() const { return shared_ != nullptr; }

 private:
  static constexpr std::size_t kRetiredBootsMax = 4;
  // What was last taken from one other peer.
  struct Record {
    std::vector<IpAddress> addresses;  // where it sends from and we send to
    std::optional<MonoTime> heard;     // when its latest datagram was taken
    std::uint64_t boot_id = 0;
    std::uint64_t seq = 0;
    Usage usage;
    std::array<std::uint64_t, kRetiredBootsMax> retired{};  // its earlier boots
    std::size_t retired_count = 0;
  };
  enum class Drop : std::uint8_t { Malformed, Unlisted, Stale };

  ResourceUsage(Env& env, ClusteringSettings settings, int self_slot, Usage local, ResourceUsageOptions options);
  void resolve(const std::map<std::string, std::vector<IpAddress>>& resolved);
  Status open();
  void tick();
  void send_soon();
  void send_all();
  void send_to(const Endpoint& to, ByteView payload);
  void on_datagram(const Endpoint& from, ByteView payload);
  static bool newer(const Record& record, const UsageDatagram& datagram);
  void take(Record& record, UsageDatagram datagram);
  void drop(Drop reason, const Endpoint& from, const std::string& why);
  Record& record(int slot) { return records_[static_cast<std::size_t>(slot - 1)]; }
  const Record& record(int slot) const { return records_[static_cast<std::size_t>(slot - 1)]; }

  Env& env_;
  ClusteringSettings settings_;
  int self_slot_;
  Usage local_;
  ResourceUsageOptions options_;
  std::uint64_t boot_id_ = 0;
  std::uint64_t next_seq_ = 0;
  std::array<Record, kMaxPeers> records_{};
  std::unique_ptr<DatagramSocket> socket_;  // null when shared_ serves
  SharedDatagramPort* shared_ = nullptr;
  Handle tick_timer_;
  Handle change_timer_;                 // a coalesced change waiting for its gap
  std::optional<MonoTime> change_sent_;  // when the last change went out at once
  UsageDrops drops_;
  std::optional<MonoTime> drop_logged_;
  std::uint64_t drops_unlogged_ = 0;
};

}  // namespace tandem::cluster
