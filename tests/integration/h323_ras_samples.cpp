// Prints each sample RAS message (tests/unit/h323/ras_samples.hpp) as
// "name hex" lines, for test_h323_ras_tshark.py to put in a pcap and read
// back with Wireshark's H.225 dissector.

#include <cstdio>

#include "tests/unit/h323/ras_samples.hpp"

int main() {
  for (const auto& [name, message] : tandem::h323::test::samples()) {
    auto bytes = tandem::h323::encode(message);
    if (!bytes) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), bytes.error().message.c_str());
      return 1;
    }
    std::printf("%s ", name.c_str());
    for (std::uint8_t b : *bytes) std::printf("%02x", b);
    std::printf("\n");
  }
  return 0;
}
