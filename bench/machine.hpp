#pragma once
// One line about the machine and build a figure was measured on.
#include <string>
namespace tandem::bench {
std::string machine_summary();
}
