// Certificate issuing on OpenSSL 3: EC P-256 keys, SHA-256 signatures, v3
// extensions written from the request. Set-up time only (see pki.hpp).

#include "runtime/env/tls/pki.hpp"
#include "runtime/env/tls/openssl_ptr.hpp"

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

using namespace openssl;  // the *Ptr owners

constexpr std::size_t kSerialBytes = 16;  // 128 random bits, as CAs are told to use
constexpr std::size_t kPemBytesMax = 1 << 20;

int no_passphrase(char*, int, int, void*) { return 0; }

Error openssl_error(std::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "no detail from OpenSSL";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  return make_error("cannot " + std::string(what) + ": " + text);
}

BioPtr memory_bio(std::string_view bytes) {
  if (bytes.size() > kPemBytesMax) return nullptr;
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

Result<std::string> drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return openssl_error("read back the PEM text");
  return std::string(data, static_cast<std::size_t>(size));
}

Result<std::string> certificate_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return openssl_error("write the certificate as PEM");
  return drain(bio.get());
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PKCS#8, unencrypted: the peer's data directory protects it (mode 0700).
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error("write the private key as PEM");
  }
  return drain(bio.get());
}

std::string subject_alt_names(const CertificateRequest& request) {
  std::string text;
  for (const std::string& dns : request.dns_names) text += (text.empty() ? "DNS:" : ",DNS:") + dns;
  for (const IpAddress& ip : request.ip_addresses) text += (text.empty() ? "IP:" : ",IP:") + ip.to_string();
  return text;
}

Status add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
    return openssl_error("add extension " + std::string(OBJ_nid2sn(nid)) + " = '" + value + "'");
  }
  return {};
}

Status add_extensions(X509* cert, X509* issuer, const CertificateRequest& request) {
  struct Wanted {
    int nid;
    std::string value;
  };
  std::vector<Wanted> wanted;
  if (request.is_ca) {
    wanted.push_back({NID_basic_constraints, "critical,CA:TRUE"});
    wanted.push_back({NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"});
  } else {
    wanted.push_back({NID_basic_constraints, "critical,CA:FALSE"});
    wanted.push_back({NID_key_usage, "critical,digitalSignature"});
    // Cluster peers are both TLS client and server to each other.
    wanted.push_back({NID_ext_key_usage, "serverAuth,clientAuth"});
  }
  wanted.push_back({NID_subject_key_identifier, "hash"});
  if (issuer != cert) wanted.push_back({NID_authority_key_identifier, "keyid:always"});
  if (std::string sans = subject_alt_names(request); !sans.empty()) wanted.push_back({NID_subject_alt_name, sans});
  for (const Wanted& extension : wanted) {
    if (Status added = add_extension(cert, issuer, extension.nid, extension.value); !added) return added;
  }
  return {};
}

Status set_serial_and_validity(X509* cert, const CertificateRequest& request) {
  unsigned char serial[kSerialBytes];
  if (RAND_bytes(serial, sizeof serial) != 1) return openssl_error("draw a random serial number");
  serial[0] &= 0x7f;  // DER integers are signed; keep the serial positive
  serial[0] |= 0x40;  // and its length fixed at 16 bytes
  BignumPtr number(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!number || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(cert)) == nullptr) {
    return openssl_error("set the serial number");
  }
  const auto seconds = [](WallTime t) { return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count(); };
  if (ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(seconds(request.not_before))) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(seconds(request.not_after))) == nullptr) {
    return openssl_error("set the validity dates");
  }
  return {};
}

// Builds `request` around `subject_key` and signs it with `signer_key`, as
// `issuer` (nullptr: self-signed).
Result<IssuedCertificate> build(const CertificateRequest& request, X509* issuer, EVP_PKEY* signer_key,
                                EVP_PKEY* subject_key) {
  if (request.common_name.empty()) return make_error("certificate request has no common name");
  if (request.not_after <= request.not_before) return make_error("certificate request ends before it starts");
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return openssl_error("create a certificate");
  if (Status set = set_serial_and_validity(cert.get(), request); !set) return set.error();
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(request.common_name.c_str());
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1) {
    return openssl_error("set the common name '" + request.common_name + "'");
  }
  if (X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return openssl_error("set the issuer and public key");
  }
  if (Status added = add_extensions(cert.get(), issuer ? issuer : cert.get(), request); !added) return added.error();
  if (X509_sign(cert.get(), signer_key, EVP_sha256()) == 0) return openssl_error("sign the certificate");
  auto cert_text = certificate_pem(cert.get());
  if (!cert_text) return cert_text.error();
  auto key_text = private_key_pem(subject_key);
  if (!key_text) return key_text.error();
  return IssuedCertificate{std::move(cert_text.value()), std::move(key_text.value())};
}

Result<KeyPtr> generate_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return openssl_error("generate an EC P-256 key");
  return key;
}

}  // namespace

Result<IssuedCertificate> make_self_signed(const CertificateRequest& request) {
  auto key = generate_key();
  if (!key) return key.error();
  return build(request, nullptr, key->get(), key->get());
}

Result<IssuedCertificate> issue_certificate(const CertificateRequest& request, const IssuedCertificate& issuer) {
  BioPtr cert_bio = memory_bio(issuer.certificate_pem);
  X509Ptr issuer_cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!issuer_cert) return openssl_error("read the issuer certificate");
  BioPtr key_bio = memory_bio(issuer.private_key_pem);
  KeyPtr issuer_key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!issuer_key) return openssl_error("read the issuer private key");
  if ((X509_get_extension_flags(issuer_cert.get()) & EXFLAG_CA) == 0) {
    return make_error("the issuer certificate is not a CA (basicConstraints CA:TRUE missing)");
  }
  if (X509_check_private_key(issuer_cert.get(), issuer_key.get()) != 1) {
    ERR_clear_error();
    return make_error("the issuer private key does not match the issuer certificate");
  }
  auto key = generate_key();
  if (!key) return key.error();
  return build(request, issuer_cert.get(), issuer_key.get(), key->get());
}

}  // namespace tandem
