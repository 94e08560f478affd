#pragma once
// What a procedure has to work with: the admin API of each peer, a clock, and
// the one thing an admin API cannot do, installing software. Two drivers:
// the twin's (direct calls into twin peers, virtual time) and a live
// cluster's (HTTPS, real time). A procedure cannot tell which it runs on, so
// the procedure rehearsed in the twin is the one run on production.

#include <string>
#include <string_view>

#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"

namespace tandem::ops {

struct Reply {
  int status = 0;
  std::string body;  // JSON
};

class Operator {
 public:
  virtual ~Operator() = default;

  // One admin API request to the peer at `address`, authenticated as the
  // operator. Any HTTP status is a Reply; an Error means the peer could not be
  // reached (refused, timed out, TLS failure), and says which.
  virtual Result<Reply> call(const std::string& address, std::string_view method, std::string_view target,
                             std::string_view body) = 0;

  // Time since the operator started; waiting lets the cluster move on
  // (virtual time in the twin, real time live).
  virtual Duration elapsed() const = 0;
  virtual void wait(Duration duration) = 0;

  // Maintenance > Upgrade: puts software `version` on the peer and restarts it.
  // Returns once the restart has been started; the procedure waits for the
  // peer to come back.
  virtual Status upgrade(const std::string& address, const std::string& version) = 0;
};

}  // namespace tandem::ops
