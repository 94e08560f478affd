#include "gui/state/cluster_state.hpp"

#include <QRegularExpression>
#include <algorithm>

namespace tandem::view {
namespace {

Seen seen_from(QStringView word) {
  if (word == u"Active") return Seen::Active;
  if (word == u"Failed") return Seen::Failed;
  if (word == u"Unknown") return Seen::Unknown;
  return Seen::None;
}

// "peer 3 Active" (cluster.peer), "revision 12" (cluster.applied): the
// number after `word`, or -1.
std::int64_t number_after(const QStringList& words, QStringView word) {
  for (qsizetype i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == word) {
      bool ok = false;
      const std::int64_t n = words[i + 1].toLongLong(&ok);
      return ok ? n : -1;
    }
  }
  return -1;
}

QString value_after(const QStringList& words, QStringView word) {
  for (qsizetype i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == word) return words[i + 1];
  }
  return {};
}

// The process is gone: what it held in memory goes with it.
void lose_memory(ClusterState& s, int host) {
  PeerState& p = s.peers[static_cast<std::size_t>(host)];
  p.up = false;
  p.paused = false;
  p.database.clear();
  p.sees.fill(Seen::None);
  p.alarms.clear();
  p.registrations = -1;
  p.calls = -1;
  for (auto& [key, hosts] : s.registered_at) {
    if (hosts.erase(host)) s.lost_from[key] = host;
  }
}

bool apply_status(PeerState& p, const QString& detail) {
  const QStringList w = detail.split(u' ', Qt::SkipEmptyParts);
  PeerState before = p;
  p.has_status = true;
  p.slot = static_cast<int>(number_after(w, u"slot"));
  p.primary_slot = static_cast<int>(number_after(w, u"primary"));
  p.peer_count = static_cast<int>(number_after(w, u"peers"));
  p.software = value_after(w, u"software");
  p.maintenance = value_after(w, u"maintenance") == u"on";
  p.settings = value_after(w, u"settings");
  return !before.has_status || before.slot != p.slot || before.primary_slot != p.primary_slot ||
         before.peer_count != p.peer_count || before.software != p.software || before.maintenance != p.maintenance ||
         before.settings != p.settings;
}

// "peer 2: 5 registrations, 1 traversal, 0 non-traversal, 0 TURN, 0 pipes in use"
bool apply_usage(ClusterState& s, const QString& detail) {
  static const QRegularExpression kUsage(
      QStringLiteral("^peer (\\d+): (\\d+) registrations, (\\d+) traversal, (\\d+) non-traversal"));
  const QRegularExpressionMatch m = kUsage.match(detail);
  if (!m.hasMatch()) return false;
  const int host = s.host_of_slot(m.captured(1).toInt());
  if (host < 0) return false;
  PeerState& p = s.peers[static_cast<std::size_t>(host)];
  const std::int64_t registrations = m.captured(2).toLongLong();
  const std::int64_t calls = m.captured(3).toLongLong() + m.captured(4).toLongLong();
  if (registrations == p.registrations && calls == p.calls) return false;
  p.registrations = registrations;
  p.calls = calls;
  return true;
}

constexpr std::int64_t kMoveBatchNs = 10'000'000'000;  // moves this close together are counted as one

// `key` registered at `host`. A move when its registration elsewhere was lost
// (or is held by a peer that no longer serves it); otherwise a first
// registration, or a second flow (SIP outbound), or a refresh (not notable).
Change registered(ClusterState& s, int host, const QString& key) {
  std::set<int>& held = s.registered_at[key];
  if (held.count(host)) return {};
  int from = -1;
  if (auto it = s.lost_from.find(key); it != s.lost_from.end()) {
    if (it->second != host) from = it->second;
    s.lost_from.erase(it);
  }
  for (auto it = held.begin(); it != held.end();) {
    if (s.serves_endpoints(*it)) {
      ++it;
      continue;
    }
    from = *it;
    it = held.erase(it);
  }
  held.insert(host);
  if (from < 0) return {true, {}};
  const QString note = QStringLiteral("%1 moved from %2 to %3").arg(key, s.hosts.value(from), s.hosts.value(host));
  const Move& last = s.last_move;
  const bool same = last.from == from && last.to == host && s.t_ns - last.t_ns <= kMoveBatchNs;
  s.last_move = Move{s.t_ns, from, host, key, same ? last.count + 1 : 1};
  return {true, note};
}

// `key`'s registration at `host` is gone (refused, unregistered, expired).
Change dropped(ClusterState& s, int host, const QString& key) {
  auto it = s.registered_at.find(key);
  if (it != s.registered_at.end() && it->second.erase(host)) s.lost_from[key] = host;
  return {true, {}};
}

