// tandemctl: the operator's CLI for one peer, over its admin REST API (HTTPS,
// JSON), with the VCS CLI's habits. `tandemctl --help` lists the commands.
//
// Exit status: 0 done; 1 the peer refused (4xx, its reason on stderr) or
// failed (5xx); 2 a usage error (the command line, the password, the --ca
// file); 3 the peer could not be reached, TLS with it failed, or it did not
// answer with JSON. The password is never printed.

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "runtime/daemon/ctl/admin_client.hpp"
#include "runtime/daemon/ctl/cluster_command.hpp"
#include "runtime/daemon/ctl/ctl_command.hpp"
#include "runtime/daemon/ctl/live_operator.hpp"
#include "runtime/daemon/ctl/ctl_render.hpp"
#include "runtime/env/asio/asio_dns.hpp"
#include "runtime/ops/dns_records.hpp"

namespace {

using namespace tandem::ctl;
using tandem::make_error;
using tandem::Result;

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;
// How long the peer may hold a watch request, and how long we wait for its reply.
constexpr int kWatchWaitMs = 30'000;
constexpr std::chrono::milliseconds kWatchReplyTimeout{35'000};

int fail(int exit_code, const std::string& message) {
  std::fprintf(stderr, "tandemctl: %s\n", message.c_str());
  return exit_code;
}

void print(const Lines& lines) {
  for (const std::string& line : lines) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);  // watch output reaches a pipe as it happens
}

std::string excerpt(const std::string& text) {
  std::string line = text.substr(0, 200);
  for (char& c : line) c = (c == '\n' || c == '\r') ? ' ' : c;
  return line + (text.size() > 200 ? "..." : "");
}

// Restored if Ctrl-C comes while echo is off, so the shell is not left mute.
termios g_saved_terminal{};

extern "C" void restore_terminal_and_exit(int) {
  tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(130);
}

Result<std::string> prompt_password(const std::string& prompt) {
  if (tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) {
    return make_error(std::string("cannot read the terminal's settings: ") + std::strerror(errno));
  }
  struct sigaction on_interrupt {}, previous {};
  on_interrupt.sa_handler = restore_terminal_and_exit;
  sigaction(SIGINT, &on_interrupt, &previous);
  termios quiet = g_saved_terminal;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string password;
  const bool read = static_cast<bool>(std::getline(std::cin, password));
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
  sigaction(SIGINT, &previous, nullptr);
  std::fputc('\n', stderr);
  if (!read || password.empty()) return make_error("no password given");
  return password;
}

// --password-file, else TANDEM_PASSWORD, else asked on the terminal.
Result<std::string> read_password(const Options& options) {
  if (!options.password_file.empty()) {
    const std::string& name = options.password_file;
    std::ifstream file(name);
    if (!file) return make_error("--password-file " + name + ": cannot read it: " + std::strerror(errno));
    std::string password;
    std::getline(file, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) return make_error("--password-file " + name + ": its first line is empty");
    return password;
  }
  if (const char* from_env = std::getenv("TANDEM_PASSWORD"); from_env != nullptr && *from_env != '\0') {
    return std::string(from_env);
  }
  if (isatty(STDIN_FILENO) == 0) {
    return make_error("no password: give --password-file FILE or set TANDEM_PASSWORD (stdin is not a terminal to ask on)");
  }
  return prompt_password("Password for " + options.user + " on " + options.peer.to_string() + ": ");
}

// A reply the peer did not accept, on stderr; the exit status for it.
int report_refusal(const HttpReply& reply, const Json& body, const Options& options) {
  const std::string status = "HTTP " + std::to_string(reply.status);
  const Json* error = body.is_object() && body.contains("error") ? &body["error"] : nullptr;
  std::string reason = error != nullptr && error->is_string() ? error->get<std::string>()
                                                              : status + (reply.body.empty() ? "" : ": " + excerpt(reply.body));
  if (reply.status == 401) reason += " (as user '" + options.user + "')";
  if (reply.status >= 500) return fail(kExitRefused, options.peer.to_string() + " failed: " + reason + " (" + status + ")");
  return fail(kExitRefused, "refused: " + reason);
}

// The peer's JSON reply, or the exit status once the reason is on stderr.
struct Answer {
  int exit_code = kExitOk;
  Json body;
};

Answer ask(AdminClient& client, const Options& options, const HttpRequest& request, std::chrono::milliseconds timeout) {
  auto reply = client.send(request, timeout);
  if (!reply) return {fail(kExitUnreachable, reply.error().message), {}};
  Json body = reply->body.empty() ? Json() : Json::parse(reply->body, nullptr, false);
  if (reply->status < 200 || reply->status >= 300) return {report_refusal(*reply, body, options), {}};
  if (body.is_discarded()) {
    return {fail(kExitUnreachable, options.peer.to_string() + " answered, but not with JSON: " + excerpt(reply->body)), {}};
  }
  return {kExitOk, std::move(body)};
}

int run_once(AdminClient& client, const Invocation& invocation) {
  const Answer answer = ask(client, invocation.options, to_request(invocation.command), kReplyTimeout);
  if (answer.exit_code != kExitOk) return answer.exit_code;
  print(invocation.options.json ? json_lines(answer.body) : render_reply(invocation.command, answer.body));
  return kExitOk;
}

// One watch reply and the state it reports, or the exit status once the
// reason is on stderr.
struct WatchAnswer {
  int exit_code = kExitOk;
  Json body;
  WatchState state;
};

WatchAnswer ask_watch(AdminClient& client, const Options& options, const HttpRequest& request,
                      std::chrono::milliseconds timeout) {
  Answer answer = ask(client, options, request, timeout);
  if (answer.exit_code != kExitOk) return {answer.exit_code};
  auto state = read_watch(answer.body);
  if (!state) return {fail(kExitUnreachable, options.peer.to_string() + ": " + state.error().message)};
  return {kExitOk, std::move(answer.body), std::move(*state)};
}

// The state at once, then each change, until Ctrl-C (SIGINT ends the process)
// or --count changes. Every request is bounded by kWatchReplyTimeout.
int run_watch(AdminClient& client, const Invocation& invocation) {
  const Options& options = invocation.options;
  WatchAnswer now = ask_watch(client, options, to_request(invocation.command), kReplyTimeout);
  if (now.exit_code != kExitOk) return now.exit_code;
  print(options.json ? json_lines(now.body) : render_watch_state(now.state));
  for (int changes = 0; invocation.command.count == 0 || changes < invocation.command.count;) {
    WatchAnswer next = ask_watch(client, options, watch_request(now.state.seq, kWatchWaitMs), kWatchReplyTimeout);
    if (next.exit_code != kExitOk) return next.exit_code;
    if (next.state.seq == now.state.seq) continue;  // the wait ran out with no news
    print(options.json ? json_lines(next.body) : render_watch_change(now.state, next.state));
    now = std::move(next);
    ++changes;
  }
  return kExitOk;
}

// Each question asked of the DNS servers in turn, all at once on one io_context.
std::vector<Result<tandem::DnsAnswer>> ask_dns(const std::vector<tandem::ops::DnsQuestion>& questions,
                                               std::vector<tandem::Endpoint> servers) {
  boost::asio::io_context io;
  tandem::asio_env::DnsResolver resolver(io, std::move(servers), static_cast<std::uint64_t>(::getpid()) * 2654435761u);
  std::vector<Result<tandem::DnsAnswer>> answers(questions.size(), make_error("not asked"));
  std::vector<tandem::Handle> pending;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    pending.push_back(resolver.lookup(questions[i].name, questions[i].type,
                                      [&answers, i](Result<tandem::DnsAnswer> a) { answers[i] = std::move(a); }));
  }
  io.run();
  return answers;
}

