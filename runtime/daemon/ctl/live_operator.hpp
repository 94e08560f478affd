#pragma once
// The Operator of a live cluster: each peer's admin API over HTTPS (one
// AdminClient per peer, all with the same credentials and trust), real time,
// and software installed by a command the operator gives (--upgrade-command),
// since installing software is not something an admin API can do.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "runtime/daemon/ctl/admin_client.hpp"
#include "runtime/ops/operator.hpp"

namespace tandem::ctl {

struct LiveOperatorConfig {
  std::uint16_t port = kDefaultAdminPort;  // every peer's admin API port
  Trust trust = Trust::SystemDefault;
  std::string ca_file;
  std::string user;
  std::string password;
  // Run with /bin/sh, {peer} and {version} replaced; it must install the
  // version on that peer and restart it. Empty: upgrades are refused.
  std::string upgrade_command;
};

class LiveOperator final : public ops::Operator {
 public:
  explicit LiveOperator(LiveOperatorConfig config);
  ~LiveOperator() override;

  Result<ops::Reply> call(const std::string& address, std::string_view method, std::string_view target,
                          std::string_view body) override;
  Duration elapsed() const override;
  void wait(Duration duration) override;
  Status upgrade(const std::string& address, const std::string& version) override;

 private:
  Result<AdminClient*> client_for(const std::string& address);

  LiveOperatorConfig config_;
  std::map<std::string, std::unique_ptr<AdminClient>> clients_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// "{peer}" and "{version}" replaced in `command` (values single-quoted for the shell).
std::string expand_upgrade_command(const std::string& command, const std::string& peer, const std::string& version);

}  // namespace tandem::ctl
