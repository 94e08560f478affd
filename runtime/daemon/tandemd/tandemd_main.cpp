// tandemd: one cluster peer on real sockets.
//
//   tandemd init --data-dir DIR --system-name NAME --address IP [options]
//   tandemd run  --data-dir DIR [--software-version V] [--admin-port 8443] ...
//   tandemd version
//
// `init` makes the data directory as the VCS install wizard does; `run` starts
// the peer (cluster recovery on 4371, the cluster database on 4372, the admin
// API over HTTPS) on the address configured for LAN 1 and serves until SIGTERM.
// xCommand Restart re-executes the daemon, as a VCS reboots.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <linux/close_range.h>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <termios.h>
#include <unistd.h>
#include <vector>

#include "runtime/admin/admin_api.hpp"
#include "runtime/core/version.hpp"
#include "runtime/daemon/tandemd/admin_server.hpp"
#include "runtime/daemon/tandemd/install_wizard.hpp"
#include "runtime/daemon/tandemd/remote_syslog.hpp"
#include "runtime/env/asio/asio_env.hpp"
#include "runtime/env/tls/pki.hpp"
#include "runtime/peer.hpp"

namespace {

using namespace tandem;

constexpr std::uint16_t kDefaultAdminPort = 8443;
// After xCommand Restart has answered, how long the reply gets to leave.
constexpr auto kRestartGrace = std::chrono::milliseconds(300);

constexpr const char* kUsage =
    "usage: tandemd init --data-dir DIR --system-name NAME --address IP [--address IPV6]\n"
    "                    [--hostname H] [--domain D] [--dns-server IP]... [--ntp-server IP]...\n"
    "                    [--admin-password-file FILE] [--certificate FILE --private-key FILE]\n"
    "                    [--trusted-ca FILE]\n"
    "       tandemd run --data-dir DIR [--software-version V | --software-version-file FILE]\n"
    "                   [--admin-port PORT]\n"
    "                   [--platform small|medium|large|appliance] [--trust-local-clock]\n"
    "                   [--log-level debug|info|warn|error] [--trace FILE]\n"
    "       tandemd version\n";

int fail(const std::string& why, int code = 2) {
  std::fprintf(stderr, "tandemd: %s\n", why.c_str());
  return code;
}

// Flags as "--name value" pairs; repeatable ones collect every value.
struct Flags {
  std::multimap<std::string, std::string> values;
  std::vector<std::string> switches;

  std::string one(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? "" : it->second;
  }
  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    for (auto [it, end] = values.equal_range(name); it != end; ++it) out.push_back(it->second);
    return out;
  }
  bool has(const std::string& name) const {
    return std::find(switches.begin(), switches.end(), name) != switches.end();
  }
};

Result<Flags> parse_flags(int argc, char** argv, const std::vector<std::string>& takes_value,
                          const std::vector<std::string>& switches) {
  Flags flags;
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (std::find(switches.begin(), switches.end(), flag) != switches.end()) {
      flags.switches.push_back(flag);
    } else if (std::find(takes_value.begin(), takes_value.end(), flag) != takes_value.end()) {
      if (i + 1 >= argc) return make_error("missing value after " + flag);
      flags.values.emplace(flag, argv[++i]);
    } else {
      return make_error("unknown option '" + flag + "'");
    }
  }
  return flags;
}

Result<std::string> read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read " + what + " file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::vector<IpAddress>> parse_addresses(const std::vector<std::string>& texts, const std::string& flag) {
  std::vector<IpAddress> out;
  for (const std::string& text : texts) {
    auto ip = IpAddress::parse(text);
    if (!ip) return make_error(flag + ": " + ip.error().message);
    out.push_back(*ip);
  }
  return out;
}

// The admin password: from a file (first line), or typed at a terminal.
Result<std::string> admin_password(const Flags& flags) {
  if (const std::string file = flags.one("--admin-password-file"); !file.empty()) {
    auto text = read_file(file, "admin password");
    if (!text) return text.error();
    return text->substr(0, text->find('\n'));
  }
  if (!isatty(STDIN_FILENO)) return make_error("give --admin-password-file, or run at a terminal to be asked");
  termios saved{};
  tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string first, second;
  std::fprintf(stderr, "admin password: ");
  std::getline(std::cin, first);
  std::fprintf(stderr, "\nagain: ");
  std::getline(std::cin, second);
  std::fprintf(stderr, "\n");
  tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (first != second) return make_error("the two passwords differ");
  return first;
}

WallTime system_now() { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }

