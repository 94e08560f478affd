#pragma once
// C++ operating errors become Python's tandem.TandemError carrying the message.

#include <stdexcept>

#include "runtime/core/result.hpp"

namespace tandem::python {

struct TandemError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
T unwrap(Result<T> result) {
  if (!result) throw TandemError(result.error().message);
  return std::move(result.value());
}

inline void check(const Status& status) {
  if (!status) throw TandemError(status.error().message);
}

}  // namespace tandem::python
