#include "runtime/env/asio/asio_env.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <random>

#include "runtime/env/asio/asio_cancel.hpp"
#include "runtime/env/asio/asio_connect.hpp"
#include "runtime/env/asio/asio_datagram.hpp"
#include "runtime/env/asio/asio_dns.hpp"
#include "runtime/env/asio/asio_listener.hpp"
#include "runtime/env/asio/asio_log.hpp"
#include "runtime/env/asio/asio_tls.hpp"
#include "runtime/env/asio/posix_file_system.hpp"

namespace tandem {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

std::uint64_t random_seed() {
  std::random_device device;
  return std::uint64_t{device()} << 32 | device();
}

// A context this Env can hand to OpenSSL, or an error naming the mistake.
Result<std::shared_ptr<const asio_env::AsioTlsContext>> own_tls(const std::shared_ptr<const TlsContext>& tls) {
  if (!tls) return std::shared_ptr<const asio_env::AsioTlsContext>();
  auto mine = std::dynamic_pointer_cast<const asio_env::AsioTlsContext>(tls);
  if (!mine) return make_error("TLS context was not made by this AsioEnv's make_tls_context()");
  return mine;
}

}  // namespace

Result<std::unique_ptr<AsioEnv>> AsioEnv::create(asio::io_context& io, AsioEnvOptions options) {
  if (options.data_dir.empty()) return make_error("AsioEnv needs a data directory (AsioEnvOptions.data_dir)");
  auto files = PosixFileSystem::open(options.data_dir);
  if (!files) return files.error();
  auto log = asio_env::LogSink::create(options.log_name, options.min_log_level, options.trace_file);
  if (!log) return log.error();
  if (options.seed == 0) options.seed = random_seed();
  if (options.dns_servers.empty()) options.dns_servers = asio_env::read_resolv_conf("/etc/resolv.conf");
  return std::unique_ptr<AsioEnv>(new AsioEnv(io, std::move(options), std::move(files.value()), std::move(log.value())));
}

AsioEnv::AsioEnv(asio::io_context& io, AsioEnvOptions options, std::unique_ptr<PosixFileSystem> files,
                 std::shared_ptr<asio_env::LogSink> log)
    : io_(io),
      options_(std::move(options)),
      random_(options_.seed),
      files_(std::move(files)),
      log_(std::move(log)),
      dns_(std::make_unique<asio_env::DnsResolver>(io, options_.dns_servers, random_seed())),
      alive_(std::make_shared<bool>(true)) {}

AsioEnv::~AsioEnv() { *alive_ = false; }

MonoTime AsioEnv::now() const {
  return MonoTime(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

WallTime AsioEnv::wall_now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

void AsioEnv::post(Task task) {
  asio::post(io_, [alive = alive_, task = std::move(task)] {
    if (*alive) task();
  });
}

Handle AsioEnv::start_timer(Duration delay, Task task) {
  auto timer = std::make_shared<asio::steady_timer>(io_, std::max(delay, Duration::zero()));
  // Cancelling the Handle cancels the Asio timer too, so the task is freed at
  // once rather than at the deadline.
  auto [handle, token] = asio_env::make_cancellable([weak = std::weak_ptr<asio::steady_timer>(timer)] {
    if (auto timer = weak.lock()) timer->cancel();
  });
  timer->async_wait([timer, token = token, alive = alive_, task = std::move(task)](const error_code& error) {
    if (error || !*alive || !token.claim()) return;
    task();
  });
  return std::move(handle);
}

Result<std::shared_ptr<const TlsContext>> AsioEnv::make_tls_context(const TlsConfig& config) {
  auto context = asio_env::AsioTlsContext::create(config);
  if (!context) return context.error();
  return std::shared_ptr<const TlsContext>(std::move(context.value()));
}

Result<std::unique_ptr<StreamListener>> AsioEnv::listen(const Endpoint& local, std::shared_ptr<const TlsContext> tls,
                                                        AcceptHandler on_accept) {
  auto mine = own_tls(tls);
  if (!mine) return make_error("cannot listen on " + local.to_string() + ": " + mine.error().message);
  return asio_env::open_listener(io_, log_, local, std::move(mine.value()), std::move(on_accept));
}

Handle AsioEnv::connect(const ConnectOptions& options, std::shared_ptr<const TlsContext> tls,
                        ConnectHandler on_connect) {
  auto mine = own_tls(tls);
  if (!mine) {
    auto [handle, token] = asio_env::make_cancellable(nullptr);
    post([token = token, error = "connect to " + options.remote.to_string() + ": " + mine.error().message,
          on_connect = std::move(on_connect)] {
      if (token.claim()) on_connect(make_error(error));
    });
    return std::move(handle);
  }
  std::optional<IpAddress> source = options.local;
  if (!source && !options_.addresses.empty()) source = options_.addresses.front();
  return asio_env::start_connect(io_, options, source, std::move(mine.value()), std::move(on_connect));
}

Result<std::unique_ptr<DatagramSocket>> AsioEnv::open_datagram(const Endpoint& local, DatagramHandler on_datagram) {
  return asio_env::open_datagram_socket(io_, local, std::move(on_datagram));
}

Handle AsioEnv::lookup(std::string_view name, DnsType type, DnsHandler on_answer) {
  return dns_->lookup(name, type, std::move(on_answer));
}

FileSystem& AsioEnv::files() { return *files_; }

void AsioEnv::log(LogLevel level, std::string_view component, std::string_view message) {
  const WallTime now = wall_now();
  log_->log(now, level, component, message);
  if (options_.log_tap && level >= options_.min_log_level) options_.log_tap(now, level, component, message);
}

void AsioEnv::trace(std::string_view kind, std::string_view detail) { log_->trace(wall_now(), kind, detail); }

}  // namespace tandem
