#include "runtime/daemon/ctl/cluster_command.hpp"

#include <map>

namespace tandem::ctl {

const std::string_view kClusterUsage = R"(cluster procedures (the guide's, as code; --dry-run prints the plan only):
  cluster create --name FQDN [--tls Permissive|Enforce]  --peer is the stand-alone peer
  cluster add PEER                                      --peer is the primary
  cluster remove PEER                                   remove a live peer
  cluster remove-dead PEER                              remove a peer that cannot be reached
  cluster disband                                       every peer becomes stand-alone
  cluster change-primary                                --peer is the new primary
  cluster upgrade VERSION --upgrade-command 'CMD {peer} {version}'
  cluster replace OLD NEW                               remove OLD (live or dead), add NEW
  cluster change-address PEER NEW_ADDRESS               remove PEER, give it NEW_ADDRESS, add it back there
  cluster replace-keep OLD NEW                          remove OLD (live), restore its backup onto NEW, add NEW
  cluster clear-configuration PEER [--keep-option-keys] [--keep-certificates] [--keep-passwords] [--keep-logs]
                        factory reset of a removed or recovered PEER; its IP configuration is always kept
                        (--peer only gives the admin port)
  cluster dns-records [--collab-edge]                   the SRV and A records the guide recommends for the
                        cluster name, as zone-file lines (Appendix 2)
  cluster dns-records --check [--dns-server IP[:PORT]]  ask DNS and say what is missing, stale or wrong
                        (exit 1 when anything is)
)";

namespace {

// How many addresses each procedure takes after its name.
const std::map<std::string, std::size_t>& arity() {
  static const std::map<std::string, std::size_t> table = {
      {"create", 0},         {"add", 1},          {"remove", 1},       {"remove-dead", 1},
      {"disband", 0},        {"change-primary", 0}, {"upgrade", 1},    {"replace", 2},
      {"change-address", 2}, {"replace-keep", 2}, {"clear-configuration", 1}, {"dns-records", 0}};
  return table;
}

// clear-configuration's answers to the factory-reset questions (No unless given).
bool* reset_answer(ClusterCommand& command, const std::string& flag) {
  ops::ResetChoices& r = command.reset;
  return flag == "--keep-option-keys"    ? &r.keep_option_keys
         : flag == "--keep-certificates" ? &r.keep_certificates
         : flag == "--keep-passwords"    ? &r.keep_passwords
         : flag == "--keep-logs"         ? &r.keep_logs
                                         : nullptr;
}

}  // namespace

Result<ClusterCommand> parse_cluster_command(const std::vector<std::string>& words) {
  if (words.empty() || !arity().count(words[0])) {
    return make_error("cluster: expected a procedure (create, add, remove, remove-dead, disband, change-primary, "
                      "upgrade, replace, change-address, replace-keep, clear-configuration) or dns-records" +
                      (words.empty() ? std::string() : ", got '" + words[0] + "'"));
  }
  ClusterCommand command{words[0]};
  std::vector<std::string> positional;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--dry-run") {
      command.dry_run = true;
      continue;
    }
    if (w == "--check" || w == "--collab-edge") {
      if (command.procedure != "dns-records") {
        return make_error("cluster " + command.procedure + ": " + w + " is an option of dns-records only");
      }
      (w == "--check" ? command.check : command.collab_edge) = true;
      continue;
    }
    if (bool* answer = reset_answer(command, w)) {
      if (command.procedure != "clear-configuration") {
        return make_error("cluster " + command.procedure + ": " + w + " is an answer for clear-configuration only");
      }
      *answer = true;
      continue;
    }
    std::string* option = w == "--name"              ? &command.cluster_name
                          : w == "--tls"             ? &command.tls_mode
                          : w == "--upgrade-command" ? &command.upgrade_command
                          : w == "--dns-server"      ? &command.dns_server
                                                     : nullptr;
    if (option) {
      if (i + 1 >= words.size()) return make_error("cluster " + command.procedure + ": " + w + " needs a value");
      *option = words[++i];
    } else if (w.starts_with("--")) {
      return make_error("cluster " + command.procedure + ": unknown option '" + w + "'");
    } else {
      positional.push_back(w);
    }
  }
  if (command.tls_mode != "Permissive" && command.tls_mode != "Enforce") {
    return make_error("cluster create: --tls must be Permissive or Enforce, not '" + command.tls_mode + "'");
  }
  const std::size_t wanted = arity().at(command.procedure);
  if (positional.size() != wanted) {
    return make_error("cluster " + command.procedure + ": expected " + std::to_string(wanted) + " address" +
                      (wanted == 1 ? "" : "es") + ", got " + std::to_string(positional.size()));
  }
  if (command.procedure == "upgrade") {
    command.version = positional[0];
  } else {
    command.peers = positional;
  }
  if (!command.dns_server.empty() && !command.check) {
    return make_error("cluster dns-records: --dns-server is for --check");
  }
  if (command.procedure == "create" && command.cluster_name.empty()) {
    return make_error("cluster create: --name FQDN is required (the cluster name used in DNS SRV records)");
  }
  if (command.procedure == "upgrade" && command.upgrade_command.empty() && !command.dry_run) {
    return make_error("cluster upgrade: --upgrade-command 'CMD {peer} {version}' is required: it installs the software");
  }
  return command;
}

Result<ops::Plan> plan_for(ops::Operator& op, const ClusterCommand& c, const std::string& entry) {
  if (c.procedure == "create") return ops::create_cluster(op, entry, c.cluster_name, c.tls_mode);
  if (c.procedure == "add") return ops::add_peer(op, entry, c.peers[0]);
  if (c.procedure == "remove") return ops::remove_live_peer(op, entry, c.peers[0]);
  if (c.procedure == "remove-dead") return ops::remove_dead_peer(op, entry, c.peers[0]);
  if (c.procedure == "disband") return ops::disband(op, entry);
  if (c.procedure == "change-primary") return ops::change_primary(op, entry);
  if (c.procedure == "upgrade") return ops::upgrade(op, entry, c.version);
  if (c.procedure == "change-address") return ops::change_address(op, entry, c.peers[0], c.peers[1]);
  if (c.procedure == "replace-keep") return ops::replace_keeping_configuration(op, entry, c.peers[0], c.peers[1]);
  if (c.procedure == "clear-configuration") return ops::clear_configuration(op, c.peers[0], c.reset);
  return ops::replace_peer(op, entry, c.peers[0], c.peers[1]);
}

}  // namespace tandem::ctl
