#pragma once
// Who is at the other end of a cluster link (4371 and 4372), as the TLS
// verification mode says (DESIGN.md "Cluster wire"; the guide's Appendix 3).
// Permissive takes anyone and looks nothing up. Enforce takes a peer whose
// certificate chains to a trusted CA, is in date (evaluate_peer), and names, in
// its CN or a SAN, a host that this peer's own DNS (Env::lookup) resolves to the
// address the connection came from. SAN IP entries compare as they are.
//
// PeerIdentityCheck decides for one stream; VerifiedLink is a framed link that
// holds the other side's frames until that decision accepts it. Nothing is
// cached across connections: every link asks DNS afresh, so a repaired record
// counts at the next attempt.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cluster/alarms.hpp"
#include "runtime/env/env.hpp"
#include "runtime/net/framed_link.hpp"

namespace tandem::cluster {

// At most this many certificate names (CN, SAN DNS and SAN IP entries) are
// checked per connection; the rest are named as not checked.
inline constexpr std::size_t kCertificateNamesMax = 8;

enum class IdentityCheck : std::uint8_t {
  Accepted,
  NoCertificate,
  Untrusted,
  NotYetValid,
  Expired,
  NoName,              // neither a CN nor a SAN to look up
  NameDoesNotResolve,  // no name resolved at all
  WrongAddress,        // names resolved, none to the connecting address
};
std::string_view to_string(IdentityCheck check);

struct IdentityVerdict {
  IdentityCheck check = IdentityCheck::Accepted;
  std::string message;  // why refused; for an accepted Enforce link, which name matched
  bool accepted() const { return check == IdentityCheck::Accepted; }
};

// One certificate name and what it resolved to (empty while being looked up).
struct CertificateName {
  std::string name;                                     // as the certificate spells it
  std::optional<Result<std::vector<IpAddress>>> addresses;  // or why it does not resolve
};

// The names a certificate offers, in order CN, SAN DNS, SAN IP; repeats (case
// and a trailing dot aside) dropped; at most kCertificateNamesMax. IP literals
// come already resolved to themselves, wildcards already refused; the others
// wait for a lookup. `unchecked` counts what the bound left out.
struct CertificateNames {
  std::vector<CertificateName> names;
  std::size_t unchecked = 0;
};
CertificateNames certificate_names(const CertificateInfo& certificate);

// The verdict once every name has its answer: accepted if one resolved to
// `remote`, else which names resolved where, and which did not resolve and why.
IdentityVerdict judge_names(const CertificateNames& names, const IpAddress& remote);

// Decides once, asynchronously, whether the peer that presented `session` from
// `remote` is who it says under `mode`. `done` runs once, always later (never
// from inside the constructor), on the Env's executor. Destroying the check
// cancels its outstanding lookups and `done`.
class PeerIdentityCheck {
 public:
  using Done = std::function<void(IdentityVerdict)>;

  PeerIdentityCheck(Env& env, const TlsSessionInfo& session, const IpAddress& remote, TlsVerifyMode mode, Done done);
  ~PeerIdentityCheck();
  PeerIdentityCheck(const PeerIdentityCheck&) = delete;
  PeerIdentityCheck& operator=(const PeerIdentityCheck&) = delete;

 private:
  std::optional<IdentityVerdict> decide_at_once(const TlsSessionInfo& session, TlsVerifyMode mode);
  void look_up_names();
  void on_answer(std::size_t index, Result<DnsAnswer> answer);
  void finish(IdentityVerdict verdict);

  Env& env_;
  IpAddress remote_;
  Done done_;
  CertificateNames names_;
  std::vector<Handle> lookups_;  // one per name still being looked up
  std::size_t outstanding_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards a posted verdict
};

// A framed link on a new stream whose other side is checked first. Reading
// starts at once (so a close is seen at once); frames wait, at most
// kHeldFramesMax of them and kHeldBytesMax in all, until the check accepts.
// on_verdict runs once, always later; on acceptance the held frames follow it
// to on_frame, then every later frame does. On refusal nothing is delivered and
// the stream is closed once on_verdict returns. The owner may destroy the link
// from inside any of its handlers; a close before the verdict goes to
// on_closed and cancels the check.
class VerifiedLink {
 public:
  using VerdictHandler = std::function<void(const IdentityVerdict&)>;
  static constexpr std::size_t kHeldFramesMax = 16;
  static constexpr std::size_t kHeldBytesMax = 1 << 20;

  VerifiedLink(Env& env, std::unique_ptr<Stream> stream, TlsVerifyMode mode, VerdictHandler on_verdict,
               net::FramedLink::FrameHandler on_frame, net::FramedLink::CloseHandler on_closed);
  ~VerifiedLink();
  VerifiedLink(const VerifiedLink&) = delete;
  VerifiedLink& operator=(const VerifiedLink&) = delete;

  bool accepted() const { return accepted_; }
  // Only once accepted: nothing goes to a peer that is not verified.
  void send(const std::vector<std::uint8_t>& frame);
  const Endpoint& remote() const { return remote_; }
  // Valid until a refusal closes it.
  const Stream& stream() const { return link_->stream(); }

 private:
  void receive(const wire::Frame& frame);
  void decided(const IdentityVerdict& verdict);

  Endpoint remote_;
  std::unique_ptr<net::FramedLink> link_;
  std::unique_ptr<PeerIdentityCheck> check_;
  VerdictHandler on_verdict_;
  net::FramedLink::FrameHandler on_frame_;
  net::FramedLink::CloseHandler on_closed_;
  bool accepted_ = false;
  std::deque<wire::Frame> held_;
  std::size_t held_bytes_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Logs a refused link under `component`, naming `where` and the remote. True
// if the verdict accepted the link. (The alarm is Membership's: it follows the
// links it dials, where the peer's slot is known.)
bool admit_peer(const IdentityVerdict& verdict, const std::string& where, const Endpoint& remote, Env& env,
                std::string_view component);

}  // namespace tandem::cluster
