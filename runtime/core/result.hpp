#pragma once
// Operating errors (bad input, a peer gone, a refused value) are values, not
// exceptions: a Result holds either the value or an Error whose message names
// what was wrong. Programmer errors are TANDEM_ASSERTs instead.

#include <string>
#include <utility>
#include <variant>

#include "runtime/core/assert.hpp"

namespace tandem {

struct Error {
  std::string message;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  // Implicit by design; by reference, so a returned value is moved once, not twice.
  Result(const T& value) : state_(value) {}  // NOLINT
  Result(T&& value) : state_(std::move(value)) {}  // NOLINT
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    TANDEM_ASSERT(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    TANDEM_ASSERT(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    TANDEM_ASSERT(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const {
    TANDEM_ASSERT(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    TANDEM_ASSERT(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace tandem