// cluster dns-records: the records, and with --check what DNS answers for them.
int run_dns_records(tandem::ops::Operator& op, const ClusterCommand& command, const std::string& entry) {
  auto facts = tandem::ops::read_cluster_dns(op, entry);
  if (!facts) return fail(kExitRefused, facts.error().message);
  facts->collab_edge = command.collab_edge;
  const auto records = tandem::ops::recommended_records(*facts);
  if (!command.check) {
    std::printf("; DNS records for cluster %s (%zu peers), equal priority and weight (Appendix 2)\n",
                facts->cluster_name.c_str(), facts->peers.size());
    for (const auto& r : records) std::printf("%s\n", tandem::ops::zone_line(r).c_str());
    return kExitOk;
  }
  std::vector<tandem::Endpoint> servers;
  if (command.dns_server.empty()) {
    servers = tandem::asio_env::read_resolv_conf("/etc/resolv.conf");
  } else {
    auto server = tandem::Endpoint::parse(command.dns_server);
    if (!server) {
      auto ip = tandem::IpAddress::parse(command.dns_server);
      if (!ip) return fail(kExitUsage, "--dns-server '" + command.dns_server + "': expected IP or IP:PORT");
      server = tandem::Endpoint{*ip, 53};
    }
    servers.push_back(*server);
  }
  const auto questions = tandem::ops::questions_for(records);
  const auto lines = tandem::ops::check_records(records, questions, ask_dns(questions, servers));
  std::size_t problems = 0;
  for (const auto& line : lines) {
    const std::string tag(tandem::ops::to_string(line.finding));
    std::printf("[%-7s] %s\n", tag.c_str(), line.text.c_str());
    problems += line.finding == tandem::ops::Finding::Ok ? 0 : 1;
  }
  if (problems == 0) {
    std::printf("DNS has every record the cluster needs.\n");
    return kExitOk;
  }
  std::printf("%zu problem(s): fix the zone for %s.\n", problems, facts->cluster_name.c_str());
  return kExitRefused;
}

