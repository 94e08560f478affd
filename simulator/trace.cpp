#include "simulator/trace.hpp"

#include "runtime/core/hash.hpp"
#include "runtime/core/json.hpp"

#include <cstdio>
#include <fstream>
#include <ostream>

namespace tandem::sim {
namespace {

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

}  // namespace

void Trace::mix(std::uint64_t value) { hash_ = mix64(hash_ ^ (value + 0x9e3779b97f4a7c15ULL + (hash_ << 6))); }

void Trace::mix(std::string_view text) { mix(fnv1a(text) ^ text.size()); }

void Trace::record(std::int64_t t_ns, std::string_view kind, std::int32_t host, std::int32_t peer,
                   std::int64_t size, std::string_view detail) {
  mix(static_cast<std::uint64_t>(t_ns));
  mix(kind);
  mix(static_cast<std::uint64_t>(static_cast<std::int64_t>(host)) << 32 ^
      static_cast<std::uint32_t>(peer));
  mix(static_cast<std::uint64_t>(size));
  if (!detail.empty()) mix(detail);
  ++count_;
  if (keep_) records_.push_back(TraceRecord{t_ns, std::string(kind), host, peer, size, std::string(detail)});
}

std::string Trace::hash_hex() const {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash_));
  return out;
}

std::string_view Trace::host_name(std::int32_t host) const {
  if (host < 0 || static_cast<std::size_t>(host) >= host_names_.size()) return {};
  return host_names_[static_cast<std::size_t>(host)];
}


Status Trace::write_jsonl(std::ostream& out) const {
  out << "{\"format\":\"tandem-trace\",\"version\":" << kTraceFormatVersion << ",\"seed\":" << seed_
      << ",\"hosts\":[";
  for (std::size_t i = 0; i < host_names_.size(); ++i) {
    out << (i ? "," : "") << '"' << json_escape(host_names_[i]) << '"';
  }
  out << "],\"complete\":" << (keep_ ? "true" : "false") << "}\n";
  for (const TraceRecord& r : records_) {
    out << "{\"t_ns\":" << r.t_ns << ",\"kind\":\"" << json_escape(r.kind) << '"';
    if (r.host != kNoHost) out << ",\"host\":\"" << json_escape(host_name(r.host)) << '"';
    if (r.peer != kNoHost) out << ",\"peer\":\"" << json_escape(host_name(r.peer)) << '"';
    if (r.size != 0) out << ",\"size\":" << r.size;
    if (!r.detail.empty()) out << ",\"detail\":\"" << json_escape(r.detail) << '"';
    out << "}\n";
  }
  out << "{\"kind\":\"trace.end\",\"records\":" << count_ << ",\"hash\":\"" << hash_hex() << "\"}\n";
  if (!out) return make_error("could not write the trace");
  return {};
}

Status Trace::write_jsonl(const std::string& path) const {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return make_error("cannot open trace file '" + path + "' for writing");
  return write_jsonl(out);
}

}  // namespace tandem::sim
