// ClientResponse: head accessors, whole-body reads, raise_for_status, release (see
// client_response.hpp).
#include "corio/http/client_response.hpp"

#include <cctype>
#include <charconv>

#include "corio/http/client_exceptions.hpp"
#include "response_state.hpp"

namespace corio::http {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

ClientResponse::ClientResponse(std::shared_ptr<detail::ResponseState> state, std::string method, URL url)
    : s_(state), content_(std::move(state)), method_(std::move(method)), url_(std::move(url)) {}

ClientResponse& ClientResponse::operator=(ClientResponse&& o) noexcept {
  if (this != &o) {
    release();
    s_ = std::move(o.s_);
    content_ = std::move(o.content_);
    method_ = std::move(o.method_);
    url_ = std::move(o.url_);
    history_ = std::move(o.history_);
    body_ = std::move(o.body_);
    released_ = o.released_;
  }
  return *this;
}

int ClientResponse::status() const noexcept { return s_->parser.status; }
const std::string& ClientResponse::reason() const noexcept { return s_->parser.reason; }
const Headers& ClientResponse::headers() const noexcept { return s_->parser.headers; }
std::pair<int, int> ClientResponse::version() const noexcept {
  return {s_->parser.http_major, s_->parser.http_minor};
}

std::string ClientResponse::content_type() const {
  auto ct = headers().get("Content-Type");
  if (!ct) return "application/octet-stream";
  std::string_view v = trim(ct->substr(0, ct->find(';')));
  std::string out(v);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> ClientResponse::charset() const {
  auto ct = headers().get("Content-Type");
  if (!ct) return std::nullopt;
  std::string_view rest = *ct;
  while (true) {
    auto semi = rest.find(';');
    if (semi == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(semi + 1);
    std::string_view param = trim(rest.substr(0, rest.find(';')));
    auto eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "charset")) {
      std::string_view v = trim(param.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
}

std::optional<std::size_t> ClientResponse::content_length() const {
  auto cl = headers().get("Content-Length");
  if (!cl) return std::nullopt;
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
  if (ec != std::errc()) return std::nullopt;
  return n;
}

void ClientResponse::raise_for_status() {
  if (ok()) return;
  release();
  throw ClientResponseError(status(), reason(), url_.human_repr());
}

Coro<std::string> ClientResponse::read() {
  if (!body_) {
    // Not `if (!body_) body_ = co_await ...;`: g++ 12 miscompiles that form (the awaited
    // Coro was created but never resumed, and the task hung).
    std::string body = co_await content_.read(-1);
    body_ = std::move(body);
  }
  co_return *body_;
}

Coro<std::string> ClientResponse::text() { co_return co_await read(); }

Coro<nlohmann::json> ClientResponse::json(std::string content_type) {
  // As aiohttp: "application/json" also accepts the application/<x>+json types.
  std::string actual = this->content_type();
  bool json_family = content_type == "application/json" && actual.starts_with("application/") && actual.ends_with("+json");
  if (!content_type.empty() && actual != content_type && !json_family) {
    release();
    throw ContentTypeError(status(),
                           "Attempt to decode JSON with unexpected mimetype: " + this->content_type(),
                           url_.human_repr());
  }
  std::string body = co_await read();
  co_return nlohmann::json::parse(body);
}

void ClientResponse::release() noexcept {
  if (!s_ || released_) return;
  released_ = true;
  s_->release();
}

void ClientResponse::close() noexcept {
  if (!s_) return;
  released_ = true;
  if (!s_->eof) {
    if (s_->h2) s_->h2->release();
    s_->lease.close();
  }
}

}  // namespace corio::http
