#pragma once
// The twin's trace: every delivered message, fired timer, fault and peer-level
// record, in execution order, folded into a running 64-bit hash. Same seed and
// scenario give the same hash, every run; that is the determinism check.
//
// Records can also be kept and exported as JSON Lines (format: docs/trace-format.md,
// version kTraceFormatVersion) for tandem-view and for diffing two runs.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem::sim {

inline constexpr int kTraceFormatVersion = 1;
inline constexpr std::int32_t kNoHost = -1;

struct TraceRecord {
  std::int64_t t_ns = 0;
  std::string kind;       // dotted: "net.deliver", "timer", "fault.crash", "demo.reach"
  std::int32_t host = kNoHost;  // where it happened (receiver for deliveries)
  std::int32_t peer = kNoHost;  // the other host (sender), if any
  std::int64_t size = 0;        // bytes, for messages
  std::string detail;
};

class Trace {
 public:
  // keep_records: hold every record in memory for export (costs memory).
  explicit Trace(bool keep_records = false) : keep_(keep_records) {}

  void set_keep_records(bool keep) { keep_ = keep; }
  void set_host_names(std::vector<std::string> names) { host_names_ = std::move(names); }
  void set_seed(std::uint64_t seed) { seed_ = seed; }

  void record(std::int64_t t_ns, std::string_view kind, std::int32_t host, std::int32_t peer = kNoHost,
              std::int64_t size = 0, std::string_view detail = {});

  std::uint64_t hash() const { return hash_; }
  std::string hash_hex() const;
  std::uint64_t count() const { return count_; }
  const std::vector<TraceRecord>& records() const { return records_; }
  std::string_view host_name(std::int32_t host) const;

  // Header line, one line per kept record, and a closing line with the hash.
  Status write_jsonl(std::ostream& out) const;
  Status write_jsonl(const std::string& path) const;

 private:
  void mix(std::uint64_t value);
  void mix(std::string_view text);

  bool keep_;
  std::uint64_t hash_ = 0x6a09e667f3bcc908ULL;
  std::uint64_t count_ = 0;
  std::uint64_t seed_ = 0;
  std::vector<TraceRecord> records_;
  std::vector<std::string> host_names_;
};


}  // namespace tandem::sim
