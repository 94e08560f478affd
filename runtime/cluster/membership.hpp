#pragma once
// Membership (the guide's "cluster recovery", TCP 4371 over TLS): a full mesh
// between the listed peers. Each peer dials every other peer and sends a
// heartbeat each interval on that link; the receiver answers each heartbeat
// with an echo, so the sender measures the round trip. A peer is
//   This system  - its own slot;
//   Unknown      - not heard from yet, and still within the first failure window;
//   Active       - heard from within the failure window;
//   Failed       - not heard from for longer than that.
// "Cluster communication failure" is up while any listed peer is Failed;
// mismatched clustering settings, primary or feature keys raise their alarms
// while an Active peer reports them. Every link, dialed or accepted, counts only
// once its peer passes the TLS verification mode (peer_identity.hpp); a refused
// link we dialed raises "peer certificate refused", which stays until a later
// link to that peer passes (a refused caller is logged only).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "runtime/cluster/alarms.hpp"
#include "runtime/cluster/clustering_settings.hpp"
#include "runtime/cluster/messages.hpp"
#include "runtime/cluster/peer_identity.hpp"
#include "runtime/env/env.hpp"
#include "runtime/net/framed_link.hpp"

namespace tandem::cluster {

inline constexpr std::uint16_t kRecoveryPort = 4371;

enum class PeerState : std::uint8_t { ThisSystem, Unknown, Active, Failed };
std::string_view to_string(PeerState state);

struct PeerView {
  int slot = 0;
  std::string address;
  PeerState state = PeerState::Unknown;
  std::optional<Heartbeat> last;       // its latest heartbeat
  std::optional<Duration> rtt;         // measured round trip on our link to it
  std::optional<WallTime> last_contact;  // wall clock, for licence borrowing
  std::optional<MonoTime> last_heard;
};

struct MembershipOptions {
  std::uint16_t port = kRecoveryPort;
  Duration interval = std::chrono::seconds(1);
  Duration failure_after = std::chrono::seconds(5);
  // This peer's address when its slot holds a name (resolved by the caller);
  // by default the slot's IP literal.
  std::optional<IpAddress> own_address;
};

class Membership {
 public:
  // What this peer says about itself; slot, primary, settings hash and sent
  // time are filled in here from the clustering settings and the clock.
  using LocalInfo = std::function<Heartbeat()>;

  // Listens on this peer's slot address and dials every other listed peer.
  // Errors: the settings fail check(), self_slot is not a listed slot, or the
  // recovery port cannot be bound.
  static Result<std::unique_ptr<Membership>> start(Env& env, const ClusteringSettings& settings, int self_slot,
                                                   std::shared_ptr<const TlsContext> tls, LocalInfo local,
                                                   AlarmSet& alarms, MembershipOptions options = {});
  ~Membership();

  const std::vector<PeerView>& peers() const { return views_; }  // slot order, this system included
  const PeerView& peer(int slot) const;
  int self_slot() const { return self_slot_; }
  // Runs after any peer changes state.
  void set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }

  // Queries between peers ride the same links as heartbeats: a request goes
  // on the link this peer dialed to the other (once verified), the other
  // answers on that link. Frame types at or above kFirstQueryFrame only.
  // The handler answers a request from `from_slot` (a slot whose heartbeat
  // came on that link), or nothing to leave it unanswered.
  using RequestHandler = std::function<std::optional<std::vector<std::uint8_t>>(int from_slot, const wire::Frame&)>;
  using ReplyHandler = std::function<void(int slot, const wire::Frame&)>;
  void set_query_handlers(RequestHandler on_request, ReplyHandler on_reply);
  // False when there is no verified link to `slot` now.
  bool send_request(int slot, const std::vector<std::uint8_t>& frame);

 private:
  struct Outbound;
  Membership(Env& env, ClusteringSettings settings, int self_slot, std::shared_ptr<const TlsContext> tls,
             LocalInfo local, AlarmSet& alarms, MembershipOptions options);
  std::optional<IpAddress> own_address();
  Status listen();
  void dial_all();
  void on_outbound(int slot, std::unique_ptr<Stream> stream);
  void on_outbound_verdict(int slot, const IdentityVerdict& verdict);
  void drop_outbound(int slot);
  void on_accept(std::unique_ptr<Stream> stream);
  void on_inbound_frame(std::uint64_t id, const wire::Frame& frame);
  void on_inbound_request(std::uint64_t id, const wire::Frame& frame);
  void on_outbound_frame(int slot, const wire::Frame& frame);
  void tick();
  // Both take this peer's own feature keys hash (from its latest heartbeat).
  void evaluate(const std::string& own_keys_hash);
  void update_alarms(const std::string& own_keys_hash);
  Heartbeat heartbeat_now();
  PeerView& view(int slot) { return views_[static_cast<std::size_t>(slot - 1)]; }

  Env& env_;
  ClusteringSettings settings_;
  std::string settings_hash_;  // settings_ never change for a Membership's life; heartbeats carry this
  int self_slot_;
  std::shared_ptr<const TlsContext> tls_;
  LocalInfo local_;
  AlarmSet& alarms_;
  MembershipOptions options_;
  MonoTime started_;
  std::vector<PeerView> views_;
  std::vector<std::optional<IpAddress>> listed_ips_;  // by slot - 1: the address when it is an IP literal
  Heartbeat incoming_;  // decoded into, then swapped with its sender's last: no allocation per heartbeat
  std::unique_ptr<StreamListener> listener_;
  std::map<int, std::unique_ptr<Outbound>> outbound_;
  std::map<std::uint64_t, std::unique_ptr<VerifiedLink>> inbound_;
  std::map<std::uint64_t, int> inbound_slot_;  // inbound link -> the slot its heartbeats named
  RequestHandler on_request_;
  ReplyHandler on_reply_;
  std::map<int, std::string> refused_;  // slot -> why the last link dialed to it was refused
  std::uint64_t next_inbound_ = 1;
  Handle tick_timer_;
  std::function<void()> on_change_;
};

}  // namespace tandem::cluster
