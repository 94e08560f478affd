#pragma once
// SimEnv: the Env of one incarnation of one simulated host. Time is the twin's
// virtual time (the wall clock with the host's offset and drift), randomness is
// the host's named stream, sockets go through the twin's Network, files through
// the host's SimDisk. A crash destroys it; a restart makes a new one.

#include <memory>

#include "runtime/env/env.hpp"

namespace tandem::sim {

class Simulation;
class SimHost;

class SimEnv final : public Env {
 public:
  SimEnv(Simulation& sim, SimHost& host, std::uint64_t incarnation);

  MonoTime now() const override;
  WallTime wall_now() const override;
  void post(Task task) override;
  Handle start_timer(Duration delay, Task task) override;
  Random& random() override { return random_; }
  const std::vector<IpAddress>& addresses() const override;

  Result<std::shared_ptr<const TlsContext>> make_tls_context(const TlsConfig& config) override;
  Result<std::unique_ptr<StreamListener>> listen(const Endpoint& local, std::shared_ptr<const TlsContext> tls,
                                                 AcceptHandler on_accept) override;
  Handle connect(const ConnectOptions& options, std::shared_ptr<const TlsContext> tls,
                 ConnectHandler on_connect) override;
  Result<std::unique_ptr<DatagramSocket>> open_datagram(const Endpoint& local, DatagramHandler on_datagram) override;
  Handle lookup(std::string_view name, DnsType type, DnsHandler on_answer) override;

  FileSystem& files() override;
  void log(LogLevel level, std::string_view component, std::string_view message) override;
  void trace(std::string_view kind, std::string_view detail) override;

 private:
  Simulation& sim_;
  SimHost& host_;
  std::uint64_t incarnation_;
  Random random_;
};

}  // namespace tandem::sim
