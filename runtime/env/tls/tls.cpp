// The TLS policy on OpenSSL 3: parsing, chain verification and the verdict.
// Every input here is untrusted (a peer's certificate, an operator's paste), so
// every function returns a value or an Error and owns each OpenSSL object
// through a unique_ptr.

#include "runtime/env/tls/tls.hpp"
#include "runtime/env/tls/openssl_ptr.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <ctime>
#include <memory>

namespace tandem {
namespace {

using namespace openssl;  // the *Ptr owners

constexpr std::string_view kPemBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kPemEnd = "-----END CERTIFICATE-----";
// Larger than any certificate or bundle an operator would paste; keeps the
// int casts OpenSSL's BIO API needs in range.
constexpr std::size_t kPemBytesMax = 1 << 20;

// Never prompts for a passphrase: an encrypted key is refused, not waited on.
int no_passphrase(char*, int, int, void*) { return 0; }

// The oldest queued OpenSSL error as text, and an empty queue afterwards.
std::string take_openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail from OpenSSL";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

BioPtr memory_bio(std::string_view bytes) {
  if (bytes.size() > kPemBytesMax) return nullptr;
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

X509Ptr read_x509(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
}

KeyPtr read_private_key(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  if (!bio) return nullptr;
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
}

std::string common_name(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return {};
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

Result<WallTime> read_time(const ASN1_TIME* time, std::string_view what) {
  std::tm fields{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &fields) != 1) {
    ERR_clear_error();
    return make_error("certificate has an unreadable " + std::string(what) + " date");
  }
  return WallTime(std::chrono::seconds(timegm(&fields)));
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0x0f];
  }
  return out;
}

void read_subject_alt_names(X509* cert, CertificateInfo& info) {
  NamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names.get(), i);
    if (entry->type == GEN_DNS) {
      const ASN1_STRING* dns = entry->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (entry->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = entry->d.iPAddress;
      const int size = ASN1_STRING_length(ip);
      if (size != 4 && size != 16) continue;  // malformed entry: not an address
      info.ip_addresses.push_back(
          IpAddress::from_bytes(size == 4 ? IpAddress::Family::V4 : IpAddress::Family::V6, ASN1_STRING_get0_data(ip)));
    }
  }
}

Result<CertificateInfo> describe(X509* cert) {
  CertificateInfo info;
  info.subject_cn = common_name(X509_get_subject_name(cert));
  info.issuer_cn = common_name(X509_get_issuer_name(cert));
  read_subject_alt_names(cert, info);
  auto not_before = read_time(X509_get0_notBefore(cert), "start-of-validity");
  if (!not_before) return not_before.error();
  auto not_after = read_time(X509_get0_notAfter(cert), "end-of-validity");
  if (!not_after) return not_after.error();
  info.not_before = *not_before;
  info.not_after = *not_after;
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  info.serial_hex = to_hex(serial->data, static_cast<std::size_t>(serial->length));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &digest_size) != 1) {
    return make_error("cannot fingerprint the certificate: " + take_openssl_error());
  }
  info.fingerprint_sha256 = to_hex(digest, digest_size);
  // basicConstraints CA:TRUE only; X509_check_ca would also call a v1 self-signed leaf a CA.
  info.is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
  return info;
}

std::string format_utc(WallTime time) {
  const std::time_t seconds = std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
  std::tm fields{};
  gmtime_r(&seconds, &fields);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &fields);
  return text;
}

}  // namespace

std::string_view to_string(TlsVerifyMode mode) {
  switch (mode) {
    case TlsVerifyMode::Permissive: return "Permissive";
    case TlsVerifyMode::Enforce: return "Enforce";
  }
  return "?";
}

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

Result<CertificateInfo> parse_certificate(std::string_view pem) {
  if (pem.size() > kPemBytesMax) return make_error("certificate PEM is larger than 1 MiB");
  X509Ptr cert = read_x509(pem);
  if (!cert) return make_error("not a PEM certificate: " + take_openssl_error());
  return describe(cert.get());
}

Result<std::vector<std::string>> split_pem_certificates(std::string_view bundle) {
  if (bundle.size() > kPemBytesMax) return make_error("certificate bundle is larger than 1 MiB");
  std::vector<std::string> certificates;
  std::size_t at = 0;
  while ((at = bundle.find(kPemBegin, at)) != std::string_view::npos) {
    const std::string number = std::to_string(certificates.size() + 1);
    const std::size_t end = bundle.find(kPemEnd, at + kPemBegin.size());
    if (end == std::string_view::npos) return make_error("PEM certificate " + number + " has no END line");
    std::string pem(bundle.substr(at, end + kPemEnd.size() - at));
    pem += '\n';
    if (!read_x509(pem)) return make_error("PEM certificate " + number + " is garbled: " + take_openssl_error());
    certificates.push_back(std::move(pem));
    at = end + kPemEnd.size();
  }
  if (certificates.empty()) return make_error("no PEM certificate found (no '" + std::string(kPemBegin) + "' line)");
  return certificates;
}

