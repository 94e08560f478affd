#pragma once
// What the VCS install wizard asks of a new peer, as the configuration it
// writes. `tandemd init` and the twin's hosts install through this one list,
// so a twin peer starts exactly as a real one does.

#include <string>
#include <vector>

#include "runtime/config/store.hpp"
#include "runtime/core/address.hpp"

namespace tandem::config {

struct InstallSettings {
  std::string system_name;
  std::string host_name;  // one DNS label; <host name>.<domain> is the peer's FQDN
  std::string domain;
  std::vector<IpAddress> addresses;  // LAN 1: at most one IPv4 and one IPv6
  std::vector<IpAddress> dns_servers;
  std::vector<IpAddress> ntp_servers;
  std::string admin_user = "admin";
  std::string admin_password_hash;  // admin/password.hpp: never the password itself
  std::string certificate_pem;
  std::string private_key_pem;
  std::string trusted_ca_pem;  // "" for none
};

// The changes to apply, in one batch, to a fresh store.
std::vector<Change> install_changes(const InstallSettings& settings);

}  // namespace tandem::config