// "200 UDP 10.0.0.200:5060 <sip:alice@example.com>;tag=1": registered at
// this host when it answered 200; any other final answer drops it here.
Change apply_register(ClusterState& s, int host, const QString& detail) {
  const QStringList w = detail.split(u' ', Qt::SkipEmptyParts);
  if (w.size() < 4) return {true, {}};
  QString aor = w.mid(3).join(u' ');
  const qsizetype open = aor.indexOf(u'<');
  const qsizetype close = aor.indexOf(u'>');
  aor = open >= 0 && close > open ? aor.mid(open + 1, close - open - 1) : aor.section(u';', 0, 0);
  if (w[0] == u"200") return registered(s, host, aor);
  if (w[0].startsWith(u'1')) return {};
  return dropped(s, host, aor);
}

// "1a2b3c4d5e6f7a8b [alice,1234] from 10.0.1.1:1719" (h323.register,
// h323.unregister, h323.expire): the aliases name the endpoint.
Change apply_h323(ClusterState& s, int host, const TraceEvent& r) {
  const qsizetype open = r.detail.indexOf(u'[');
  const qsizetype close = r.detail.indexOf(u']', open);
  if (open < 0 || close < 0) return {true, {}};
  const QString key = QStringLiteral("h323:") + r.detail.mid(open + 1, close - open - 1);
  if (r.kind == u"h323.register") return registered(s, host, key);
  return dropped(s, host, key);
}

Change apply_alarm(PeerState& p, const TraceEvent& r) {
  const qsizetype space = r.detail.indexOf(u' ');
  bool ok = false;
  const int id = r.detail.left(space).toInt(&ok);
  if (!ok) return {true, {}};
  const QString text = space < 0 ? QString() : r.detail.mid(space + 1);
  if (r.kind == u"alarm.cleared") {
    p.alarms.erase(id);
  } else if (r.kind == u"alarm.acknowledged") {
    auto it = p.alarms.find(id);
    if (it != p.alarms.end()) it->second.acknowledged = true;
  } else {
    // raised, or continued after a restart: up (again), keeping what it knew.
    AlarmEntry& a = p.alarms[id];
    if (a.id == 0) a = AlarmEntry{id, text, r.t_ns, false};
    a.text = text;
  }
  return {r.kind != u"alarm.continued", {}};
}

Change apply_database(ClusterState& s, PeerState& p, const TraceEvent& r) {
  const QStringList w = r.detail.split(u' ', Qt::SkipEmptyParts);
  if (r.kind == u"cluster.database") {
    const QString status = w.value(0);
    const bool changed = status != p.database;
    p.database = status;
    const std::int64_t revision = number_after(w, u"revision");
    if (revision >= 0 || p.revision < 0) p.revision = revision;
    return {changed, {}};
  }
  const std::int64_t revision = number_after(w, u"revision");
  const bool changed = revision != p.revision;
  p.revision = revision;
  (void)s;
  return {changed || r.kind == u"cluster.commit", {}};
}

Change apply_host(ClusterState& s, int host, const TraceEvent& r) {
  PeerState& p = s.peers[static_cast<std::size_t>(host)];
  const QString& k = r.kind;
  if (k == u"host.boot") {
    p.booted = true;
    p.up = true;
    p.paused = false;
    p.boots = static_cast<int>(r.size);
  } else if (k == u"fault.restart" || k == u"live.reachable") {
    p.booted = true;
    p.up = true;
  } else if (k == u"fault.crash" || k == u"live.unreachable") {
    lose_memory(s, host);
  } else if (k == u"fault.pause") {
    p.paused = true;
  } else if (k == u"fault.resume") {
    p.paused = false;
  } else if (k == u"fault.clock_step") {
    p.clock_offset_ns += r.size;
  }
  return {true, {}};
}

}  // namespace

bool kind_matters(QByteArrayView kind) { return !kind.startsWith("net.") && kind != "timer"; }
bool kind_matters(QStringView kind) { return !kind.startsWith(u"net.") && kind != u"timer"; }