ChainVerdict verify_chain(const std::vector<std::string>& chain_pem, const std::vector<std::string>& trusted_ca_pem) {
  if (chain_pem.empty()) return ChainVerdict{false, "no certificate presented"};
  X509Ptr leaf = read_x509(chain_pem.front());
  if (!leaf) {
    ERR_clear_error();
    return ChainVerdict{false, "the presented certificate does not parse"};
  }
  CertStackPtr untrusted(sk_X509_new_null());
  StorePtr store(X509_STORE_new());
  StoreCtxPtr context(X509_STORE_CTX_new());
  if (!untrusted || !store || !context) return ChainVerdict{false, "out of memory: " + take_openssl_error()};
  for (std::size_t i = 1; i < chain_pem.size(); ++i) {
    X509Ptr cert = read_x509(chain_pem[i]);
    if (!cert) {
      ERR_clear_error();
      return ChainVerdict{false, "chain certificate " + std::to_string(i + 1) + " does not parse"};
    }
    if (sk_X509_push(untrusted.get(), cert.get()) > 0) cert.release();  // the stack owns it now
  }
  for (const std::string& ca_pem : trusted_ca_pem) {
    X509Ptr ca = read_x509(ca_pem);  // a CA that does not parse trusts nothing
    if (ca) X509_STORE_add_cert(store.get(), ca.get());  // the store takes its own reference
  }
  ERR_clear_error();
  if (X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return ChainVerdict{false, "cannot start verification: " + take_openssl_error()};
  }
  // Dates are evaluate_peer()'s business, against the Env's wall clock.
  X509_STORE_CTX_set_flags(context.get(), X509_V_FLAG_NO_CHECK_TIME);
  const bool trusted = X509_verify_cert(context.get()) == 1;
  const int error = X509_STORE_CTX_get_error(context.get());
  ERR_clear_error();
  if (trusted) return ChainVerdict{true, {}};
  return ChainVerdict{false, X509_verify_cert_error_string(error)};
}

PeerVerdict evaluate_peer(const TlsSessionInfo& session, WallTime now) {
  if (session.verify_mode == TlsVerifyMode::Permissive) return PeerVerdict{};
  if (!session.peer_certificate) {
    return PeerVerdict{PeerCheck::NoCertificate, "TLS verify mode Enforce: the peer presented no certificate"};
  }
  const CertificateInfo& cert = *session.peer_certificate;
  const std::string name = "certificate CN '" + cert.subject_cn + "' (issuer '" + cert.issuer_cn + "')";
  if (!session.chain.trusted) {
    return PeerVerdict{PeerCheck::Untrusted,
                       name + " does not chain to a trusted CA: " + session.chain.reason};
  }
  if (now < cert.not_before) {
    return PeerVerdict{PeerCheck::NotYetValid, name + " is not valid before " + format_utc(cert.not_before) +
                                                   " (now " + format_utc(now) + ")"};
  }
  if (now > cert.not_after) {
    return PeerVerdict{PeerCheck::Expired,
                       name + " expired at " + format_utc(cert.not_after) + " (now " + format_utc(now) + ")"};
  }
  return PeerVerdict{};
}

Status check_private_key(std::string_view pem) {
  if (pem.size() > kPemBytesMax) return make_error("larger than 1 MiB");
  if (!read_private_key(pem)) return make_error("not an unencrypted PEM private key: " + take_openssl_error());
  return {};
}

Result<ValidatedTls> validate_tls_config(const TlsConfig& config) {
  auto chain = split_pem_certificates(config.certificate_pem);
  if (!chain) return make_error("TLS certificate: " + chain.error().message);
  X509Ptr leaf = read_x509(chain->front());
  TANDEM_ASSERT(leaf != nullptr);  // split_pem_certificates parsed every entry
  auto info = describe(leaf.get());
  if (!info) return make_error("TLS certificate: " + info.error().message);
  if (config.private_key_pem.size() > kPemBytesMax) return make_error("TLS private key: larger than 1 MiB");
  KeyPtr key = read_private_key(config.private_key_pem);
  if (!key) return make_error("TLS private key: not an unencrypted PEM private key: " + take_openssl_error());
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return make_error("TLS private key does not match the certificate CN '" + info->subject_cn + "'");
  }
  for (std::size_t i = 0; i < config.trusted_ca_pem.size(); ++i) {
    auto ca = parse_certificate(config.trusted_ca_pem[i]);
    if (!ca) return make_error("trusted CA " + std::to_string(i + 1) + ": " + ca.error().message);
  }
  return ValidatedTls{std::move(chain.value()), std::move(info.value())};
}

}  // namespace tandem
