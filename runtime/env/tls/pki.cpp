#include "runtime/env/tls/pki.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace tandem {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

Error openssl_failure(std::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "unknown error";
  if (code) ERR_error_string_n(code, buf, sizeof buf);
  return make_error("cannot " + std::string(what) + ": " + buf);
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

std::string alt_names(const CertificateRequest& request) {
  std::string out;
  for (const auto& dns : request.dns_names) out += (out.empty() ? "" : ",") + std::string("DNS:") + dns;
  for (const auto& ip : request.ip_addresses) out += (out.empty() ? "" : ",") + std::string("IP:") + ip.to_string();
  return out;
}

Result<std::string> to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return openssl_failure("write certificate PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_failure("write private key PEM");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// Builds and signs a certificate for `request` with `signing_key`; `issuer` is
// null for a self-signed certificate.
Result<IssuedCertificate> build(const CertificateRequest& request, X509* issuer, EVP_PKEY* signing_key,
                                EVP_PKEY* subject_key) {
  if (request.common_name.empty()) return make_error("a certificate needs a common name");
  if (request.not_after <= request.not_before) return make_error("certificate validity ends before it starts");
  X509Ptr cert(X509_new());
  if (!cert) return openssl_failure("allocate certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return openssl_failure("draw a serial number");
  serial_bytes[0] &= 0x7f;  // positive
  BnPtr serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()));
  const auto secs = [](WallTime t) {
    return static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  };
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), secs(request.not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), secs(request.not_after));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(request.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), subject_key);
  X509* signer = issuer ? issuer : cert.get();
  bool ok = add_extension(cert.get(), signer, NID_basic_constraints, request.is_ca ? "critical,CA:TRUE" : "CA:FALSE") &&
            add_extension(cert.get(), signer, NID_subject_key_identifier, "hash") &&
            add_extension(cert.get(), signer, NID_key_usage,
                          request.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyAgreement");
  if (ok && !request.is_ca) ok = add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
  if (ok && issuer) ok = add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  const std::string sans = alt_names(request);
  if (ok && !sans.empty()) ok = add_extension(cert.get(), signer, NID_subject_alt_name, sans);
  if (!ok) return openssl_failure("add certificate extensions");
  if (X509_sign(cert.get(), signing_key, EVP_sha256()) == 0) return openssl_failure("sign certificate");
  auto cert_pem = to_pem(cert.get());
  if (!cert_pem) return cert_pem.error();
  auto key_pem = key_to_pem(subject_key);
  if (!key_pem) return key_pem.error();
  return IssuedCertificate{std::move(cert_pem.value()), std::move(key_pem.value())};
}

KeyPtr new_key() { return KeyPtr(EVP_EC_gen("P-256")); }

}  // namespace

Result<IssuedCertificate> make_self_signed(const CertificateRequest& request) {
  KeyPtr key = new_key();
  if (!key) return openssl_failure("generate an EC P-256 key");
  return build(request, nullptr, key.get(), key.get());
}

Result<IssuedCertificate> issue_certificate(const CertificateRequest& request, const IssuedCertificate& issuer) {
  BioPtr cert_bio(BIO_new_mem_buf(issuer.certificate_pem.data(), static_cast<int>(issuer.certificate_pem.size())));
  X509Ptr issuer_cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!issuer_cert) return openssl_failure("read the issuer's certificate");
  BioPtr key_bio(BIO_new_mem_buf(issuer.private_key_pem.data(), static_cast<int>(issuer.private_key_pem.size())));
  KeyPtr issuer_key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!issuer_key) return openssl_failure("read the issuer's private key");
  if (X509_check_ca(issuer_cert.get()) == 0) return make_error("the issuer certificate is not a CA certificate");
  KeyPtr key = new_key();
  if (!key) return openssl_failure("generate an EC P-256 key");
  return build(request, issuer_cert.get(), issuer_key.get(), key.get());
}

}  // namespace tandem
