#include "simulator/endpoints/endpoint_record.hpp"

#include <algorithm>
#include <cstdio>

namespace tandem::sim::endpoints {
namespace {

Duration overlap(const Outage& o, Duration from, Duration now) {
  const Duration start = std::max(o.from, from);
  const Duration end = std::min(o.to.value_or(now), now);
  return end > start ? end - start : Duration::zero();
}

Duration median(std::vector<Duration> values) {
  if (values.empty()) return Duration::zero();
  auto mid = values.begin() + static_cast<long>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

double seconds(Duration d) { return static_cast<double>(to_ns(d)) / 1e9; }

}  // namespace

std::string_view to_string(EndpointKind kind) {
  switch (kind) {
    case EndpointKind::SipOutbound: return "SIP outbound";
    case EndpointKind::SipSrv: return "SIP DNS SRV";
    case EndpointKind::SipRoundRobin: return "SIP round-robin";
    case EndpointKind::SipStatic: return "SIP static IP";
    case EndpointKind::H323Srv: return "H.323 DNS SRV";
    case EndpointKind::H323RoundRobin: return "H.323 round-robin";
    case EndpointKind::H323Static: return "H.323 static IP";
  }
  return "?";
}

Duration EndpointRecord::unreachable(Duration from, Duration now) const {
  Duration total{};
  for (const Outage& o : outages) total += overlap(o, from, now);
  return total;
}

Duration EndpointRecord::longest_outage(Duration from, Duration now) const {
  Duration longest{};
  for (const Outage& o : outages) longest = std::max(longest, overlap(o, from, now));
  return longest;
}

int EndpointRecord::current_peer() const {
  const Stint* best = nullptr;
  for (const Stint& s : stints) {
    if (!s.to && (best == nullptr || s.flow < best->flow)) best = &s;
  }
  return best ? best->peer : 0;
}

int EndpointRecord::peer_at(Duration t) const {
  const Stint* best = nullptr;
  for (const Stint& s : stints) {
    if (s.from <= t && (!s.to || t < *s.to) && (best == nullptr || s.flow < best->flow)) best = &s;
  }
  return best ? best->peer : 0;
}

PopulationReport summarize(std::string name, EndpointKind kind, const std::vector<EndpointRecord>& records,
                           const std::vector<bool>& reachable_now, Duration since, Duration now) {
  PopulationReport r;
  r.name = std::move(name);
  r.kind = kind;
  r.endpoints = static_cast<int>(records.size());
  std::vector<Duration> all;
  std::vector<Duration> affected;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const EndpointRecord& e = records[i];
    if (i < reachable_now.size() && reachable_now[i]) ++r.reachable;
    if (!e.first_registered) {
      ++r.never_registered;
      continue;
    }
    const Duration down = e.unreachable(since, now);
    all.push_back(down);
    r.unreachable_total += down;
    r.unreachable_max = std::max(r.unreachable_max, down);
    if (down > Duration::zero()) affected.push_back(down);
    const int before = e.peer_at(since);
    if (before != 0 && e.current_peer() != 0 && e.current_peer() != before) ++r.moved;
  }
  r.affected = static_cast<int>(affected.size());
  r.unreachable_p50 = median(std::move(all));
  r.unreachable_p50_affected = median(std::move(affected));
  return r;
}

std::string format_reports(const std::vector<PopulationReport>& reports) {
  std::string out = "population            kind               endpoints reachable never affected moved"
                    "  unreachable s: max    p50  p50(aff)\n";
  char line[256];
  for (const PopulationReport& r : reports) {
    std::snprintf(line, sizeof line, "%-21s %-18s %9d %9d %5d %8d %5d %20.1f %6.1f %9.1f\n", r.name.c_str(),
                  std::string(to_string(r.kind)).c_str(), r.endpoints, r.reachable, r.never_registered, r.affected,
                  r.moved, seconds(r.unreachable_max), seconds(r.unreachable_p50), seconds(r.unreachable_p50_affected));
    out += line;
  }
  return out;
}

}  // namespace tandem::sim::endpoints