int init(int argc, char** argv) {
  auto flags = parse_flags(argc, argv,
                           {"--data-dir", "--system-name", "--address", "--hostname", "--domain", "--dns-server",
                            "--ntp-server", "--admin-password-file", "--certificate", "--private-key", "--trusted-ca"},
                           {});
  if (!flags) return fail(flags.error().message + "\n" + kUsage);
  daemon::InstallAnswers answers;
  answers.data_dir = flags->one("--data-dir");
  answers.system_name = flags->one("--system-name");
  answers.host_name = flags->one("--hostname");
  answers.domain = flags->one("--domain");
  auto addresses = parse_addresses(flags->all("--address"), "--address");
  auto dns = parse_addresses(flags->all("--dns-server"), "--dns-server");
  auto ntp = parse_addresses(flags->all("--ntp-server"), "--ntp-server");
  for (const auto* parsed : {&addresses, &dns, &ntp}) {
    if (!*parsed) return fail(parsed->error().message);
  }
  answers.addresses = *addresses;
  answers.dns_servers = *dns;
  answers.ntp_servers = *ntp;
  for (auto [flag, field] : {std::pair{"--certificate", &answers.certificate_pem},
                             std::pair{"--private-key", &answers.private_key_pem},
                             std::pair{"--trusted-ca", &answers.trusted_ca_pem}}) {
    if (const std::string file = flags->one(flag); !file.empty()) {
      auto text = read_file(file, std::string(flag).substr(2));
      if (!text) return fail(text.error().message);
      *field = *text;
    }
  }
  auto password = admin_password(*flags);
  if (!password) return fail(password.error().message);
  answers.admin_password = *password;
  Random random(std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32));
  auto certificate = daemon::install(answers, system_now(), random);
  if (!certificate) return fail(certificate.error().message);
  std::printf("tandemd: initialized %s for %s; its certificate:\n%s", answers.data_dir.c_str(),
              answers.system_name.c_str(), certificate->c_str());
  return 0;
}

// The kernel's view of NTP: adjtimex reports TIME_ERROR while unsynchronized.
bool kernel_clock_synchronized() {
  timex status{};
  return ntp_adjtime(&status) != TIME_ERROR;
}

Result<cluster::Platform> parse_platform(const std::string& text) {
  if (text.empty() || text == "medium") return cluster::Platform::MediumVm;
  if (text == "small") return cluster::Platform::SmallVm;
  if (text == "large") return cluster::Platform::LargeVm;
  if (text == "appliance") return cluster::Platform::Appliance;
  return make_error("--platform must be small, medium, large or appliance, not '" + text + "'");
}

Result<LogLevel> parse_log_level(const std::string& text) {
  for (LogLevel level : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error}) {
    if (text == to_string(level)) return level;
  }
  if (text.empty()) return LogLevel::Info;
  return make_error("--log-level must be debug, info, warn or error, not '" + text + "'");
}

struct RunOptions {
  std::filesystem::path data_dir;
  std::string software_version = kBuildVersion;
  // Read at every start, so writing it and restarting rehearses an upgrade on one build.
  std::filesystem::path software_version_file;
  std::uint16_t admin_port = kDefaultAdminPort;
  cluster::Platform platform = cluster::Platform::MediumVm;
  bool trust_local_clock = false;
  LogLevel log_level = LogLevel::Info;
  std::filesystem::path trace;
};

Result<RunOptions> parse_run(int argc, char** argv) {
  auto flags = parse_flags(argc, argv,
                           {"--data-dir", "--software-version", "--software-version-file", "--admin-port", "--platform",
                            "--log-level", "--trace"},
                           {"--trust-local-clock"});
  if (!flags) return flags.error();
  RunOptions options;
  options.data_dir = flags->one("--data-dir");
  if (options.data_dir.empty()) return make_error("--data-dir is required");
  if (auto v = flags->one("--software-version"); !v.empty()) options.software_version = v;
  options.software_version_file = flags->one("--software-version-file");
  if (auto port = flags->one("--admin-port"); !port.empty()) {
    char* end = nullptr;
    const long n = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 65535) return make_error("--admin-port must be 1..65535, not '" + port + "'");
    options.admin_port = static_cast<std::uint16_t>(n);
  }
  auto platform = parse_platform(flags->one("--platform"));
  if (!platform) return platform.error();
  options.platform = *platform;
  auto level = parse_log_level(flags->one("--log-level"));
  if (!level) return level.error();
  options.log_level = *level;
  options.trust_local_clock = flags->has("--trust-local-clock");
  options.trace = flags->one("--trace");
  return options;
}

