#pragma once
// The Operator of a ClusterTwin: the procedures' admin requests go from the
// twin's operator workstation over the modelled network, waiting runs virtual
// time, and an upgrade sets the host's software version and restarts it, as
// installing a new release does. A procedure rehearsed here is the very code
// `tandemctl cluster` runs on production.

#include "runtime/ops/operator.hpp"
#include "simulator/cluster_twin.hpp"

namespace tandem::sim {

class TwinOperator final : public ops::Operator {
 public:
  explicit TwinOperator(ClusterTwin& twin) : twin_(twin), started_(twin.now()) {}

  Result<ops::Reply> call(const std::string& address, std::string_view method, std::string_view target,
                          std::string_view body) override;
  Duration elapsed() const override { return twin_.now() - started_; }
  void wait(Duration duration) override;
  Status upgrade(const std::string& address, const std::string& version) override;

 private:
  ClusterTwin& twin_;
  Duration started_;
};

}  // namespace tandem::sim
