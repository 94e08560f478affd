#include "runtime/daemon/tandemd/install_wizard.hpp"

#include <system_error>

#include "runtime/admin/password.hpp"
#include "runtime/config/install.hpp"
#include "runtime/config/store.hpp"
#include "runtime/env/asio/posix_file_system.hpp"
#include "runtime/env/tls/pki.hpp"
#include "runtime/env/tls/tls.hpp"

namespace tandem::daemon {
namespace {

constexpr auto kCertificateLifetime = std::chrono::hours(24 * 365 * 2);

Status check_answers(const InstallAnswers& a) {
  if (a.data_dir.empty()) return make_error("--data-dir is required");
  if (a.system_name.empty()) return make_error("a system name is required");
  if (a.addresses.empty()) return make_error("at least one LAN address is required");
  int v4 = 0, v6 = 0;
  for (const IpAddress& ip : a.addresses) (ip.family() == IpAddress::Family::V4 ? v4 : v6)++;
  if (v4 > 1 || v6 > 1) return make_error("LAN 1 takes at most one IPv4 and one IPv6 address");
  if (a.dns_servers.size() > 5) return make_error("at most 5 DNS servers");
  if (a.ntp_servers.size() > 5) return make_error("at most 5 NTP servers");
  if (a.admin_password.size() < 8) return make_error("the admin password needs at least 8 characters");
  if (a.certificate_pem.empty() != a.private_key_pem.empty()) {
    return make_error("a certificate and its private key go together: give both or neither");
  }
  return {};
}

// The certificate and key to install: the operator's, or a self-signed pair
// naming the host's FQDN and addresses (as a freshly installed VCS has).
Result<IssuedCertificate> certificate_for(const InstallAnswers& a, WallTime now) {
  if (!a.certificate_pem.empty()) {
    auto chain = split_pem_certificates(a.certificate_pem);
    if (!chain) return make_error("certificate: " + chain.error().message);
    return IssuedCertificate{a.certificate_pem, a.private_key_pem};
  }
  const std::string fqdn = a.host_name.empty() ? a.system_name
                           : a.domain.empty()  ? a.host_name
                                               : a.host_name + "." + a.domain;
  std::vector<std::string> names;
  if (!a.host_name.empty()) names.push_back(fqdn);
  return make_self_signed(CertificateRequest{fqdn, names, a.addresses, now - std::chrono::hours(1),
                                             now + kCertificateLifetime, false});
}

std::vector<config::Change> changes_for(const InstallAnswers& a, const IssuedCertificate& cert, Random& random) {
  config::InstallSettings settings;
  settings.system_name = a.system_name;
  settings.host_name = a.host_name;
  settings.domain = a.domain;
  settings.addresses = a.addresses;
  settings.dns_servers = a.dns_servers;
  settings.ntp_servers = a.ntp_servers;
  settings.admin_password_hash = admin::hash_password(a.admin_password, random);
  settings.certificate_pem = cert.certificate_pem;
  settings.private_key_pem = cert.private_key_pem;
  settings.trusted_ca_pem = a.trusted_ca_pem;
  return config::install_changes(settings);
}

}  // namespace

Result<std::string> install(const InstallAnswers& answers, WallTime now, Random& random) {
  if (auto ok = check_answers(answers); !ok) return ok.error();
  std::error_code ec;
  const bool existed = std::filesystem::exists(answers.data_dir, ec);
  if (existed && std::filesystem::exists(answers.data_dir / kDatabaseName, ec)) {
    return make_error(answers.data_dir.string() + " already holds a peer; remove it first to start again");
  }
  auto cert = certificate_for(answers, now);
  if (!cert) return cert.error();
  auto fs = PosixFileSystem::open(answers.data_dir);
  if (!fs) return fs.error();
  auto written = [&]() -> Status {
    auto store = config::Store::open(**fs, config::vcs_schema(), kDatabaseName);
    if (!store) return store.error();
    auto applied = (*store)->apply(changes_for(answers, *cert, random), "install-wizard", now);
    if (!applied) return applied.error();
    return (*store)->add_event(now, "peer.installed", "system name " + answers.system_name);
  }();
  if (!written) {
    // Leave nothing half-made: the directory as it was.
    for (const std::string& name : (*fs)->list()) (void)(*fs)->remove(name);
    if (!existed) std::filesystem::remove(answers.data_dir, ec);
    return written.error();
  }
  return cert->certificate_pem;
}

Result<HostFacts> read_host_facts(const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(data_dir / kDatabaseName, ec)) {
    return make_error(data_dir.string() + " holds no peer: run 'tandemd init' first");
  }
  auto fs = PosixFileSystem::open(data_dir);
  if (!fs) return fs.error();
  auto store = config::Store::open(**fs, config::vcs_schema(), kDatabaseName);
  if (!store) return store.error();
  HostFacts facts;
  facts.system_name = *(*store)->get("SystemUnit Name");
  for (const char* path : {"Ethernet 1 IP V4 Address", "Ethernet 1 IP V6 Address", "Ethernet 2 IP V4 Address",
                           "Ethernet 2 IP V6 Address"}) {
    const std::string value = *(*store)->get(path);
    if (value.empty()) continue;
    auto ip = IpAddress::parse(value);
    if (!ip) return make_error(std::string(path) + ": " + ip.error().message);
    facts.addresses.push_back(*ip);
  }
  if (facts.addresses.empty()) return make_error("no LAN address is configured (Ethernet 1 IP V4 Address)");
  for (int i = 1; i <= 5; ++i) {
    const std::string value = *(*store)->get("IP DNS Server " + std::to_string(i) + " Address");
    if (auto ip = IpAddress::parse(value)) facts.dns_servers.push_back(*ip);
  }
  for (int i = 1; i <= 4; ++i) {
    const std::string value = *(*store)->get("Logging Server " + std::to_string(i) + " Address");
    if (auto ip = IpAddress::parse(value)) facts.syslog_servers.push_back(*ip);
  }
  return facts;
}

}  // namespace tandem::daemon
