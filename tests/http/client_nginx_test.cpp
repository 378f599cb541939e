// ClientSession against a real nginx on loopback: keep-alive reuse proven with nginx's
// own $connection / $connection_requests, redirects, cookies set by add_header, large
// and gzip-encoded downloads, streaming in 512-byte chunks, HEAD, many concurrent
// requests through a limited pool.
#include <memory>
#include <random>
#include <set>

#include "client_nginx_fixture.hpp"
#include "client_test_util.hpp"

namespace corio::test {
namespace {

using namespace corio::http;

constexpr std::size_t kBigSize = 4 * 1024 * 1024 + 123;

class ClientNginxTest : public ClientTest {
 protected:
  static void SetUpTestSuite() {
    if (!Nginx::available()) return;
    nginx_ = std::make_unique<Nginx>(R"(
    location = /conn { return 200 "$connection $connection_requests"; }
    location = /redirect { return 301 /target; }
    location = /redirect2 { return 302 /redirect; }
    location = /loop { return 302 /loop; }
    location = /target { return 200 "target"; }
    location = /setcookie { add_header Set-Cookie "session=abc; Path=/"; return 200 "set"; }
    location = /cookie { return 200 "cookie=$http_cookie"; }
    location /files/ { types { text/plain txt; } gzip on; gzip_types text/plain; gzip_min_length 1; }
)",
                                     /*tls=*/true);
    std::filesystem::create_directories(nginx_->root() / "files");
    std::mt19937 rng(7);
    big_.resize(kBigSize);
    for (char& c : big_) c = static_cast<char>(rng());
    std::ofstream(nginx_->root() / "files" / "big.bin", std::ios::binary) << big_;
    for (int i = 0; i < 20000; ++i) text_ += "corio line " + std::to_string(i) + "\n";
    std::ofstream(nginx_->root() / "files" / "text.txt") << text_;
    nginx_->start();
  }
  static void TearDownTestSuite() { nginx_.reset(); }
  void SetUp() override {
    if (!nginx_) GTEST_SKIP() << Nginx::kBinary << " is missing: the nginx tests need it";
  }

  static std::string url(const std::string& path, const std::string& host = "127.0.0.1") {
    return nginx_->url(path, host);
  }