// Runs the peer until SIGTERM/SIGINT (false) or xCommand Restart (true).
Result<bool> serve(const RunOptions& run) {
  const auto started = std::chrono::steady_clock::now();
  auto facts = daemon::read_host_facts(run.data_dir);
  if (!facts) return facts.error();
  boost::asio::io_context io;
  AsioEnvOptions env_options;
  env_options.addresses = facts->addresses;
  env_options.data_dir = run.data_dir;
  for (const IpAddress& ip : facts->dns_servers) env_options.dns_servers.push_back(Endpoint{ip, 53});
  env_options.min_log_level = run.log_level;
  env_options.log_name = facts->system_name;
  env_options.trace_file = run.trace;
  std::vector<Endpoint> syslog_servers;
  for (const IpAddress& ip : facts->syslog_servers) syslog_servers.push_back(Endpoint{ip, daemon::kSyslogPort});
  daemon::RemoteSyslog syslog(io, std::move(syslog_servers), facts->system_name);
  if (!syslog.empty()) {
    env_options.log_tap = [&syslog](WallTime at, LogLevel level, std::string_view component, std::string_view message) {
      syslog.send(at, level, component, message);
    };
  }
  auto env = AsioEnv::create(io, env_options);
  if (!env) return env.error();

  std::string software_version = run.software_version;
  if (!run.software_version_file.empty()) {
    auto text = read_file(run.software_version_file, "software version");
    if (!text) return text.error();
    software_version = text->substr(0, text->find_first_of("\r\n"));
    if (software_version.empty()) return make_error(run.software_version_file.string() + " names no software version");
  }
  PeerOptions peer_options;
  // Stands in for an installed certificate that turns out unusable (alarm
  // 20018), so the admin API stays reachable to fix it.
  const WallTime now = system_now();
  auto fallback = make_self_signed(CertificateRequest{facts->system_name.empty() ? "tandem" : facts->system_name, {},
                                                      facts->addresses, now - std::chrono::hours(1),
                                                      now + std::chrono::hours(24 * 365), false});
  if (!fallback) return make_error("temporary certificate: " + fallback.error().message);
  peer_options.tls = TlsConfig{fallback->certificate_pem, fallback->private_key_pem, {}, TlsVerifyMode::Permissive};
  peer_options.software_version = software_version;
  peer_options.platform = run.platform;
  peer_options.ntp_synchronized = [trust = run.trust_local_clock] { return trust || kernel_clock_synchronized(); };
  auto peer = Peer::start(**env, peer_options);
  if (!peer) return peer.error();

  bool restart = false;
  boost::asio::steady_timer restart_timer(io);
  admin::AdminApi api(**env, **peer, admin::Hooks{[&] {
                        restart = true;
                        restart_timer.expires_after(kRestartGrace);
                        restart_timer.async_wait([&](const boost::system::error_code&) { io.stop(); });
                      }});
  auto tls = (*peer)->tls_config();
  if (!tls) return tls.error();
  const Endpoint admin_at{facts->addresses.front(), run.admin_port};
  auto server = daemon::AdminServer::start(
      io, admin_at, *tls, [&api](admin::Request request, auto reply) { api.handle(std::move(request), std::move(reply)); },
      [&env](LogLevel level, const std::string& message) { (*env)->log(level, "admin", message); });
  if (!server) return server.error();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) io.stop();
  });
  const auto ready_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  (*env)->log(LogLevel::Info, "tandemd",
              "ready in " + std::to_string(static_cast<int>(ready_ms)) + " ms: software " + software_version +
                  ", admin API on https://" + admin_at.to_string());
  io.run();
  (*env)->log(LogLevel::Info, "tandemd", restart ? "restarting" : "stopping");
  return restart;
}

// A restart is a new process image: memory gone, as after a reboot; the
// descriptors this one held are closed on exec so the ports are free again.
// The program is found again by the name it was started with, so a binary
// replaced in place (an upgrade) is the one that comes back.
int re_execute(char** argv) {
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  execvp(argv[0], argv);
  execv("/proc/self/exe", argv);
  return fail(std::string("restart failed: ") + std::strerror(errno), 1);
}

int run(int argc, char** argv) {
  auto options = parse_run(argc, argv);
  if (!options) return fail(options.error().message + "\n" + kUsage);
  auto restart = serve(*options);
  if (!restart) return fail(restart.error().message, 1);
  return *restart ? re_execute(argv) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "init") return init(argc, argv);
  if (command == "run") return run(argc, argv);
  if (command == "version" || command == "--version") {
    std::printf("tandemd %s\n", tandem::kBuildVersion);
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return fail(command.empty() ? std::string("a command is needed\n") + kUsage
                              : "unknown command '" + command + "'\n" + kUsage);
}
