#pragma once
// Invariant checks that stay on in release builds (TigerBeetle style): a broken
// invariant stops the process with the condition and place, never limps on.

#include <cstdio>
#include <cstdlib>

namespace tandem::detail {
[[noreturn]] inline void assertion_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "tandem: assertion failed: %s (%s:%d)\n", expr, file, line);
  std::abort();
}
}  // namespace tandem::detail

#define TANDEM_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::tandem::detail::assertion_failed(#cond, __FILE__, __LINE__))
