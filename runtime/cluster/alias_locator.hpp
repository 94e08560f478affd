#pragma once
// The cluster-wide lookup of an alias: which peers have it registered, and
// how (call routing asks this before it forwards a call). The question goes
// to every other peer over the membership links (TCP 4371, TLS); each answers
// from its own registrations. Peers that do not answer within the timeout,
// or have no verified link now, are listed as NoAnswer: unknown is not "not
// registered".
//
// Messages (frame types on 4371; payload in the wire field codec):
//   0x20 Locate   u64 query id, str alias
//   0x21 Located  u64 query id, u16 n, n x (str contact, str transport, u32 expires in s)

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "runtime/cluster/membership.hpp"
#include "runtime/env/env.hpp"

namespace tandem::cluster {

inline constexpr std::uint8_t kLocateFrame = 0x20;
inline constexpr std::uint8_t kLocatedFrame = 0x21;
inline constexpr std::size_t kAliasBytesMax = 256;
inline constexpr std::size_t kLocatedRowsMax = 64;

// One registration of the alias on one peer.
struct Located {
  std::string contact;
  std::string transport;  // "UDP", "TCP", "TLS", or "H323"
  std::uint32_t expires_in_s = 0;
  bool operator==(const Located&) const = default;
};

enum class LocateResult : std::uint8_t { Found, NotFound, NoAnswer };
std::string_view to_string(LocateResult result);

struct PeerLocation {
  int slot = 0;
  std::string address;
  LocateResult result = LocateResult::NoAnswer;
  std::vector<Located> registrations;
};

struct LocateQuery {
  std::uint64_t id = 0;
  std::string alias;
  bool operator==(const LocateQuery&) const = default;
};
struct LocateReply {
  std::uint64_t id = 0;
  std::vector<Located> registrations;
  bool operator==(const LocateReply&) const = default;
};
std::vector<std::uint8_t> encode(const LocateQuery& query);
std::vector<std::uint8_t> encode(const LocateReply& reply);
Result<LocateQuery> decode_locate_query(const wire::Frame& frame);
Result<LocateReply> decode_locate_reply(const wire::Frame& frame);

class AliasLocator {
 public:
  // This peer's own registrations of an alias (at most kLocatedRowsMax used).
  using LocalLookup = std::function<std::vector<Located>(std::string_view alias)>;
  using Done = std::function<void(std::vector<PeerLocation>)>;

  // Installs itself as `membership`'s query handler; `membership` outlives
  // it. Without membership (a stand-alone peer) only this peer is asked, as
  // slot 1 at `own_address`.
  AliasLocator(Env& env, Membership* membership, LocalLookup local, std::string own_address = "",
               Duration timeout = std::chrono::seconds(2));
  ~AliasLocator();
  AliasLocator(const AliasLocator&) = delete;
  AliasLocator& operator=(const AliasLocator&) = delete;

  // Every listed peer in slot order, this one included. `done` runs once,
  // later (never from inside this call), when all have answered or the
  // timeout passed. Error: an empty or over-long alias.
  Status locate(std::string alias, Done done);
  std::size_t pending() const { return queries_.size(); }

 private:
  struct Query {
    std::vector<PeerLocation> peers;
    std::size_t waiting = 0;
    Done done;
    Handle timer;
  };
  PeerLocation here(int slot, std::string address, std::string_view alias) const;
  std::optional<std::vector<std::uint8_t>> answer(int from_slot, const wire::Frame& frame);
  void on_reply(int slot, const wire::Frame& frame);
  void finish(std::uint64_t id);

  Env& env_;
  Membership* membership_;
  LocalLookup local_;
  std::string own_address_;
  Duration timeout_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Query> queries_;
};

}  // namespace tandem::cluster
