// The CONNECT tunnel (see proxy_tunnel.hpp).
#include "proxy_tunnel.hpp"

#include <cctype>

#include "corio/http/client_exceptions.hpp"
#include "corio/net/errors.hpp"

namespace corio::http::detail {

namespace {

// A proxy's answer to CONNECT is a status line and a few headers; anything longer is
// not a proxy we can talk to.
constexpr std::size_t kMaxProxyHead = 16 * 1024;

struct ProxyAnswer {
  int status = 0;
  std::string reason;
};

/// Parses "HTTP/1.x NNN reason\r\n..." ; status 0 when it is not a status line.
ProxyAnswer parse_status_line(const std::string& head) {
  ProxyAnswer a;
  std::string_view line(head);
  line = line.substr(0, line.find("\r\n"));
  if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ') return a;
  for (std::size_t i = 9; i < 12; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return a;
  }
  a.status = std::stoi(std::string(line.substr(9, 3)));
  if (line.size() > 13) a.reason = std::string(line.substr(13));
  return a;
}

}  // namespace

std::string basic_authorization(const std::string& user, const std::string& password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = user + ":" + password;
  std::string out = "Basic ";
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Coro<void> open_tunnel(StreamReader& reader, StreamWriter& writer, const Tunnel& tunnel, const SSLContext& tls,
                       const std::string& what) {
  std::string authority = tunnel.host;
  if (authority.find(':') != std::string::npos) authority = "[" + authority + "]";  // an IPv6 literal
  authority += ":" + std::to_string(tunnel.port);
  std::string via = "CONNECT " + authority + " through proxy " + tunnel.proxy + " (" + what + ")";
  std::string target_url = "https://" + authority;

  std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (!tunnel.authorization.empty()) request += "Proxy-Authorization: " + tunnel.authorization + "\r\n";
  request += "\r\n";

  std::string head;
  std::string failure;
  try {
    writer.write(request);
    co_await writer.drain();
    head = co_await reader.readuntil("\r\n\r\n");
  } catch (const IncompleteReadError&) {
    failure = "the proxy closed the connection before answering";
  } catch (const LimitOverrunError&) {
    failure = "the proxy's answer head is too long";
  } catch (const OSError& e) {
    failure = std::string("the connection to the proxy failed: ") + e.what();
  }
  if (failure.empty() && head.size() > kMaxProxyHead) failure = "the proxy's answer head is too long";
  ProxyAnswer answer;
  if (failure.empty()) {
    answer = parse_status_line(head);
    if (answer.status == 0) failure = "the proxy's answer is not an HTTP status line";
  }
  if (!failure.empty()) throw ClientProxyConnectionError(0, "Cannot " + via + ": " + failure, tunnel.host, tunnel.port);
  if (answer.status < 200 || answer.status > 299) {
    throw ClientHttpProxyError(answer.status, answer.reason + " (refused " + via + ")",
                               target_url);
  }

  StartTLSOptions options;
  options.server_hostname = std::string_view(tunnel.host);
  try {
    co_await writer.start_tls(tls, options);
  } catch (const OSError& e) {
    throw ClientConnectorError(e.errno_value(),
                               "Cannot connect to host " + authority + " ssl:default [" + e.what() + "] through proxy " +
                                   tunnel.proxy + " (" + what + ")",
                               tunnel.host, tunnel.port);
  } catch (const RuntimeError& e) {
    throw ClientProxyConnectionError(0, "Cannot " + via + ": " + e.what(), tunnel.host, tunnel.port);
  }
}

}  // namespace corio::http::detail
