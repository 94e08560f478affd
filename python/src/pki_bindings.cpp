// Certificates for scenarios: a small CA and certificates it issues, with
// validity in the twin's time (seconds from its epoch, 2026-01-01T00:00:00Z),
// to rehearse TLS Enforce and certificate expiry.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "python/src/errors.hpp"
#include "runtime/env/tls/pki.hpp"

namespace tandem::python {
namespace {

namespace py = pybind11;

// The twin's wall clock at virtual time zero (SimulationOptions::wall_epoch).
constexpr std::int64_t kTwinEpochSeconds = 1767225600;

WallTime at(double seconds_from_epoch) {
  return WallTime(std::chrono::seconds(kTwinEpochSeconds) +
                  std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds_from_epoch)));
}

CertificateRequest request(const std::string& common_name, const std::vector<std::string>& dns_names,
                           const std::vector<std::string>& ip_addresses, double not_before, double not_after,
                           bool is_ca) {
  if (!(not_after > not_before)) throw py::value_error("not_after must be later than not_before");
  CertificateRequest r{common_name, dns_names, {}, at(not_before), at(not_after), is_ca};
  for (const std::string& text : ip_addresses) {
    auto ip = IpAddress::parse(text);
    if (!ip) throw py::value_error("'" + text + "' is not an IP address");
    r.ip_addresses.push_back(*ip);
  }
  return r;
}

py::tuple pem_pair(const IssuedCertificate& c) { return py::make_tuple(c.certificate_pem, c.private_key_pem); }

}  // namespace

void init_pki(py::module_& m) {
  m.attr("TWIN_EPOCH") = kTwinEpochSeconds;
  m.def(
      "make_ca",
      [](const std::string& common_name, double not_before, double not_after) {
        return pem_pair(unwrap(make_self_signed(request(common_name, {}, {}, not_before, not_after, true))));
      },
      py::arg("common_name"), py::arg("not_before") = -86400.0, py::arg("not_after") = 10.0 * 365 * 86400,
      "A self-signed CA: (certificate PEM, private key PEM). Times are seconds from the twin's epoch.");
  m.def(
      "issue_certificate",
      [](const std::string& ca_certificate, const std::string& ca_key, const std::string& common_name,
         const std::vector<std::string>& dns_names, const std::vector<std::string>& ip_addresses, double not_before,
         double not_after) {
        const IssuedCertificate issuer{ca_certificate, ca_key};
        return pem_pair(unwrap(
            issue_certificate(request(common_name, dns_names, ip_addresses, not_before, not_after, false), issuer)));
      },
      py::arg("ca_certificate"), py::arg("ca_key"), py::arg("common_name"), py::arg("dns_names") = std::vector<std::string>{},
      py::arg("ip_addresses") = std::vector<std::string>{}, py::arg("not_before") = -86400.0,
      py::arg("not_after") = 365.0 * 86400, "A certificate signed by the CA: (certificate PEM, private key PEM).");
}

}  // namespace tandem::python
