#include "runtime/cluster/peer_identity.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace tandem::cluster {
namespace {

using AddressList = Result<std::vector<IpAddress>>;

// DNS names compare without case and without a trailing dot.
std::string canonical(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

IdentityCheck identity_check(PeerCheck check) {
  switch (check) {
    case PeerCheck::Accepted: return IdentityCheck::Accepted;
    case PeerCheck::NoCertificate: return IdentityCheck::NoCertificate;
    case PeerCheck::Untrusted: return IdentityCheck::Untrusted;
    case PeerCheck::NotYetValid: return IdentityCheck::NotYetValid;
    case PeerCheck::Expired: return IdentityCheck::Expired;
  }
  return IdentityCheck::Untrusted;
}

// Accepted if `name` has resolved to `remote`.
std::optional<IdentityVerdict> match(const CertificateName& name, const IpAddress& remote) {
  if (!name.addresses || !name.addresses->ok()) return std::nullopt;
  const std::vector<IpAddress>& addresses = name.addresses->value();
  if (std::find(addresses.begin(), addresses.end(), remote) == addresses.end()) return std::nullopt;
  return IdentityVerdict{IdentityCheck::Accepted,
                         "certificate name " + name.name + " resolves to " + remote.to_string()};
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

}  // namespace

std::string_view to_string(IdentityCheck check) {
  switch (check) {
    case IdentityCheck::Accepted: return "accepted";
    case IdentityCheck::NoCertificate: return "no certificate";
    case IdentityCheck::Untrusted: return "untrusted";
    case IdentityCheck::NotYetValid: return "not yet valid";
    case IdentityCheck::Expired: return "expired";
    case IdentityCheck::NoName: return "no name";
    case IdentityCheck::NameDoesNotResolve: return "name does not resolve";
    case IdentityCheck::WrongAddress: return "wrong address";
  }
  return "?";
}

CertificateNames certificate_names(const CertificateInfo& certificate) {
  CertificateNames out;
  std::set<std::string> seen;
  const auto add = [&](const std::string& name, std::optional<AddressList> addresses) {
    if (name.empty() || !seen.insert(canonical(name)).second) return;
    if (out.names.size() == kCertificateNamesMax) {
      ++out.unchecked;
      return;
    }
    out.names.push_back(CertificateName{name, std::move(addresses)});
  };
  const auto add_name = [&](const std::string& name) {
    if (auto ip = IpAddress::parse(name)) return add(ip->to_string(), AddressList(std::vector<IpAddress>{*ip}));
    // A wildcard matches many hosts and resolves to none in particular.
    if (name.find('*') != std::string::npos) {
      return add(name, AddressList(make_error("a wildcard names no single host")));
    }
    add(name, std::nullopt);
  };
  add_name(certificate.subject_cn);
  for (const std::string& name : certificate.dns_names) add_name(name);
  for (const IpAddress& ip : certificate.ip_addresses) add(ip.to_string(), AddressList(std::vector<IpAddress>{ip}));
  return out;
}

IdentityVerdict judge_names(const CertificateNames& names, const IpAddress& remote) {
  if (names.names.empty()) return IdentityVerdict{IdentityCheck::NoName, "no certificate name to check"};
  std::vector<std::string> resolved_names, addresses, failures;
  for (const CertificateName& name : names.names) {
    TANDEM_ASSERT(name.addresses.has_value());  // every lookup has answered
    if (auto accepted = match(name, remote)) return *accepted;
    const AddressList& result = *name.addresses;
    if (!result.ok() || result->empty()) {
      const std::string why = result.ok() ? "no address" : result.error().message;
      failures.push_back("certificate name " + name.name + " does not resolve: " + why);
      continue;
    }
    resolved_names.push_back(name.name);
    for (const IpAddress& ip : *result) {
      if (std::find(addresses.begin(), addresses.end(), ip.to_string()) == addresses.end()) {
        addresses.push_back(ip.to_string());
      }
    }
  }
  std::vector<std::string> parts;
  if (!resolved_names.empty()) {
    const bool one = resolved_names.size() == 1;
    parts.push_back(std::string(one ? "certificate name " : "certificate names ") + join(resolved_names, ", ") +
                    (one ? " resolves to " : " resolve to ") + join(addresses, ", ") + ", not " + remote.to_string());
  }
  parts.insert(parts.end(), failures.begin(), failures.end());
  std::string message = join(parts, "; ");
  if (names.unchecked > 0) message += " (" + std::to_string(names.unchecked) + " more certificate names not checked)";
  return IdentityVerdict{resolved_names.empty() ? IdentityCheck::NameDoesNotResolve : IdentityCheck::WrongAddress,
                         std::move(message)};
}

// ---- PeerIdentityCheck ------------------------------------------------------------

PeerIdentityCheck::PeerIdentityCheck(Env& env, const TlsSessionInfo& session, const IpAddress& remote,
                                     TlsVerifyMode mode, Done done)
    : env_(env), remote_(remote), done_(std::move(done)) {
  if (auto verdict = decide_at_once(session, mode)) {
    env_.post([this, alive = alive_, verdict = std::move(*verdict)]() mutable {
      if (*alive) finish(std::move(verdict));
    });
    return;
  }
  look_up_names();
}

PeerIdentityCheck::~PeerIdentityCheck() { *alive_ = false; }

// Everything that needs no DNS: the mode, the certificate itself, and names
// that are already addresses.
std::optional<IdentityVerdict> PeerIdentityCheck::decide_at_once(const TlsSessionInfo& session, TlsVerifyMode mode) {
  if (mode == TlsVerifyMode::Permissive) return IdentityVerdict{};
  TlsSessionInfo enforced = session;  // the cluster's mode rules, whatever the context said
  enforced.verify_mode = TlsVerifyMode::Enforce;
  const PeerVerdict tls = evaluate_peer(enforced, env_.wall_now());
  if (!tls.accepted()) return IdentityVerdict{identity_check(tls.check), tls.message};
  names_ = certificate_names(*session.peer_certificate);
  bool pending = false;
  for (const CertificateName& name : names_.names) {
    if (auto accepted = match(name, remote_)) return accepted;
    pending = pending || !name.addresses;
  }
  if (!pending) return judge_names(names_, remote_);
  return std::nullopt;
}

void PeerIdentityCheck::look_up_names() {
  const DnsType type = remote_.is_v4() ? DnsType::A : DnsType::AAAA;
  lookups_.resize(names_.names.size());
  for (std::size_t i = 0; i < names_.names.size(); ++i) {
    if (names_.names[i].addresses) continue;
    ++outstanding_;
    lookups_[i] = env_.lookup(names_.names[i].name, type,
                              [this, i](Result<DnsAnswer> answer) { on_answer(i, std::move(answer)); });
  }
}

void PeerIdentityCheck::on_answer(std::size_t index, Result<DnsAnswer> answer) {
  TANDEM_ASSERT(outstanding_ > 0);
  --outstanding_;
  CertificateName& name = names_.names[index];
  if (!answer) {
    name.addresses = AddressList(answer.error());
  } else if (answer->addresses.empty()) {
    name.addresses = AddressList(make_error(std::string("no ") + (remote_.is_v4() ? "A" : "AAAA") + " record"));
  } else {
    name.addresses = AddressList(std::move(answer->addresses));
  }
  if (auto accepted = match(name, remote_)) return finish(std::move(*accepted));
  if (outstanding_ == 0) finish(judge_names(names_, remote_));
}

void PeerIdentityCheck::finish(IdentityVerdict verdict) {
  lookups_.clear();  // an accepted name makes the others moot
  outstanding_ = 0;
  const Done done = std::move(done_);
  done_ = nullptr;
  TANDEM_ASSERT(done != nullptr);  // decided once
  done(std::move(verdict));  // may destroy this check: nothing of it is touched afterwards
}

// ---- VerifiedLink --------------------------------------------------------------------

VerifiedLink::VerifiedLink(Env& env, std::unique_ptr<Stream> stream, TlsVerifyMode mode, VerdictHandler on_verdict,
                           net::FramedLink::FrameHandler on_frame, net::FramedLink::CloseHandler on_closed)
    : remote_(stream->remote()),
      on_verdict_(std::move(on_verdict)),
      on_frame_(std::move(on_frame)),
      on_closed_(std::move(on_closed)) {
  link_ = std::make_unique<net::FramedLink>(
      std::move(stream), [this](const wire::Frame& frame) { receive(frame); },
      [this](const Status& why) {
        const net::FramedLink::CloseHandler handler = on_closed_;  // the owner may destroy us in it
        handler(why);
      });
  check_ = std::make_unique<PeerIdentityCheck>(env, link_->stream().tls(), remote_.ip, mode,
                                               [this](IdentityVerdict verdict) { decided(verdict); });
}

VerifiedLink::~VerifiedLink() { *alive_ = false; }

void VerifiedLink::send(const std::vector<std::uint8_t>& frame) {
  TANDEM_ASSERT(accepted_ && link_);
  link_->send(frame);
}

void VerifiedLink::receive(const wire::Frame& frame) {
  if (accepted_) {
    const net::FramedLink::FrameHandler handler = on_frame_;
    handler(frame);
    return;
  }
  if (held_.size() < kHeldFramesMax && held_bytes_ + frame.payload.size() <= kHeldBytesMax) {
    held_bytes_ += frame.payload.size();
    held_.push_back(frame);
    return;
  }
  // A peer that says this much before it is verified is not waited for.
  check_.reset();
  link_.reset();  // FramedLink allows this from inside its own callback
  held_.clear();
  const net::FramedLink::CloseHandler handler = on_closed_;
  handler(make_error("more than " + std::to_string(kHeldFramesMax) + " frames or " + std::to_string(kHeldBytesMax) +
                     " bytes arrived before the peer's certificate was verified"));
}

void VerifiedLink::decided(const IdentityVerdict& verdict) {
  accepted_ = verdict.accepted();
  const std::shared_ptr<bool> alive = alive_;
  const VerdictHandler handler = on_verdict_;
  handler(verdict);
  if (!*alive) return;
  if (!accepted_) {
    held_.clear();
    link_.reset();  // closes the stream: a refused peer gets nothing more
    return;
  }
  while (!held_.empty()) {  // at most kHeldFramesMax
    const wire::Frame frame = std::move(held_.front());
    held_.pop_front();
    const net::FramedLink::FrameHandler deliver = on_frame_;
    deliver(frame);
    if (!*alive) return;
  }
  held_bytes_ = 0;
}

bool admit_peer(const IdentityVerdict& verdict, const std::string& where, const Endpoint& remote, Env& env,
                std::string_view component) {
  if (verdict.accepted()) return true;
  env.log(LogLevel::Warn, component, "refused " + where + " (" + remote.to_string() + "): " + verdict.message);
  return false;
}

}  // namespace tandem::cluster