Change apply(ClusterState& s, const TraceEvent& r) {
  s.t_ns = r.t_ns;
  const std::size_t needed = static_cast<std::size_t>(std::max<qsizetype>(s.hosts.size(), r.host + 1));
  if (s.peers.size() < needed) s.peers.resize(needed);
  const QString& k = r.kind;
  if (k == u"fault.partition") {
    s.cuts.insert({r.host, r.peer});
    s.cuts.insert({r.peer, r.host});
    return {true, {}};
  }
  if (k == u"fault.partition_one_way") {
    s.cuts.insert({r.host, r.peer});
    return {true, {}};
  }
  if (k == u"fault.heal") {
    s.cuts.erase({r.host, r.peer});
    s.cuts.erase({r.peer, r.host});
    return {true, {}};
  }
  if (k == u"fault.heal_all") {
    s.cuts.clear();
    return {true, {}};
  }
  if (r.host < 0) return {kind_matters(QStringView(k)), {}};
  PeerState& p = s.peers[static_cast<std::size_t>(r.host)];
  if (k.startsWith(u"host.") || k.startsWith(u"fault.") || k.startsWith(u"live.")) return apply_host(s, r.host, r);
  if (k == u"peer.status") {
    s.any_status = true;
    return {apply_status(p, r.detail), {}};
  }
  if (k == u"cluster.peer") {
    const QStringList w = r.detail.split(u' ', Qt::SkipEmptyParts);
    const int slot = static_cast<int>(number_after(w, u"peer"));
    if (slot < 1 || slot > kMaxSlots) return {true, {}};
    const Seen seen = seen_from(w.value(2));
    p.sees[static_cast<std::size_t>(slot)] = seen;
    const int other = s.host_of_slot(slot);
    if (seen == Seen::Failed && other >= 0) s.peers[static_cast<std::size_t>(other)].lost_ns = r.t_ns;
    return {true, {}};
  }
  if (k == u"cluster.database" || k == u"cluster.applied" || k == u"cluster.commit") return apply_database(s, p, r);
  if (k == u"cluster.usage") return {apply_usage(s, r.detail), {}};
  if (k.startsWith(u"alarm.")) return apply_alarm(p, r);
  if (k == u"sip.register") return apply_register(s, r.host, r.detail);
  if (k == u"h323.register" || k == u"h323.unregister" || k == u"h323.expire") return apply_h323(s, r.host, r);
  return {kind_matters(QStringView(k)), {}};
}

std::vector<int> ClusterState::shown_hosts() const {
  std::vector<int> out;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (any_status ? peers[i].has_status : peers[i].booted) out.push_back(static_cast<int>(i));
  }
  return out;
}

int ClusterState::host_of_slot(int slot) const {
  if (slot < 1) return -1;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (peers[i].slot == slot) return static_cast<int>(i);
  }
  return -1;
}

int ClusterState::primary_host() const {
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (peers[i].is_primary()) return static_cast<int>(i);
  }
  return -1;
}

std::int64_t ClusterState::primary_revision() const {
  const int primary = primary_host();
  return primary < 0 ? -1 : peers[static_cast<std::size_t>(primary)].revision;
}

int ClusterState::endpoints_at(int host) const {
  return static_cast<int>(std::count_if(registered_at.begin(), registered_at.end(),
                                        [host](const auto& entry) { return entry.second.count(host) > 0; }));
}

bool ClusterState::serves_endpoints(int host) const {
  if (host < 0 || static_cast<std::size_t>(host) >= peers.size()) return false;
  const PeerState& p = peers[static_cast<std::size_t>(host)];
  if (!p.up || p.paused || p.maintenance) return false;
  for (const auto& [from, to] : cuts) {
    const int other = from == host ? to : to == host ? from : -1;
    if (other >= 0 && (static_cast<std::size_t>(other) >= peers.size() || !peers[static_cast<std::size_t>(other)].has_status)) {
      return false;
    }
  }
  return true;
}

std::int64_t ClusterState::lag(int host) const {
  const PeerState& p = peers[static_cast<std::size_t>(host)];
  const std::int64_t primary = primary_revision();
  if (!p.up || p.slot == 0 || p.revision < 0 || primary < 0) return -1;
  return std::max<std::int64_t>(0, primary - p.revision);
}

bool ClusterState::settings_match(int host) const {
  const int primary = primary_host();
  if (primary < 0) return true;
  return peers[static_cast<std::size_t>(host)].settings == peers[static_cast<std::size_t>(primary)].settings;
}

LinkState ClusterState::link(int a, int b) const {
  const PeerState& pa = peers[static_cast<std::size_t>(a)];
  const PeerState& pb = peers[static_cast<std::size_t>(b)];
  if (pa.slot == 0 || pb.slot == 0 || pa.slot == pb.slot) return LinkState::None;
  const Seen sa = pa.sees[static_cast<std::size_t>(pb.slot)];
  const Seen sb = pb.sees[static_cast<std::size_t>(pa.slot)];
  const int active = (sa == Seen::Active) + (sb == Seen::Active);
  const int failed = (sa == Seen::Failed) + (sb == Seen::Failed);
  if (active == 2) return LinkState::Active;
  if (active == 1) return LinkState::OneWay;
  if (failed > 0) return LinkState::Failed;
  if (sa == Seen::Unknown || sb == Seen::Unknown) return LinkState::Unknown;
  return LinkState::None;
}

QString format_time(std::int64_t t_ns) {
  const std::int64_t ms = t_ns / 1'000'000;
  return QStringLiteral("%1:%2:%3.%4")
      .arg(ms / 3'600'000, 2, 10, QLatin1Char('0'))
      .arg(ms / 60'000 % 60, 2, 10, QLatin1Char('0'))
      .arg(ms / 1000 % 60, 2, 10, QLatin1Char('0'))
      .arg(ms % 1000, 3, 10, QLatin1Char('0'));
}

}  // namespace tandem::view
