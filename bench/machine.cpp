#include "bench/machine.hpp"

#include <fstream>
#include <thread>

namespace tandem::bench {

std::string machine_summary() {
  std::string cpu = "unknown CPU";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::string build =
#ifdef NDEBUG
      "optimised";
#else
      "debug";
#endif
#if defined(__SANITIZE_ADDRESS__)
  build += "+asan";
#endif
  return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, gcc " + __VERSION__ + ", " +
         build + " build, one core used";
}

}  // namespace tandem::bench
