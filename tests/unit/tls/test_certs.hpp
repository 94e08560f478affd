#pragma once
// Certificates for TLS tests, made on the spot with pki.hpp at a fixed epoch
// (kEpoch) so validity checks are driven by the `now` a test passes, not by
// the machine's clock.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "runtime/env/tls/pki.hpp"
#include "runtime/env/tls/tls.hpp"

namespace tandem::test {

// 2026-01-01T00:00:00Z
inline const WallTime kEpoch = WallTime(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));
constexpr auto kDay = std::chrono::hours(24);

inline CertificateRequest request(std::string cn, bool is_ca = false) {
  CertificateRequest r;
  r.common_name = std::move(cn);
  r.dns_names = {r.common_name};
  r.not_before = kEpoch;
  r.not_after = kEpoch + 365 * kDay;
  r.is_ca = is_ca;
  return r;
}

inline IssuedCertificate self_signed(const CertificateRequest& r) {
  auto issued = make_self_signed(r);
  EXPECT_TRUE(issued.ok()) << issued.error().message;
  return issued.ok() ? issued.value() : IssuedCertificate{};
}

inline IssuedCertificate issued_by(const CertificateRequest& r, const IssuedCertificate& issuer) {
  auto issued = issue_certificate(r, issuer);
  EXPECT_TRUE(issued.ok()) << issued.error().message;
  return issued.ok() ? issued.value() : IssuedCertificate{};
}

}  // namespace tandem::test
