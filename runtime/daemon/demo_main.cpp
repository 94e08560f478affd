// tandem-demo: the heartbeat demo on real sockets and real TLS, one process per
// host. Run two or three on 127.0.0.N to see the Env seam hold outside the twin.
//
//   tandem-demo --name h1 --listen 127.0.0.1:4371 --peer 127.0.0.2:4371
//               --data-dir /tmp/h1 [--interval-ms 1000] [--duration-s 0]
//
// Prints "reach: <summary>" on stdout whenever reachability changes, and
// "final: <summary>" when it stops (after --duration-s, or on SIGINT/SIGTERM).

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/daemon/run_until_stopped.hpp"
#include "runtime/demo/heartbeat_service.hpp"
#include "runtime/env/asio/asio_env.hpp"
#include "runtime/env/tls/pki.hpp"

namespace {

using tandem::Endpoint;

int fail(const std::string& why) {
  std::fprintf(stderr, "tandem-demo: %s\n", why.c_str());
  return 2;
}

struct Args {
  tandem::demo::HeartbeatConfig config;
  std::string data_dir;
  long duration_s = 0;
};

tandem::Result<Args> parse(int argc, char** argv) {
  Args args;
  long interval_ms = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return tandem::make_error("missing value after " + std::string(flag));
    const std::string value = argv[++i];
    if (flag == "--name") {
      args.config.name = value;
    } else if (flag == "--listen" || flag == "--peer") {
      auto endpoint = Endpoint::parse(value);
      if (!endpoint) return tandem::make_error(std::string(flag) + ": " + endpoint.error().message);
      if (flag == "--listen") {
        args.config.listen = *endpoint;
      } else {
        args.config.peers.push_back(*endpoint);
      }
    } else if (flag == "--data-dir") {
      args.data_dir = value;
    } else if (flag == "--interval-ms" || flag == "--duration-s") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (!end || *end || n < 0) return tandem::make_error(std::string(flag) + " needs a whole number, got '" + value + "'");
      (flag == "--interval-ms" ? interval_ms : args.duration_s) = n;
    } else {
      return tandem::make_error("unknown option " + std::string(flag));
    }
  }
  if (args.config.name.empty() || args.data_dir.empty() || args.config.listen.port == 0) {
    return tandem::make_error("--name, --listen and --data-dir are required");
  }
  if (interval_ms < 10) return tandem::make_error("--interval-ms must be 10 or more");
  args.config.interval = std::chrono::milliseconds(interval_ms);
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse(argc, argv);
  if (!args) return fail(args.error().message + "\nusage: tandem-demo --name N --listen IP:PORT [--peer IP:PORT]... --data-dir DIR [--interval-ms MS] [--duration-s S]");
  auto& config = args->config;

  // A self-signed certificate, as a freshly installed peer has; Permissive TLS.
  const auto now = std::chrono::time_point_cast<tandem::Duration>(std::chrono::system_clock::now());
  auto cert = tandem::make_self_signed(tandem::CertificateRequest{
      config.name + ".demo.tandem.test", {config.name + ".demo.tandem.test"}, {config.listen.ip},
      now - std::chrono::hours(1), now + std::chrono::hours(24 * 365), false});
  if (!cert) return fail("certificate: " + cert.error().message);
  config.tls = tandem::TlsConfig{cert->certificate_pem, cert->private_key_pem, {}, tandem::TlsVerifyMode::Permissive};

  boost::asio::io_context io;
  tandem::AsioEnvOptions options;
  options.addresses = {config.listen.ip};
  options.data_dir = args->data_dir;
  options.log_name = config.name;
  auto env = tandem::AsioEnv::create(io, options);
  if (!env) return fail(env.error().message);

  auto service = tandem::demo::HeartbeatService::start(**env, config);
  if (!service) return fail(service.error().message);

  std::string last;
  std::function<void()> report;
  tandem::Handle report_timer;
  report = [&] {
    const std::string now_summary = (*service)->summary();
    if (now_summary != last) {
      std::printf("reach: %s\n", now_summary.c_str());
      std::fflush(stdout);
      last = now_summary;
    }
    report_timer = (*env)->start_timer(config.interval / 2, report);
  };
  report_timer = (*env)->start_timer(config.interval / 2, report);

  tandem::daemon::run_until_stopped(io, args->duration_s);
  std::printf("final: %s (boot %llu)\n", (*service)->summary().c_str(),
              static_cast<unsigned long long>((*service)->boot_count()));
  return 0;
}
