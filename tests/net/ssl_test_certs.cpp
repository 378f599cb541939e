#include "ssl_test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace corio::test {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificates: ") + what + " failed");
}

Key make_key() {
  Key k(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(k != nullptr, "EVP_EC_gen");
  return k;
}

void add_ext(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(x, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

struct Spec {
  const char* cn;
  bool ca = false;
  const char* eku = nullptr;  // extendedKeyUsage of a leaf
  const char* san = nullptr;
};

// A certificate for `key`, signed by `issuer` (nullptr: self-signed), well-formed enough
// for X509_V_FLAG_X509_STRICT (which create_default_context sets, as Python 3.13).
Cert make_cert(const Spec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  Cert x(X509_new(), &X509_free);
  check(x != nullptr, "X509_new");
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("corio tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.cn), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  add_ext(x.get(), &ctx, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(x.get(), &ctx, NID_key_usage, spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (spec.eku) add_ext(x.get(), &ctx, NID_ext_key_usage, spec.eku);
  if (spec.san) add_ext(x.get(), &ctx, NID_subject_alt_name, spec.san);
  check(X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return x;
}

std::string write_cert(const std::string& path, X509* x) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "fopen");
  check(PEM_write_X509(f, x) == 1, "PEM_write_X509");
  std::fclose(f);
  return path;
}

std::string write_key(const std::string& path, EVP_PKEY* k) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "fopen");
  check(PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM_write_PrivateKey");
  std::fclose(f);
  return path;
}

std::string pem_of(X509* x) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  check(PEM_write_bio_X509(bio.get(), x) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

struct Owner {
  TestCerts certs;
  Owner() {
    char tmpl[] = "/tmp/corio-ssl-test-XXXXXX";
    check(::mkdtemp(tmpl) != nullptr, "mkdtemp");
    TestCerts& c = certs;
    c.dir = tmpl;
    const char* san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    Key ca_key = make_key();
    Cert ca = make_cert({"corio test CA", true}, ca_key.get(), nullptr, nullptr, 1);
    c.ca_cert = write_cert(c.dir + "/ca.pem", ca.get());
    c.ca_pem = pem_of(ca.get());

    Key server_key = make_key();
    Cert server = make_cert({"localhost", false, "serverAuth", san}, server_key.get(), ca.get(), ca_key.get(), 2);
    c.server_cert = write_cert(c.dir + "/server.pem", server.get());
    c.server_key = write_key(c.dir + "/server.key", server_key.get());

    Key client_key = make_key();
    Cert client = make_cert({"corio client", false, "clientAuth"}, client_key.get(), ca.get(), ca_key.get(), 3);
    c.client_cert = write_cert(c.dir + "/client.pem", client.get());
    c.client_key = write_key(c.dir + "/client.key", client_key.get());

    Key self_key = make_key();
    Cert self = make_cert({"localhost", false, "serverAuth", san}, self_key.get(), nullptr, nullptr, 4);
    c.self_signed_cert = write_cert(c.dir + "/self.pem", self.get());
    c.self_signed_key = write_key(c.dir + "/self.key", self_key.get());

    Key other_key = make_key();
    Cert other = make_cert({"corio other CA", true}, other_key.get(), nullptr, nullptr, 5);
    c.other_ca_cert = write_cert(c.dir + "/other-ca.pem", other.get());
  }
  ~Owner() {
    std::error_code ec;
    std::filesystem::remove_all(certs.dir, ec);
  }
};

}  // namespace

const TestCerts& test_certs() {
  static Owner owner;
  return owner.certs;
}

}  // namespace corio::test
