// The HTTP client's exceptions, with aiohttp's names and hierarchy:
//
//   ClientError                               (corio::Error)
//   ├── ClientResponseError                   status, message, url (raise_for_status)
//   │   ├── ContentTypeError                  json() on a non-JSON response
//   │   ├── TooManyRedirects                  more than max_redirects hops
//   │   └── ClientHttpProxyError              a proxy refused CONNECT (its status)
//   ├── ClientConnectionError
//   │   ├── ClientOSError                     an OSError on the connection (errno kept)
//   │   │   └── ClientConnectorError          DNS or connect failure (host, port)
//   │   │       └── ClientProxyConnectionError  the proxy failed us (closed, garbage)
//   │   └── ServerConnectionError
//   │       ├── ServerDisconnectedError       closed before a complete response head
//   │       └── ServerTimeoutError            a connect or read timeout
//   │           ├── ConnectionTimeoutError    connect / sock_connect / pool
//   │           └── SocketTimeoutError        sock_read
//   ├── ClientPayloadError                    a truncated or undecodable body
//   └── InvalidURL                            a URL that cannot be requested
//
// Every message names the URL. The `total` deadline raises corio::TimeoutError (asyncio's
// TimeoutError, as aiohttp does), which is not a ClientError. Unlike aiohttp,
// ServerTimeoutError does not also derive from TimeoutError: C++ cannot derive from two
// std::runtime_error bases without making `catch (const std::exception&)` miss it (see
// docs/differences.md).
#pragma once

#include <string>

#include "corio/core/exceptions.hpp"

namespace corio::http {

/// Root of the client's errors (aiohttp.ClientError).
class ClientError : public Error {
 public:
  using Error::Error;
};

/// A response whose status is an error, raised by raise_for_status()
/// (aiohttp.ClientResponseError). `message` is the reason phrase.
class ClientResponseError : public ClientError {
 public:
  ClientResponseError(int status, std::string message, std::string url);
  int status;
  std::string message;
  std::string url;
};

/// json() on a response whose Content-Type is not JSON (aiohttp.ContentTypeError).
class ContentTypeError : public ClientResponseError {
 public:
  using ClientResponseError::ClientResponseError;
};

/// A redirect chain longer than max_redirects (aiohttp.TooManyRedirects).
class TooManyRedirects : public ClientResponseError {
 public:
  using ClientResponseError::ClientResponseError;
};

/// An http proxy answered CONNECT (the tunnel for an https URL) with a non-2xx status
/// (aiohttp.ClientHttpProxyError): `status` is the proxy's, `url` the target's, and
/// `message` names the proxy.
class ClientHttpProxyError : public ClientResponseError {
 public:
  using ClientResponseError::ClientResponseError;
};

/// A problem with the connection (aiohttp.ClientConnectionError).
class ClientConnectionError : public ClientError {
 public:
  using ClientError::ClientError;
};

/// An OSError on the connection; errno_value() is the errno (aiohttp.ClientOSError).
class ClientOSError : public ClientConnectionError {
 public:
  ClientOSError(int err, const std::string& message) : ClientConnectionError(message), errno_(err) {}
  int errno_value() const noexcept { return errno_; }

 private:
  int errno_;
};

/// Resolving or connecting to host:port failed (aiohttp.ClientConnectorError). The
/// message holds the OSError (or gaierror) that caused it.
class ClientConnectorError : public ClientOSError {
 public:
  ClientConnectorError(int err, const std::string& message, std::string host, int port)
      : ClientOSError(err, message), host(std::move(host)), port(port) {}
  std::string host;
  int port;
};

/// Connecting to an http proxy failed, or it closed the connection or sent no HTTP
/// answer to CONNECT (aiohttp.ClientProxyConnectionError). host and port are the
/// proxy's when connecting to it failed, the target's when the tunnel did.
class ClientProxyConnectionError : public ClientConnectorError {
 public:
  using ClientConnectorError::ClientConnectorError;
};

/// The server side failed (aiohttp.ServerConnectionError).
class ServerConnectionError : public ClientConnectionError {
 public:
  using ClientConnectionError::ClientConnectionError;
};

/// The server closed the connection before sending a complete response head
/// (aiohttp.ServerDisconnectedError).
class ServerDisconnectedError : public ServerConnectionError {
 public:
  using ServerConnectionError::ServerConnectionError;
};

/// A connect or read deadline passed (aiohttp.ServerTimeoutError).
class ServerTimeoutError : public ServerConnectionError {
 public:
  using ServerConnectionError::ServerConnectionError;
};

/// Connecting (or waiting for a pooled connection) took too long
/// (aiohttp.ConnectionTimeoutError).
class ConnectionTimeoutError : public ServerTimeoutError {
 public:
  using ServerTimeoutError::ServerTimeoutError;
};

/// No byte arrived within sock_read (aiohttp.SocketTimeoutError).
class SocketTimeoutError : public ServerTimeoutError {
 public:
  using ServerTimeoutError::ServerTimeoutError;
};

/// The body was cut short (Content-Length not reached, chunked stream cut) or could not
/// be decoded (aiohttp.ClientPayloadError).
class ClientPayloadError : public ClientError {
 public:
  using ClientError::ClientError;
};

/// A URL that cannot be requested: no scheme or host, a bad port, an unsupported
/// scheme (aiohttp.InvalidURL).
class InvalidURL : public ClientError {
 public:
  using ClientError::ClientError;
};

}  // namespace corio::http