// A cluster procedure: the plan, then each step as it is done, then the report.
int run_cluster(const Options& options, const std::vector<std::string>& words, std::string password) {
  auto command = parse_cluster_command(words);
  if (!command) {
    fail(kExitUsage, command.error().message);
    std::fwrite(kClusterUsage.data(), 1, kClusterUsage.size(), stderr);
    return kExitUsage;
  }
  LiveOperator op(LiveOperatorConfig{options.peer.port, options.trust, options.ca_file, options.user,
                                     std::move(password), command->upgrade_command});
  if (command->procedure == "dns-records") return run_dns_records(op, *command, options.peer.host);
  auto plan = plan_for(op, *command, options.peer.host);
  if (!plan) return fail(kExitRefused, "refused: " + plan.error().message);
  std::printf("%s", tandem::ops::describe(*plan).c_str());
  if (command->dry_run) return kExitOk;
  const std::size_t total = plan->steps.size();
  auto report = tandem::ops::run(op, *plan, [total](const tandem::ops::StepRecord& step) {
    std::printf("[%7.1f s] step %d/%zu %s: %s\n", std::chrono::duration<double>(step.started + step.took).count(),
                step.number, total, std::string(tandem::ops::to_string(step.outcome)).c_str(), step.title.c_str());
    std::fflush(stdout);
  });
  std::printf("%s", tandem::ops::describe(report).c_str());
  return report.ok ? kExitOk : kExitRefused;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto invocation = parse_invocation(args);
  if (!invocation) {
    fail(kExitUsage, invocation.error().message);
    std::fputs("usage: tandemctl --peer ADDRESS[:PORT] [options] <command...>  (tandemctl --help for more)\n", stderr);
    return kExitUsage;
  }
  if (invocation->help) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
    std::fwrite(kClusterUsage.data(), 1, kClusterUsage.size(), stdout);
    return kExitOk;
  }
  const Options& options = invocation->options;
  auto password = read_password(options);
  if (!password) return fail(kExitUsage, password.error().message);
  if (invocation->command.kind == CommandKind::Cluster) {
    return run_cluster(options, invocation->command.words, std::move(*password));
  }
  auto client = AdminClient::create(
      ClientConfig{options.peer, options.trust, options.ca_file, options.user, std::move(*password)});
  if (!client) return fail(kExitUsage, client.error().message);
  if (invocation->command.kind == CommandKind::Watch) return run_watch(**client, *invocation);
  return run_once(**client, *invocation);
}
