// SSLObject: what a TLS connection tells about itself, decoded from its SSL* as Python's
// _ssl module does (getpeercert's dictionary becomes PeerCertificate).
#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include <memory>

#include "net/tls_session.hpp"

namespace corio {

namespace {

std::string asn1_string(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

std::vector<std::pair<std::string, std::string>> decode_name(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    int nid = OBJ_obj2nid(obj);
    std::string key;
    if (nid != NID_undef) {
      key = OBJ_nid2ln(nid);
    } else {
      char buf[128];
      OBJ_obj2txt(buf, sizeof buf, obj, 1);
      key = buf;
    }
    out.emplace_back(std::move(key), asn1_string(X509_NAME_ENTRY_get_data(e)));
  }
  return out;
}

// Whatever an OpenSSL print function writes to a memory BIO.
template <class F>
std::string print_to_string(F&& print) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || print(bio.get()) <= 0) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string ip_to_string(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  int len = ASN1_STRING_length(ip);
  const unsigned char* p = ASN1_STRING_get0_data(ip);
  if (len == 4) ::inet_ntop(AF_INET, p, buf, sizeof buf);
  else if (len == 16) ::inet_ntop(AF_INET6, p, buf, sizeof buf);
  else return "<invalid>";
  return buf;
}

std::vector<std::pair<std::string, std::string>> decode_san(const X509* cert) {
  std::vector<std::pair<std::string, std::string>> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    switch (n->type) {
      case GEN_DNS: out.emplace_back("DNS", asn1_string(n->d.dNSName)); break;
      case GEN_IPADD: out.emplace_back("IP Address", ip_to_string(n->d.iPAddress)); break;
      case GEN_EMAIL: out.emplace_back("email", asn1_string(n->d.rfc822Name)); break;
      case GEN_URI: out.emplace_back("URI", asn1_string(n->d.uniformResourceIdentifier)); break;
      default: out.emplace_back("othername", "<unsupported>"); break;
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

std::string PeerCertificate::subject_value(std::string_view key) const {
  for (const auto& [k, v] : subject) {
    if (k == key) return v;
  }
  return {};
}

std::string SSLObject::version() const {
  if (!s_->established()) return {};
  return SSL_get_version(s_->ssl());
}

std::optional<std::tuple<std::string, std::string, int>> SSLObject::cipher() const {
  const SSL_CIPHER* c = SSL_get_current_cipher(s_->ssl());
  if (!c) return std::nullopt;
  return std::tuple<std::string, std::string, int>(SSL_CIPHER_get_name(c), SSL_CIPHER_get_version(c),
                                                   SSL_CIPHER_get_bits(c, nullptr));
}

std::optional<std::string> SSLObject::selected_alpn_protocol() const {
  const unsigned char* p = nullptr;
  unsigned int n = 0;
  SSL_get0_alpn_selected(s_->ssl(), &p, &n);
  if (n == 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(p), n);
}

std::optional<PeerCertificate> SSLObject::getpeercert() const {
  X509* cert = SSL_get0_peer_certificate(s_->ssl());
  if (!cert) return std::nullopt;
  PeerCertificate pc;
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len > 0) {
    pc.der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
  }
  // As Python: an unverified certificate is not decoded, its contents are not facts.
  if ((SSL_get_verify_mode(s_->ssl()) & SSL_VERIFY_PEER) == 0) return pc;
  pc.subject = decode_name(X509_get_subject_name(cert));
  pc.issuer = decode_name(X509_get_issuer_name(cert));
  pc.subjectAltName = decode_san(cert);
  pc.version = static_cast<int>(X509_get_version(cert)) + 1;
  pc.notBefore = print_to_string([&](BIO* b) { return ASN1_TIME_print(b, X509_get0_notBefore(cert)); });
  pc.notAfter = print_to_string([&](BIO* b) { return ASN1_TIME_print(b, X509_get0_notAfter(cert)); });
  pc.serialNumber = print_to_string([&](BIO* b) { return i2a_ASN1_INTEGER(b, X509_get0_serialNumber(cert)); });
  return pc;
}

bool SSLObject::server_side() const noexcept { return s_->server_side(); }

std::optional<std::string> SSLObject::server_hostname() const {
  if (s_->server_side() || s_->server_hostname().empty()) return std::nullopt;
  return s_->server_hostname();
}

bool SSLObject::session_reused() const noexcept { return SSL_session_reused(s_->ssl()) == 1; }

SSLContext SSLObject::context() const { return s_->context(); }

}  // namespace corio
