#pragma once
// AsioEnv: the production Env, over a boost::asio::io_context that the caller
// runs on ONE thread (every callback runs there, one at a time).
//
//   boost::asio::io_context io;
//   AsioEnvOptions options;
//   options.addresses = {*IpAddress::parse("127.0.0.2")};
//   options.data_dir = "/var/lib/tandem/peer1";
//   auto env = AsioEnv::create(io, options);
//   ... start services on **env ...
//   io.run();
//
// Lifetimes: the io_context must outlive the AsioEnv and every stream,
// listener, datagram socket and Handle it hands out. Destroying the AsioEnv
// stops its posted tasks and timers from running; objects it handed out keep
// their own contracts (env.hpp).

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/env/env.hpp"

namespace tandem {

class PosixFileSystem;
namespace asio_env {
class DnsResolver;
class LogSink;
}  // namespace asio_env

struct AsioEnvOptions {
  // This host's addresses; the first is the source of outgoing connections.
  std::vector<IpAddress> addresses;
  // The peer's data directory; created (0700) if missing. Required.
  std::filesystem::path data_dir;
  // DNS servers; empty: the nameservers of /etc/resolv.conf.
  std::vector<Endpoint> dns_servers;
  // Seed of random(); 0: one from std::random_device.
  std::uint64_t seed = 0;
  LogLevel min_log_level = LogLevel::Info;
  std::string log_name;  // names this peer on every log line and trace record
  // Empty: trace discarded; else JSON Lines appended to this file.
  std::filesystem::path trace_file;
  // Also told of every log line at or above min_log_level (remote syslog).
  std::function<void(WallTime, LogLevel, std::string_view component, std::string_view message)> log_tap;
};

class AsioEnv final : public Env {
 public:
  // Errors: no data directory given or it cannot be created; the trace file
  // cannot be opened.
  static Result<std::unique_ptr<AsioEnv>> create(boost::asio::io_context& io, AsioEnvOptions options);
  ~AsioEnv() override;
  AsioEnv(const AsioEnv&) = delete;
  AsioEnv& operator=(const AsioEnv&) = delete;

  MonoTime now() const override;
  WallTime wall_now() const override;
  void post(Task task) override;
  [[nodiscard]] Handle start_timer(Duration delay, Task task) override;
  Random& random() override { return random_; }
  const std::vector<IpAddress>& addresses() const override { return options_.addresses; }

  Result<std::shared_ptr<const TlsContext>> make_tls_context(const TlsConfig& config) override;
  Result<std::unique_ptr<StreamListener>> listen(const Endpoint& local, std::shared_ptr<const TlsContext> tls,
                                                 AcceptHandler on_accept) override;
  [[nodiscard]] Handle connect(const ConnectOptions& options, std::shared_ptr<const TlsContext> tls,
                               ConnectHandler on_connect) override;
  Result<std::unique_ptr<DatagramSocket>> open_datagram(const Endpoint& local, DatagramHandler on_datagram) override;
  [[nodiscard]] Handle lookup(std::string_view name, DnsType type, DnsHandler on_answer) override;

  FileSystem& files() override;
  void log(LogLevel level, std::string_view component, std::string_view message) override;
  void trace(std::string_view kind, std::string_view detail) override;

  boost::asio::io_context& io() { return io_; }
  const AsioEnvOptions& options() const { return options_; }  // as resolved: seed and DNS servers filled in

 private:
  AsioEnv(boost::asio::io_context& io, AsioEnvOptions options, std::unique_ptr<PosixFileSystem> files,
          std::shared_ptr<asio_env::LogSink> log);

  boost::asio::io_context& io_;
  AsioEnvOptions options_;
  Random random_;
  std::unique_ptr<PosixFileSystem> files_;
  std::shared_ptr<asio_env::LogSink> log_;  // shared with listeners, which log dropped handshakes
  std::unique_ptr<asio_env::DnsResolver> dns_;
  std::shared_ptr<bool> alive_;  // false once destroyed: posted tasks and timers skip
};

}  // namespace tandem