  static inline std::unique_ptr<Nginx> nginx_;
  static inline std::string big_;
  static inline std::string text_;
};

TEST_F(ClientNginxTest, SequentialRequestsReuseOneKeptAliveConnection) {
  run([&]() -> Coro<void> {
    ClientSession session;
    std::string first_connection;
    for (int i = 1; i <= 10; ++i) {
      auto resp = co_await session.get(url("/conn"));
      std::string body = co_await resp.text();
      auto space = body.find(' ');
      if (i == 1) first_connection = body.substr(0, space);
      EXPECT_EQ(body.substr(0, space), first_connection) << "nginx saw the same connection";
      EXPECT_EQ(body.substr(space + 1), std::to_string(i)) << "its i-th request";
    }
    EXPECT_EQ(session.connector().statistics().connections_made, 1U);
    co_await session.close();
  }());
}

TEST_F(ClientNginxTest, RedirectsAreFollowedAndKeptInHistory) {
  run([&]() -> Coro<void> {
    ClientSession session;
    auto resp = co_await session.get(url("/redirect2"));
    EXPECT_EQ(resp.status(), 200);
    EXPECT_EQ(co_await resp.text(), "target");
    EXPECT_EQ(resp.url().path(), "/target");
    EXPECT_EQ(resp.history().size(), 2U);
    if (resp.history().size() == 2) {
      EXPECT_EQ(resp.history()[0].status(), 302);
      EXPECT_EQ(resp.history()[1].status(), 301);
      EXPECT_EQ(resp.history()[1].url().path(), "/redirect");
    }
    EXPECT_EQ(session.connector().statistics().connections_made, 1U) << "redirect bodies are read, the connection reused";

    RequestOptions no_follow{.allow_redirects = false};
    auto raw = co_await session.get(url("/redirect"), no_follow);
    EXPECT_EQ(raw.status(), 301);
    EXPECT_NE(raw.headers().get("Location").value_or("").find("/target"), std::string::npos);

    RequestOptions three{.max_redirects = 3};
    bool too_many = false;
    try {
      co_await session.get(url("/loop"), three);
    } catch (const TooManyRedirects& e) {
      too_many = e.status == 302 && std::string(e.what()).find("/loop") != std::string::npos;
    }
    EXPECT_TRUE(too_many);
    co_await session.close();
  }());
}

TEST_F(ClientNginxTest, CookiesSetByTheServerAreSentBack) {
  run([&]() -> Coro<void> {
    ClientSession session;  // a safe jar: named hosts only
    co_await session.get(url("/setcookie", "localhost"));
    auto resp = co_await session.get(url("/cookie", "localhost"));
    EXPECT_EQ(co_await resp.text(), "cookie=session=abc");
    co_await session.close();

    ClientSession by_ip;
    co_await by_ip.get(url("/setcookie"));
    auto ignored = co_await by_ip.get(url("/cookie"));
    EXPECT_EQ(co_await ignored.text(), "cookie=") << "the default jar ignores IP hosts, as aiohttp's";
    co_await by_ip.close();

    ClientSession unsafe({.cookie_jar = std::make_shared<CookieJar>(true)});
    co_await unsafe.get(url("/setcookie"));
    auto sent = co_await unsafe.get(url("/cookie"));
    EXPECT_EQ(co_await sent.text(), "cookie=session=abc");
    co_await unsafe.close();
  }());
}

TEST_F(ClientNginxTest, ALargeFileDownloadsWholeAndStreamsIn512ByteChunks) {
  run([&]() -> Coro<void> {
    ClientSession session;
    auto whole = co_await session.get(url("/files/big.bin"));
    EXPECT_EQ(whole.content_length(), kBigSize);
    std::string body = co_await whole.read();
    EXPECT_TRUE(body == big_) << "got " << body.size() << " bytes";

    auto streamed = co_await session.get(url("/files/big.bin"));
    auto chunks = streamed.content().iter_chunked(512);
    std::string got;
    std::size_t count = 0, oversized = 0;
    for (;;) {
      auto chunk = co_await chunks.next();
      if (!chunk) break;
      oversized += chunk->size() > 512 ? 1 : 0;
      got += *chunk;
      ++count;
    }
    EXPECT_EQ(oversized, 0U);
    EXPECT_GE(count, kBigSize / 512);
    EXPECT_TRUE(got == big_);
    EXPECT_EQ(session.connector().statistics().connections_made, 1U);
    co_await session.close();
  }());
}

TEST_F(ClientNginxTest, GzipEncodedTextIsInflated) {
  run([&]() -> Coro<void> {
    ClientSession session;
    auto resp = co_await session.get(url("/files/text.txt"));
    EXPECT_EQ(resp.headers().get("Content-Encoding"), "gzip");
    EXPECT_TRUE(co_await resp.text() == text_);
    co_await session.close();
  }());
}

TEST_F(ClientNginxTest, HeadAndErrorStatuses) {
  run([&]() -> Coro<void> {
    ClientSession session;
    auto head = co_await session.head(url("/files/big.bin"));
    EXPECT_EQ(head.status(), 200);
    EXPECT_EQ(head.content_length(), kBigSize);
    EXPECT_EQ(co_await head.read(), "");
    auto missing = co_await session.get(url("/files/none"));
    EXPECT_EQ(missing.status(), 404);
    EXPECT_THROW(missing.raise_for_status(), ClientResponseError);
    auto after = co_await session.get(url("/conn"));
    std::string conn = co_await after.text();
    EXPECT_TRUE(conn.ends_with(" 3")) << conn << ": HEAD and 404 kept the connection usable";
    co_await session.close();
  }());
}

Coro<std::string> get_text(ClientSession& session, std::string u) {
  auto resp = co_await session.get(u);
  co_return co_await resp.text();
}

TEST_F(ClientNginxTest, ManyConcurrentRequestsShareALimitedPool) {
  run([&]() -> Coro<void> {
    ClientSession session({.connector = TCPConnector({.limit = 10})});
    std::vector<Coro<std::string>> gets;
    for (int i = 0; i < 500; ++i) gets.push_back(get_text(session, url("/conn")));
    auto bodies = co_await gather(std::move(gets));
    std::set<std::string> connections;
    for (auto& b : bodies) connections.insert(b.substr(0, b.find(' ')));
    EXPECT_LE(connections.size(), 10U);
    EXPECT_LE(session.connector().statistics().connections_made, 10U);
    co_await session.close();
  }());
}

TEST_F(ClientNginxTest, HttpsIsVerifiedAgainstTheTrustedCertificateAndKeptAlive) {
  std::string https = "https://localhost:" + std::to_string(nginx_->tls_port());
  run([&]() -> Coro<void> {
    SSLContext trusting = create_default_context(Purpose::SERVER_AUTH, nginx_->cert_file());
    ClientSession session({.connector = TCPConnector({.ssl_context = trusting})});
    for (int i = 1; i <= 3; ++i) {
      auto resp = co_await session.get(https + "/conn");
      std::string body = co_await resp.text();
      EXPECT_TRUE(body.ends_with(" " + std::to_string(i))) << body;
    }
    auto big = co_await session.get(https + "/files/big.bin");
    EXPECT_TRUE(co_await big.read() == big_);
    EXPECT_EQ(session.connector().statistics().connections_made, 1U) << "one TLS connection, kept alive";
    co_await session.close();

    ClientSession system_cas;  // the self-signed certificate is not trusted
    bool refused = false;
    try {
      co_await system_cas.get(https + "/conn");
    } catch (const ClientConnectorError& e) {
      refused = std::string(e.what()).find("localhost") != std::string::npos;
    }
    EXPECT_TRUE(refused);
    RequestOptions unverified{.ssl = false};
    auto resp = co_await system_cas.get(https + "/target", unverified);
    EXPECT_EQ(co_await resp.text(), "target") << "ssl=false skips verification";
    co_await system_cas.close();
  }());
}

}  // namespace
}  // namespace corio::test
