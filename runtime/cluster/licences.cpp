#include "runtime/cluster/licences.hpp"

#include <algorithm>

namespace tandem::cluster {

std::string_view to_string(Platform platform) {
  switch (platform) {
    case Platform::SmallVm: return "Small VM";
    case Platform::MediumVm: return "Medium VM";
    case Platform::LargeVm: return "Large VM";
    case Platform::Appliance: return "Appliance";
  }
  return "?";
}

Licences platform_capacity(Platform platform) {
  switch (platform) {
    case Platform::SmallVm: return Licences{75, 75, 1800};
    case Platform::MediumVm: return Licences{100, 500, 1800};
    case Platform::LargeVm: return Licences{500, 500, 6000};
    case Platform::Appliance: return Licences{100, 500, 1800};
  }
  return {};
}

LicencePool pool_licences(const std::vector<PeerLicences>& peers, WallTime now, Duration window) {
  LicencePool pool;
  for (const PeerLicences& p : peers) {
    if (!p.in_contact) {
      // Never seen, or seen longer ago than the window: not in the pool.
      const bool borrowing = p.last_contact && now - *p.last_contact <= window;
      (borrowing ? pool.borrowed_from : pool.expired).push_back(p.slot);
      if (!borrowing) continue;
    }
    pool.total.traversal_calls += p.installed.traversal_calls;
    pool.total.non_traversal_calls += p.installed.non_traversal_calls;
    pool.total.turn_relays += p.installed.turn_relays;
  }
  return pool;
}

Licences usable_on(const LicencePool& pool, Platform platform) {
  const Licences cap = platform_capacity(platform);
  return Licences{std::min(pool.total.traversal_calls, cap.traversal_calls),
                  std::min(pool.total.non_traversal_calls, cap.non_traversal_calls),
                  std::min(pool.total.turn_relays, cap.turn_relays)};
}

}  // namespace tandem::cluster
