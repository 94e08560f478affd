#include "runtime/cluster/alias_locator.hpp"

#include <algorithm>

namespace tandem::cluster {
namespace {

constexpr std::size_t kContactBytesMax = 512;
constexpr std::size_t kTransportBytesMax = 8;

Status check_alias(std::string_view alias) {
  if (alias.empty()) return make_error("locate: the alias is empty");
  if (alias.size() > kAliasBytesMax) {
    return make_error("locate: the alias is " + std::to_string(alias.size()) + " bytes, more than " +
                      std::to_string(kAliasBytesMax));
  }
  return {};
}

}  // namespace

std::string_view to_string(LocateResult result) {
  switch (result) {
    case LocateResult::Found: return "Found";
    case LocateResult::NotFound: return "NotFound";
    case LocateResult::NoAnswer: return "NoAnswer";
  }
  return "?";
}

std::vector<std::uint8_t> encode(const LocateQuery& query) {
  wire::Writer w;
  w.u64(query.id).str(query.alias);
  return wire::encode_frame(kLocateFrame, w.bytes());
}

std::vector<std::uint8_t> encode(const LocateReply& reply) {
  wire::Writer w;
  const std::size_t n = std::min(reply.registrations.size(), kLocatedRowsMax);
  w.u64(reply.id).u16(static_cast<std::uint16_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const Located& l = reply.registrations[i];
    w.str(l.contact).str(l.transport).u32(l.expires_in_s);
  }
  return wire::encode_frame(kLocatedFrame, w.bytes());
}

Result<LocateQuery> decode_locate_query(const wire::Frame& frame) {
  if (frame.type != kLocateFrame) return make_error("expected a locate frame, got type " + std::to_string(frame.type));
  wire::Reader r(frame.payload);
  LocateQuery q;
  q.id = r.u64("query id");
  q.alias = r.str("alias", kAliasBytesMax);
  if (auto ok = r.finish(); !ok) return make_error("bad locate: " + ok.error().message);
  if (auto ok = check_alias(q.alias); !ok) return make_error("bad " + ok.error().message);
  return q;
}

Result<LocateReply> decode_locate_reply(const wire::Frame& frame) {
  if (frame.type != kLocatedFrame) return make_error("expected a located frame, got type " + std::to_string(frame.type));
  wire::Reader r(frame.payload);
  LocateReply reply;
  reply.id = r.u64("query id");
  const std::uint16_t n = r.u16("registrations");
  if (n > kLocatedRowsMax) r.fail("registrations", std::to_string(n) + " rows, more than " + std::to_string(kLocatedRowsMax));
  for (std::uint16_t i = 0; i < n && r.ok(); ++i) {
    Located l;
    l.contact = r.str("contact", kContactBytesMax);
    l.transport = r.str("transport", kTransportBytesMax);
    l.expires_in_s = r.u32("expires");
    reply.registrations.push_back(std::move(l));
  }
  if (auto ok = r.finish(); !ok) return make_error("bad located: " + ok.error().message);
  return reply;
}

AliasLocator::AliasLocator(Env& env, Membership* membership, LocalLookup local, std::string own_address,
                           Duration timeout)
    : env_(env), membership_(membership), local_(std::move(local)), own_address_(std::move(own_address)),
      timeout_(timeout) {
  if (!membership_) return;
  membership_->set_query_handlers([this](int from, const wire::Frame& f) { return answer(from, f); },
                                  [this](int slot, const wire::Frame& f) { on_reply(slot, f); });
}

AliasLocator::~AliasLocator() {
  if (membership_) membership_->set_query_handlers(nullptr, nullptr);
}

PeerLocation AliasLocator::here(int slot, std::string address, std::string_view alias) const {
  PeerLocation p{slot, std::move(address), LocateResult::NotFound, local_(alias)};
  if (p.registrations.size() > kLocatedRowsMax) p.registrations.resize(kLocatedRowsMax);
  if (!p.registrations.empty()) p.result = LocateResult::Found;
  return p;
}

Status AliasLocator::locate(std::string alias, Done done) {
  if (auto ok = check_alias(alias); !ok) return ok;
  const std::uint64_t id = next_id_++;
  Query& q = queries_[id];
  q.done = std::move(done);
  if (!membership_) q.peers.push_back(here(1, own_address_, alias));
  const auto frame = encode(LocateQuery{id, alias});
  for (const PeerView& v : membership_ ? membership_->peers() : std::vector<PeerView>{}) {
    if (v.slot == membership_->self_slot()) {
      q.peers.push_back(here(v.slot, v.address, alias));
      continue;
    }
    q.peers.push_back(PeerLocation{v.slot, v.address, LocateResult::NoAnswer, {}});
    if (membership_->send_request(v.slot, frame)) ++q.waiting;
  }
  // Even when nobody is asked, the answer comes later, as promised.
  q.timer = env_.start_timer(q.waiting == 0 ? Duration::zero() : timeout_, [this, id] { finish(id); });
  return {};
}

std::optional<std::vector<std::uint8_t>> AliasLocator::answer(int from_slot, const wire::Frame& frame) {
  auto query = decode_locate_query(frame);
  if (!query) {
    env_.log(LogLevel::Warn, "cluster", "peer " + std::to_string(from_slot) + ": " + query.error().message);
    return std::nullopt;
  }
  return encode(LocateReply{query->id, local_(query->alias)});
}

void AliasLocator::on_reply(int slot, const wire::Frame& frame) {
  auto reply = decode_locate_reply(frame);
  if (!reply) {
    env_.log(LogLevel::Warn, "cluster", "peer " + std::to_string(slot) + ": " + reply.error().message);
    return;
  }
  auto it = queries_.find(reply->id);
  if (it == queries_.end()) return;  // too late: that query already finished
  for (PeerLocation& p : it->second.peers) {
    if (p.slot != slot || p.result != LocateResult::NoAnswer) continue;
    p.result = reply->registrations.empty() ? LocateResult::NotFound : LocateResult::Found;
    p.registrations = std::move(reply->registrations);
    if (--it->second.waiting == 0) env_.post([this, id = reply->id] { finish(id); });
    return;
  }
}

void AliasLocator::finish(std::uint64_t id) {
  auto it = queries_.find(id);
  if (it == queries_.end()) return;
  Query q = std::move(it->second);
  queries_.erase(it);
  q.done(std::move(q.peers));
}

}  // namespace tandem::cluster
