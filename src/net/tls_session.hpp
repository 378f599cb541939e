// TlsSession: one TLS connection's OpenSSL state, run entirely in memory (asyncio's
// SSLObject + its MemoryBIOs in sslproto.py). It never touches a socket: the stream
// feeds it the ciphertext it receives and sends the ciphertext it produces, so TLS
// behaves the same on every I/O driver.
//
//   ciphertext in  --feed()-->  [rbio: BIO_s_mem] -> SSL -> read()  --> plaintext
//   plaintext      --write()--> SSL -> [wbio: sink] -> output()      --> ciphertext out
//
// The input BIO is a BIO_s_mem whose empty state means "retry" (not EOF): TCP EOF is
// the stream's business, since asyncio treats EOF without close_notify as a plain EOF.
// The output BIO is a minimal memory sink appending to a std::string: a BIO_s_mem
// would have to be drained by copying (BIO_read) or reset by BIO_reset, which memsets
// its whole capacity on every flush; the sink hands out its bytes as a view and is
// cleared without either.
//
// Invariants: TLS renegotiation is off (SSL_OP_NO_RENEGOTIATION), so after the
// handshake write() never needs to read and read() never needs to write except for
// TLS 1.3 post-handshake messages (key updates, tickets), whose answers land in
// output() like any other ciphertext: callers flush output() after every call.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "corio/net/ssl.hpp"

namespace corio::detail {

class TlsSession {
 public:
  /// A client (`server_side` false) or server session of `ctx`. `server_hostname` is
  /// sent in SNI (unless it is an IP address) and checked against the certificate if
  /// ctx.check_hostname(); ValueError if that check is on and the name is empty.
  TlsSession(const SSLContext& ctx, bool server_side, std::string server_hostname);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  /// Advances the handshake with the input fed so far: true once it is complete, false
  /// while it needs more input. Throws SSLCertVerificationError when the peer's
  /// certificate is refused, SSLError for any other failure (the alert for the peer is
  /// in output()).
  bool do_handshake();
  bool established() const noexcept { return established_; }

  /// Ciphertext received from the peer.
  void feed(const char* data, std::size_t n);

  enum class ReadStatus { Data, NeedMore, CloseNotify };
  /// Decrypts into [dst, dst + cap): the bytes written, with `status` Data, or 0 with
  /// NeedMore (no complete record buffered) or CloseNotify (the peer closed cleanly).
  /// SSLError for a corrupt record or a fatal alert from the peer.
  std::size_t read(char* dst, std::size_t cap, ReadStatus& status);

  /// Encrypts all of `plain` into output(). SSLError if the session failed.
  void write(std::string_view plain);
  /// Queues close_notify once (nothing before the handshake completed or after a
  /// failure: there is no session to close then).
  void shutdown() noexcept;

  /// Ciphertext produced and not sent yet.
  std::string_view output() const noexcept { return out_; }
  void clear_output() noexcept { out_.clear(); }

  const SSL* ssl() const noexcept { return ssl_; }
  const SSLContext& context() const noexcept { return ctx_; }
  bool server_side() const noexcept { return server_side_; }
  const std::string& server_hostname() const noexcept { return hostname_; }
  bool close_notify_received() const noexcept { return close_notify_received_; }
  bool close_notify_sent() const noexcept { return close_notify_sent_; }

 private:
  [[noreturn]] void raise_handshake_error(int err);

  SSLContext ctx_;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  std::string out_;      // the output sink's buffer
  bool server_side_;
  std::string hostname_;
  bool established_ = false;
  bool failed_ = false;
  bool close_notify_received_ = false;
  bool close_notify_sent_ = false;
};

}  // namespace corio::detail
