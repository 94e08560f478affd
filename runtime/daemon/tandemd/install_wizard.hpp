#pragma once
// `tandemd init`: makes a new peer's data directory the way the VCS install
// wizard does (system name, LAN address, DNS and NTP, the admin account, a
// certificate), and reads back what the daemon needs before it can start the
// peer (its addresses and DNS servers).

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/random.hpp"
#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"

namespace tandem::daemon {

struct InstallAnswers {
  std::filesystem::path data_dir;
  std::string system_name;
  std::vector<IpAddress> addresses;  // LAN 1: at most one IPv4 and one IPv6
  std::string host_name;             // e.g. "peer1"
  std::string domain;                // e.g. "tandem.test"
  std::vector<IpAddress> dns_servers;
  std::vector<IpAddress> ntp_servers;
  std::string admin_password;
  // Empty: a self-signed certificate for the host's FQDN and addresses is made.
  std::string certificate_pem;
  std::string private_key_pem;
  std::string trusted_ca_pem;  // one or more PEM certificates
};

// Refuses a directory that already holds a peer, and any answer the
// configuration schema refuses (the message names the item and rule);
// nothing is left behind on a refusal. Returns the certificate installed.
Result<std::string> install(const InstallAnswers& answers, WallTime now, Random& random);

// What the daemon reads before it starts the peer.
struct HostFacts {
  std::string system_name;
  std::vector<IpAddress> addresses;
  std::vector<IpAddress> dns_servers;
  std::vector<IpAddress> syslog_servers;  // "Logging Server N Address" given as IP addresses
};
Result<HostFacts> read_host_facts(const std::filesystem::path& data_dir);

// "tandem.db": the store's file in the data directory.
inline constexpr const char* kDatabaseName = "tandem.db";

}  // namespace tandem::daemon
