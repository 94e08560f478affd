#include "runtime/env/tls/tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace tandem {
namespace {

template <class T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OpenSslDeleter<STACK_OF(X509), free_x509_stack>>;
void free_names(GENERAL_NAMES* n) { GENERAL_NAMES_free(n); }
using NamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES, free_names>>;

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

X509Ptr load_x509(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

std::string name_cn(const X509_NAME* name) {
  char buf[256] = {};
  const int n = X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

Result<WallTime> asn1_time(const ASN1_TIME* t, std::string_view what) {
  struct tm tm = {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return make_error("certificate has an unreadable " + std::string(what));
  return WallTime(std::chrono::seconds(timegm(&tm)));
}

std::string hex(const unsigned char* bytes, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  char buf[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

void read_alt_names(X509* cert, CertificateInfo& info) {
  NamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = name->d.iPAddress;
      const int len = ASN1_STRING_length(s);
      if (len == 4 || len == 16) {
        info.ip_addresses.push_back(IpAddress::from_bytes(len == 4 ? IpAddress::Family::V4 : IpAddress::Family::V6,
                                                          ASN1_STRING_get0_data(s)));
      }
    }
  }
}

Result<CertificateInfo> describe(X509* cert) {
  CertificateInfo info;
  info.subject_cn = name_cn(X509_get_subject_name(cert));
  info.issuer_cn = name_cn(X509_get_issuer_name(cert));
  read_alt_names(cert, info);
  auto not_before = asn1_time(X509_get0_notBefore(cert), "start of validity");
  if (!not_before) return not_before.error();
  auto not_after = asn1_time(X509_get0_notAfter(cert), "end of validity");
  if (!not_after) return not_after.error();
  info.not_before = *not_before;
  info.not_after = *not_after;
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  info.serial_hex = hex(serial->data, static_cast<std::size_t>(serial->length));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &digest_len) != 1) return make_error("cannot fingerprint certificate");
  info.fingerprint_sha256 = hex(digest, digest_len);
  info.is_ca = X509_check_ca(cert) != 0;
  return info;
}

std::string format_utc(WallTime t) {
  const std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  struct tm tm = {};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string_view to_string(TlsVerifyMode mode) { return mode == TlsVerifyMode::Enforce ? "Enforce" : "Permissive"; }

std::string_view to_string(PeerCheck check) {
  switch (check) {
    case PeerCheck::Accepted: return "accepted";
    case PeerCheck::NoCertificate: return "no certificate";
    case PeerCheck::Untrusted: return "untrusted";
    case PeerCheck::NotYetValid: return "not yet valid";
    case PeerCheck::Expired: return "expired";
  }
  return "?";
}

Result<std::vector<std::string>> split_pem_certificates(std::string_view bundle) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = bundle.find(kBegin, pos)) != std::string_view::npos) {
    const std::size_t end = bundle.find(kEnd, pos);
    if (end == std::string_view::npos) return make_error("PEM certificate " + std::to_string(out.size() + 1) + " has no END line");
    out.emplace_back(bundle.substr(pos, end + kEnd.size() - pos));
    out.back() += '\n';
    pos = end + kEnd.size();
  }
  if (out.empty()) return make_error("no PEM certificate found (expected a '" + std::string(kBegin) + "' line)");
  return out;
}

Result<CertificateInfo> parse_certificate(std::string_view pem) {
  X509Ptr cert = load_x509(pem);
  if (!cert) return make_error("not a PEM certificate: " + openssl_error());
  return describe(cert.get());
}

ChainVerdict verify_chain(const std::vector<std::string>& chain_pem, const std::vector<std::string>& trusted_ca_pem) {
  if (chain_pem.empty()) return ChainVerdict{false, "no certificate presented"};
  X509Ptr leaf = load_x509(chain_pem.front());
  if (!leaf) return ChainVerdict{false, "presented certificate does not parse"};
  X509StackPtr intermediates(sk_X509_new_null());
  for (std::size_t i = 1; i < chain_pem.size(); ++i) {
    X509Ptr c = load_x509(chain_pem[i]);
    if (!c) return ChainVerdict{false, "intermediate certificate " + std::to_string(i) + " does not parse"};
    sk_X509_push(intermediates.get(), c.release());
  }
  StorePtr store(X509_STORE_new());
  for (const std::string& ca : trusted_ca_pem) {
    X509Ptr c = load_x509(ca);
    if (c) X509_STORE_add_cert(store.get(), c.get());
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), intermediates.get()) != 1) {
    return ChainVerdict{false, "cannot set up verification: " + openssl_error()};
  }
  // Dates are judged by evaluate_peer() against the Env's clock, not the host's.
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
  if (X509_verify_cert(ctx.get()) == 1) return ChainVerdict{true, {}};
  const int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return ChainVerdict{false, X509_verify_cert_error_string(err)};
}

PeerVerdict evaluate_peer(const TlsSessionInfo& session, WallTime now) {
  if (session.verify_mode == TlsVerifyMode::Permissive) return PeerVerdict{};
  if (!session.peer_certificate) {
    return PeerVerdict{PeerCheck::NoCertificate, "TLS verification mode Enforce: the peer presented no certificate"};
  }
  const CertificateInfo& cert = *session.peer_certificate;
  const std::string who = "certificate '" + cert.subject_cn + "' (issued by '" + cert.issuer_cn + "')";
  if (!session.chain.trusted) {
    return PeerVerdict{PeerCheck::Untrusted, who + " is not trusted: " + session.chain.reason};
  }
  if (now < cert.not_before) {
    return PeerVerdict{PeerCheck::NotYetValid, who + " is not valid before " + format_utc(cert.not_before)};
  }
  if (now > cert.not_after) {
    return PeerVerdict{PeerCheck::Expired, who + " expired at " + format_utc(cert.not_after)};
  }
  return PeerVerdict{};
}

Result<ValidatedTls> validate_tls_config(const TlsConfig& config) {
  auto chain = split_pem_certificates(config.certificate_pem);
  if (!chain) return make_error("TLS certificate: " + chain.error().message);
  X509Ptr leaf = load_x509(chain->front());
  if (!leaf) return make_error("TLS certificate: the first certificate does not parse: " + openssl_error());
  auto info = describe(leaf.get());
  if (!info) return make_error("TLS certificate: " + info.error().message);
  for (std::size_t i = 1; i < chain->size(); ++i) {
    if (!load_x509((*chain)[i])) return make_error("TLS certificate: chain certificate " + std::to_string(i + 1) + " does not parse");
  }
  BioPtr bio(BIO_new_mem_buf(config.private_key_pem.data(), static_cast<int>(config.private_key_pem.size())));
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return make_error("TLS private key: not a PEM private key: " + openssl_error());
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return make_error("TLS private key does not match the certificate '" + info->subject_cn + "'");
  }
  for (std::size_t i = 0; i < config.trusted_ca_pem.size(); ++i) {
    if (!load_x509(config.trusted_ca_pem[i])) {
      return make_error("trusted CA certificate " + std::to_string(i + 1) + " does not parse: " + openssl_error());
    }
  }
  return ValidatedTls{std::move(chain.value()), std::move(info.value())};
}

}  // namespace tandem
