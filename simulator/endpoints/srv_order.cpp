#include "simulator/endpoints/srv_order.hpp"

#include <algorithm>

namespace tandem::sim::endpoints {
namespace {

// One priority group, drawn as RFC 2782 says: zero weights first, running
// sums, a number uniform in [0, sum], the first record whose running sum
// reaches it; taken out, then again with what is left. Except that the
// number is drawn from [1, sum] when no weight is zero: taken literally, 0
// always lands on the first record, which with the guide's equal weights of
// 1 would give the first peer listed half of all endpoints instead of an
// equal share.
void draw_group(std::vector<SrvRecord> group, Random& random, std::vector<SrvRecord>& out) {
  std::stable_partition(group.begin(), group.end(), [](const SrvRecord& r) { return r.weight == 0; });
  while (!group.empty()) {  // one record leaves each turn
    std::uint64_t sum = 0;
    for (const SrvRecord& r : group) sum += r.weight;
    const bool has_zero = group.front().weight == 0;
    const std::uint64_t pick = has_zero ? random.below(sum + 1) : 1 + random.below(sum);
    std::uint64_t running = 0;
    auto chosen = group.begin();
    for (auto it = group.begin(); it != group.end(); ++it) {
      running += it->weight;
      if (running >= pick) {
        chosen = it;
        break;
      }
    }
    out.push_back(std::move(*chosen));
    group.erase(chosen);
  }
}

}  // namespace

std::vector<SrvRecord> rfc2782_order(std::vector<SrvRecord> records, Random& random) {
  std::stable_sort(records.begin(), records.end(),
                   [](const SrvRecord& a, const SrvRecord& b) { return a.priority < b.priority; });
  std::vector<SrvRecord> out;
  out.reserve(records.size());
  auto begin = records.begin();
  while (begin != records.end()) {
    auto end = std::find_if(begin, records.end(), [&](const SrvRecord& r) { return r.priority != begin->priority; });
    draw_group(std::vector<SrvRecord>(begin, end), random, out);
    begin = end;
  }
  return out;
}

}  // namespace tandem::sim::endpoints
