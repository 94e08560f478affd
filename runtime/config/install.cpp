#include "runtime/config/install.hpp"

namespace tandem::config {

std::vector<Change> install_changes(const InstallSettings& s) {
  std::vector<Change> changes = {
      {"SystemUnit Name", s.system_name},
      {"IP DNS Hostname", s.host_name},
      {"IP DNS Domain Name", s.domain},
      {"Certificates Server Certificate", s.certificate_pem},
      {"Certificates Server PrivateKey", s.private_key_pem},
      {"Certificates TrustedCA", s.trusted_ca_pem},
      {"Login Administrator 1 Name", s.admin_user},
      {"Login Administrator 1 PasswordHash", s.admin_password_hash},
      {"Login Administrator 1 AccessLevel", "ReadWrite"},
  };
  for (const IpAddress& ip : s.addresses) {
    changes.push_back({ip.is_v4() ? "Ethernet 1 IP V4 Address" : "Ethernet 1 IP V6 Address", ip.to_string()});
  }
  for (std::size_t i = 0; i < s.dns_servers.size(); ++i) {
    changes.push_back({"IP DNS Server " + std::to_string(i + 1) + " Address", s.dns_servers[i].to_string()});
  }
  for (std::size_t i = 0; i < s.ntp_servers.size(); ++i) {
    changes.push_back({"NTP Server " + std::to_string(i + 1) + " Address", s.ntp_servers[i].to_string()});
  }
  return changes;
}

}  // namespace tandem::config
