#include "runtime/daemon/ctl/live_operator.hpp"

#include <cstdlib>
#include <sys/wait.h>
#include <thread>

namespace tandem::ctl {
namespace {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

}  // namespace

std::string expand_upgrade_command(const std::string& command, const std::string& peer, const std::string& version) {
  std::string out = command;
  replace_all(out, "{peer}", shell_quote(peer));
  replace_all(out, "{version}", shell_quote(version));
  return out;
}

LiveOperator::LiveOperator(LiveOperatorConfig config) : config_(std::move(config)) {}
LiveOperator::~LiveOperator() = default;

Result<AdminClient*> LiveOperator::client_for(const std::string& address) {
  auto it = clients_.find(address);
  if (it != clients_.end()) return it->second.get();
  auto client = AdminClient::create(ClientConfig{PeerAddress{address, config_.port}, config_.trust, config_.ca_file,
                                                 config_.user, config_.password});
  if (!client) return client.error();
  return (clients_[address] = std::move(*client)).get();
}

Result<ops::Reply> LiveOperator::call(const std::string& address, std::string_view method, std::string_view target,
                                      std::string_view body) {
  auto client = client_for(address);
  if (!client) return client.error();
  auto reply = (*client)->send(HttpRequest{std::string(method), std::string(target), std::string(body)});
  if (!reply) return reply.error();
  return ops::Reply{reply->status, std::move(reply->body)};
}

Duration LiveOperator::elapsed() const {
  return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started_);
}

void LiveOperator::wait(Duration duration) { std::this_thread::sleep_for(duration); }

Status LiveOperator::upgrade(const std::string& address, const std::string& version) {
  if (config_.upgrade_command.empty()) {
    return make_error("no way to install software on " + address + ": give --upgrade-command 'CMD {peer} {version}'");
  }
  const std::string command = expand_upgrade_command(config_.upgrade_command, address, version);
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return make_error("the upgrade command for " + address + " failed (" + command + ", status " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status) + ")");
  }
  return {};
}

}  // namespace tandem::ctl
