#pragma once
// `tandemctl cluster <procedure> ...`: the guide's procedures on a live
// cluster. The plan is printed first (--dry-run stops there), then each step
// as it is done with the time it took, then the report: steps, alarms raised
// and cleared, registrations before and after, time taken. A procedure that
// stopped midway can be run again: steps the cluster already shows are
// skipped.
//
//   cluster create --name FQDN [--tls Permissive|Enforce]   (--peer: the stand-alone peer)
//   cluster add PEER                                       (--peer: the primary)
//   cluster remove PEER                                    (live peer)
//   cluster remove-dead PEER
//   cluster disband
//   cluster change-primary                                 (--peer: the new primary)
//   cluster upgrade VERSION --upgrade-command 'CMD {peer} {version}'
//   cluster replace OLD NEW
//   cluster change-address PEER NEW_ADDRESS
//   cluster replace-keep OLD NEW                           (OLD's backup restored onto NEW)
//   cluster clear-configuration PEER [--keep-option-keys] [--keep-certificates] [--keep-passwords] [--keep-logs]
//   cluster dns-records [--collab-edge] [--check [--dns-server IP[:PORT]]]   (not a procedure: prints, checks)

#include <string>
#include <vector>

#include "runtime/core/result.hpp"
#include "runtime/ops/procedures.hpp"

namespace tandem::ctl {

struct ClusterCommand {
  std::string procedure;            // "create", "add", ...
  std::vector<std::string> peers;   // positional addresses
  std::string cluster_name;         // create
  std::string tls_mode = "Permissive";
  std::string version;              // upgrade
  std::string upgrade_command;
  ops::ResetChoices reset;          // clear-configuration
  bool dry_run = false;
  bool check = false;               // dns-records: ask DNS and compare
  bool collab_edge = false;         // dns-records: add _collab-edge._tls
  std::string dns_server;           // dns-records: IP[:PORT]; "" = /etc/resolv.conf's
};

extern const std::string_view kClusterUsage;

// The words after "cluster". Errors say what was expected.
Result<ClusterCommand> parse_cluster_command(const std::vector<std::string>& words);

// The plan for `command` with `entry` as the --peer address.
Result<ops::Plan> plan_for(ops::Operator& op, const ClusterCommand& command, const std::string& entry);

}  // namespace tandem::ctl
