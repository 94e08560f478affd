// tandem-registrar: the SIP registrar alone on real sockets, for interop runs
// with sipp or a softphone before tandemd hosts it.
//
//   tandem-registrar --address 127.0.9.1 --data-dir /tmp/reg [--udp-port 5060]
//                    [--tcp-port 5060] [--standard-refresh 45:60]
//                    [--outbound-refresh 600:3600] [--maintenance]
//                    [--report-ms 1000] [--duration-s 0]
//
// Prints "ready: udp=IP:PORT tcp=IP:PORT" once listening, "status: ..." each
// report interval when the counts changed, and "final: ..." when it stops
// (after --duration-s, or on SIGINT/SIGTERM). SIGUSR1 toggles maintenance mode.
// A port of 0 picks a free one; "--udp-port off" or "--tcp-port off" turns one off.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/daemon/run_until_stopped.hpp"
#include "runtime/env/asio/asio_env.hpp"
#include "runtime/sip/sip_service.hpp"

namespace {

using tandem::sip::SipService;
using tandem::sip::SipServiceOptions;

int fail(const std::string& why) {
  std::fprintf(stderr, "tandem-registrar: %s\n", why.c_str());
  return 2;
}

struct Args {
  SipServiceOptions options;
  std::string data_dir;
  bool maintenance = false;
  long report_ms = 1000;
  long duration_s = 0;
};

tandem::Result<long> whole_number(std::string_view flag, const std::string& value) {
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || !end || *end || n < 0) {
    return tandem::make_error(std::string(flag) + " needs a whole number, got '" + value + "'");
  }
  return n;
}

tandem::Result<tandem::sip::RefreshBounds> bounds(std::string_view flag, const std::string& value) {
  const std::size_t colon = value.find(':');
  auto min = whole_number(flag, value.substr(0, colon));
  auto max = whole_number(flag, colon == std::string::npos ? "" : value.substr(colon + 1));
  if (!min || !max) return tandem::make_error(std::string(flag) + " needs MIN:MAX seconds, got '" + value + "'");
  return tandem::sip::RefreshBounds{static_cast<std::uint32_t>(*min), static_cast<std::uint32_t>(*max)};
}

tandem::Status take(Args& args, std::string_view flag, const std::string& value) {
  if (flag == "--address") {
    auto ip = tandem::IpAddress::parse(value);
    if (!ip) return tandem::make_error("--address: " + ip.error().message);
    args.options.address = *ip;
  } else if (flag == "--udp-port" || flag == "--tcp-port") {
    auto& port = flag == "--udp-port" ? args.options.udp_port : args.options.tcp_port;
    if (value == "off") {
      port.reset();
      return {};
    }
    auto n = whole_number(flag, value);
    if (!n || *n > 65535) return tandem::make_error(std::string(flag) + " needs 0..65535 or off");
    port = static_cast<std::uint16_t>(*n);
  } else if (flag == "--standard-refresh" || flag == "--outbound-refresh") {
    auto b = bounds(flag, value);
    if (!b) return b.error();
    (flag == "--standard-refresh" ? args.options.registrar.standard : args.options.registrar.outbound) = *b;
  } else if (flag == "--data-dir") {
    args.data_dir = value;
  } else if (flag == "--report-ms" || flag == "--duration-s") {
    auto n = whole_number(flag, value);
    if (!n) return n.error();
    (flag == "--report-ms" ? args.report_ms : args.duration_s) = *n;
  } else {
    return tandem::make_error("unknown option " + std::string(flag));
  }
  return {};
}

tandem::Result<Args> parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--maintenance") {
      args.maintenance = true;
      continue;
    }
    if (i + 1 >= argc) return tandem::make_error("missing value after " + std::string(flag));
    if (auto ok = take(args, flag, argv[++i]); !ok) return ok.error();
  }
  if (args.data_dir.empty() || args.options.address == tandem::IpAddress{}) {
    return tandem::make_error("--address and --data-dir are required");
  }
  if (args.report_ms < 10) return tandem::make_error("--report-ms must be 10 or more");
  return args;
}

std::string summary(const SipService& service, bool maintenance) {
  const auto c = service.registrar().counts();
  const auto& s = service.stats();
  auto n = [](auto v) { return std::to_string(v); };
  return "aors=" + n(c.aors) + " bindings=" + n(c.bindings) + " outbound=" + n(c.outbound_bindings) +
         " registered=" + n(c.registered) + " refreshed=" + n(c.refreshed) + " unregistered=" + n(c.unregistered) +
         " expired=" + n(c.expired) + " refused=" + n(c.refused) + " refused_maintenance=" + n(c.refused_maintenance) +
         " datagrams=" + n(s.datagrams) + " stream_messages=" + n(s.stream_messages) + " responses=" + n(s.responses) +
         " keepalives=" + n(s.keepalives) + " malformed=" + n(s.malformed) +
         " connections=" + n(service.connection_count()) + " maintenance=" + (maintenance ? "on" : "off");
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse(argc, argv);
  if (!args) {
    return fail(args.error().message +
                "\nusage: tandem-registrar --address IP --data-dir DIR [--udp-port N|off] [--tcp-port N|off]"
                " [--standard-refresh MIN:MAX] [--outbound-refresh MIN:MAX] [--maintenance] [--report-ms MS]"
                " [--duration-s S]");
  }
  bool maintenance = args->maintenance;
  args->options.maintenance = [&maintenance] { return maintenance; };

  boost::asio::io_context io;
  tandem::AsioEnvOptions env_options;
  env_options.addresses = {args->options.address};
  env_options.data_dir = args->data_dir;
  env_options.log_name = "registrar";
  env_options.min_log_level = tandem::LogLevel::Warn;
  auto env = tandem::AsioEnv::create(io, env_options);
  if (!env) return fail(env.error().message);
  auto service = SipService::start(**env, args->options);
  if (!service) return fail(service.error().message);
  const auto udp = (*service)->udp_endpoint();
  const auto tcp = (*service)->tcp_endpoint();
  std::printf("ready: udp=%s tcp=%s\n", udp ? udp->to_string().c_str() : "off", tcp ? tcp->to_string().c_str() : "off");
  std::fflush(stdout);

  std::string last;
  std::function<void()> report;
  tandem::Handle report_timer;
  report = [&] {
    const std::string now = summary(**service, maintenance);
    if (now != last) {
      std::printf("status: %s\n", now.c_str());
      std::fflush(stdout);
      last = now;
    }
    report_timer = (*env)->start_timer(std::chrono::milliseconds(args->report_ms), report);
  };
  report_timer = (*env)->start_timer(std::chrono::milliseconds(args->report_ms), report);

  boost::asio::signal_set toggle(io, SIGUSR1);
  std::function<void(const boost::system::error_code&, int)> on_toggle = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    maintenance = !maintenance;
    toggle.async_wait(on_toggle);
  };
  toggle.async_wait(on_toggle);
  tandem::daemon::run_until_stopped(io, args->duration_s);
  std::printf("final: %s\n", summary(**service, maintenance).c_str());
  return 0;
}
