#pragma once
// Making certificates: self-signed pairs for a new peer (as the install wizard
// does), and a small CA for tests and labs. Set-up time only: keys come from
// OpenSSL's own random source, so peer logic never calls this.

#include <string>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"

namespace tandem {

struct CertificateRequest {
  std::string common_name;
  std::vector<std::string> dns_names;
  std::vector<IpAddress> ip_addresses;
  WallTime not_before{};
  WallTime not_after{};
  bool is_ca = false;
};

struct IssuedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;  // EC P-256, PKCS#8
};

Result<IssuedCertificate> make_self_signed(const CertificateRequest& request);
// Signs `request` with `issuer` (which must be a CA certificate and its key).
Result<IssuedCertificate> issue_certificate(const CertificateRequest& request, const IssuedCertificate& issuer);

}  // namespace tandem
