// tandem-twin: runs scenarios in the twin from the command line.
//
//   tandem-twin demo [--hosts N] [--seed S] [--duration SECONDS] [--trace FILE]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/core/version.hpp"
#include "simulator/demo_twin.hpp"

namespace {

int usage(const char* why) {
  if (why) std::fprintf(stderr, "tandem-twin: %s\n", why);
  std::fprintf(stderr,
               "usage: tandem-twin demo [--hosts N] [--seed S] [--duration SECONDS] [--trace FILE]\n"
               "  Runs the heartbeat demo on N simulated hosts (default 3) for SECONDS of virtual\n"
               "  time (default 60) with a scripted partition and crash, and prints what happened.\n");
  return 2;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  const std::string s(text);
  out = std::strtoull(s.c_str(), &end, 10);
  return end && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "demo") return usage(argc < 2 ? nullptr : "unknown scenario");
  tandem::sim::DemoTwinOptions options;
  std::uint64_t seconds = 60;
  std::string trace_path;
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return usage(("missing value after " + std::string(flag)).c_str());
    const std::string_view value = argv[++i];
    std::uint64_t number = 0;
    if (flag == "--trace") {
      trace_path = value;
    } else if (!parse_u64(value, number)) {
      return usage(("not a whole number for " + std::string(flag) + ": '" + std::string(value) + "'").c_str());
    } else if (flag == "--hosts") {
      options.hosts = number;
    } else if (flag == "--seed") {
      options.seed = number;
    } else if (flag == "--duration") {
      seconds = number;
    } else {
      return usage(("unknown option " + std::string(flag)).c_str());
    }
  }
  if (seconds == 0 || seconds > 7 * 24 * 3600) return usage("--duration must be 1 to 604800 seconds");

  const auto started = std::chrono::steady_clock::now();
  auto report = tandem::sim::run_demo_scenario(options, std::chrono::seconds(seconds), trace_path);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!report) {
    std::fprintf(stderr, "tandem-twin: %s\n", report.error().message.c_str());
    return 1;
  }
  std::printf("Tandem %s twin: heartbeat demo on %zu hosts, seed %llu, %llu s of virtual time\n\n",
              tandem::kBuildVersion, options.hosts, static_cast<unsigned long long>(options.seed),
              static_cast<unsigned long long>(seconds));
  std::printf("Timeline (reachability changes and injected faults)\n");
  for (const auto& line : report->timeline) std::printf("  %s\n", line.c_str());
  std::printf("\nAt the end\n");
  for (std::size_t i = 0; i < report->final_summaries.size(); ++i) {
    std::printf("  %-40s boot %llu\n", report->final_summaries[i].c_str(),
                static_cast<unsigned long long>(report->boot_counts[i]));
  }
  std::printf("\nRun\n");
  std::printf("  events          %llu (%.2f M events/s of wall time)\n",
              static_cast<unsigned long long>(report->events), static_cast<double>(report->events) / wall_s / 1e6);
  std::printf("  messages        %llu delivered\n", static_cast<unsigned long long>(report->messages_delivered));
  std::printf("  wall time       %.3f s\n", wall_s);
  if (!trace_path.empty()) std::printf("  trace           %s\n", trace_path.c_str());
  std::printf("  trace hash      %s\n", report->trace_hash.c_str());
  return 0;
}
