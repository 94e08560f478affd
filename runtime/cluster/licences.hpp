#pragma once
// Licence pooling (guide, Introduction and "Option keys"): traversal calls,
// non-traversal calls and TURN relays installed on any peer are available to
// the whole cluster. A peer that has lost contact keeps its licences in the
// pool for 14 days from its last contact (wall clock), to give time to repair
// the cluster; after that they leave the pool. Each peer stays capped by what
// its platform can carry, whatever the pool holds. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cluster/messages.hpp"
#include "runtime/core/time.hpp"

namespace tandem::cluster {

inline constexpr Duration kLicenceBorrowWindow = std::chrono::hours(24 * 14);

// Equivalent platforms may cluster (guide, "Clustering Prerequisites").
enum class Platform : std::uint8_t { SmallVm, MediumVm, LargeVm, Appliance };
std::string_view to_string(Platform platform);
// What one peer of a platform can carry, licences or not (modelled on the VCS
// X8.9 capacity tables).
Licences platform_capacity(Platform platform);

struct PeerLicences {
  int slot = 0;
  Licences installed;
  bool in_contact = false;               // This system, or Active
  std::optional<WallTime> last_contact;  // for peers out of contact
};

struct LicencePool {
  Licences total;                 // what the cluster may use now
  std::vector<int> borrowed_from; // out-of-contact peers still counted
  std::vector<int> expired;       // out-of-contact peers past the window
};

LicencePool pool_licences(const std::vector<PeerLicences>& peers, WallTime now,
                          Duration window = kLicenceBorrowWindow);

// What one peer may use: the pool, capped by its platform.
Licences usable_on(const LicencePool& pool, Platform platform);

}  // namespace tandem::cluster
