// ClientSession against scripted loopback servers: what goes on the wire, response
// heads, bodies in every framing (Content-Length, chunked, until close, none for HEAD
// and 204/304), gzip and deflate, streamed reads, JSON, and the errors of bad bodies,
// bad URLs and refused connections.
#include <zlib.h>

#include "client_test_util.hpp"

namespace corio::test {
namespace {

using namespace corio::http;

/// Answers every request on every connection with `response`, counting connections
/// and keeping the last request.
struct Scripted {
  std::string response;
  int connections = 0;
  int requests = 0;
  std::string last_request{};
  ClientConnectedCallback handler() {
    return [this](StreamReader r, StreamWriter w) -> Coro<void> {
      ++connections;
      try {
        for (;;) {
          std::string req = co_await read_request(r);
          if (req.empty()) break;
          ++requests;
          last_request = req;
          w.write(response);
          co_await w.drain();
        }
      } catch (const ConnectionError&) {
        // A client that closes with a response unread resets the connection.
      }
    };
  }
};

std::string gzip(const std::string& data, int window_bits) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

using ClientSessionTest = ClientTest;

TEST_F(ClientSessionTest, GetSendsAWellFormedRequestAndReturnsHeadAndBody) {
  Scripted s{.response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Tag: a\r\nX-Tag: b\r\n\r\nhello"};
  run([&]() -> Coro<void> {
    auto handler = s.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    // Options are bound to a named variable: g++ 12 destroys a braced RequestOptions
    // written inside the co_await expression twice (see client_session.hpp).
    RequestOptions opts{.params = {{"q", "a b"}}};
    auto resp = co_await session.get(url_of(server, "/path"), opts);
    EXPECT_EQ(resp.status(), 200);
    EXPECT_EQ(resp.reason(), "OK");
    EXPECT_EQ(resp.headers().getall("x-tag").size(), 2U);
    EXPECT_EQ(resp.content_length(), 5U);
    EXPECT_EQ(co_await resp.text(), "hello");
    EXPECT_EQ(co_await resp.read(), "hello") << "the body is cached";
    EXPECT_EQ(resp.url().str(), url_of(server, "/path?q=a+b"));
    EXPECT_TRUE(s.last_request.starts_with("GET /path?q=a+b HTTP/1.1\r\n")) << s.last_request;
    EXPECT_NE(s.last_request.find("\r\nHost: 127.0.0.1:" + std::to_string(port_of(server)) + "\r\n"),
              std::string::npos);
    EXPECT_NE(s.last_request.find("\r\nAccept-Encoding: gzip, deflate\r\n"), std::string::npos);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, AKeptAliveConnectionServesTheNextRequest) {
  Scripted s{.response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  run([&]() -> Coro<void> {
    auto handler = s.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    for (int i = 0; i < 5; ++i) {
      auto resp = co_await session.get(url_of(server));
      EXPECT_EQ(co_await resp.text(), "ok");
    }
    EXPECT_EQ(s.connections, 1);
    EXPECT_EQ(s.requests, 5);
    EXPECT_EQ(session.connector().statistics().reused, 4U);
    EXPECT_EQ(session.connector().statistics().idle, 1U);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, ChunkedBodiesAreDecodedAcrossArbitrarySplits) {
  run([&]() -> Coro<void> {
    ClientConnectedCallback handler = [](StreamReader r, StreamWriter w) -> Coro<void> {
      co_await read_request(r);
      const std::string wire =
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n";
      for (char c : wire) {  // one byte a write: every callback of the parser is split
        w.write(std::string(1, c));
        co_await w.drain();
      }
      co_await read_request(r);
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    auto resp = co_await session.get(url_of(server));
    EXPECT_EQ(co_await resp.text(), "hello world!");
    EXPECT_EQ(session.connector().statistics().idle, 1U) << "a complete chunked body returns the connection";
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, GzipAndDeflateBodiesAreInflated) {
  std::string text(100000, 'x');
  for (std::size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  for (auto [encoding, bits] : {std::pair{"gzip", 16 + 15}, {"deflate", 15}, {"deflate", -15}}) {
    std::string z = gzip(text, bits);
    Scripted s{.response = std::string("HTTP/1.1 200 OK\r\nContent-Encoding: ") + encoding +
                           "\r\nContent-Length: " + std::to_string(z.size()) + "\r\n\r\n" + z};
    run([&]() -> Coro<void> {
      auto handler = s.handler();
      Server server = co_await start_server(handler, "127.0.0.1", 0);
      ClientSession session;
      auto resp = co_await session.get(url_of(server));
      EXPECT_EQ(co_await resp.read(), text) << encoding << " " << bits;
      ClientSession raw({.auto_decompress = false});
      auto resp2 = co_await raw.get(url_of(server));
      EXPECT_EQ(co_await resp2.read(), z) << "auto_decompress=false keeps the encoded bytes";
      co_await raw.close();
      co_await session.close();
      server.close();
      co_await server.wait_closed();
    }());
  }
}

TEST_F(ClientSessionTest, ABodyWithoutLengthEndsWhenTheServerCloses) {
  run([&]() -> Coro<void> {
    ClientConnectedCallback handler = [](StreamReader r, StreamWriter w) -> Coro<void> {
      co_await read_request(r);
      w.write("HTTP/1.1 200 OK\r\n\r\nuntil ");
      co_await w.drain();
      w.write("close");
      w.close();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    auto resp = co_await session.get(url_of(server));
    EXPECT_EQ(co_await resp.text(), "until close");
    EXPECT_EQ(session.connector().statistics().idle, 0U) << "a connection read to its close is not pooled";
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, TruncatedBodiesRaiseClientPayloadError) {
  for (std::string wire : {std::string("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n1234"),
                           std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")}) {
    run([&]() -> Coro<void> {
      ClientConnectedCallback handler = [wire](StreamReader r, StreamWriter w) -> Coro<void> {
        co_await read_request(r);
        w.write(wire);
        w.close();
      };
      Server server = co_await start_server(handler, "127.0.0.1", 0);
      ClientSession session;
      auto resp = co_await session.get(url_of(server, "/cut"));
      bool raised = false;
      try {
        co_await resp.read();
      } catch (const ClientPayloadError& e) {
        raised = true;
        EXPECT_NE(std::string(e.what()).find("/cut"), std::string::npos) << e.what();
      }
      EXPECT_TRUE(raised) << wire;
      co_await session.close();
      server.close();
      co_await server.wait_closed();
    }());
  }
}

TEST_F(ClientSessionTest, HeadAnd204And304ResponsesHaveNoBody) {
  run([&]() -> Coro<void> {
    ClientConnectedCallback handler = [](StreamReader r, StreamWriter w) -> Coro<void> {
      for (;;) {
        std::string req = co_await read_request(r);
        if (req.empty()) break;
        if (req.starts_with("HEAD")) {
          w.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        } else if (req.starts_with("GET /204")) {
          w.write("HTTP/1.1 204 No Content\r\n\r\n");
        } else if (req.starts_with("GET /304")) {
          w.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n");
        } else {
          w.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody");
        }
        co_await w.drain();
      }
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    auto head = co_await session.head(url_of(server));
    EXPECT_EQ(head.content_length(), 1000U);
    EXPECT_EQ(co_await head.read(), "");
    auto r204 = co_await session.get(url_of(server, "/204"));
    EXPECT_EQ(r204.status(), 204);
    EXPECT_EQ(co_await r204.read(), "");
    auto r304 = co_await session.get(url_of(server, "/304"));
    EXPECT_EQ(co_await r304.read(), "");
    auto after = co_await session.get(url_of(server, "/after"));
    EXPECT_EQ(after.status(), 200) << "the interim 100 Continue is skipped";
    EXPECT_EQ(co_await after.read(), "body");
    EXPECT_EQ(session.connector().statistics().connections_made, 1U) << "no body was waited for";
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, ContentIsStreamedInChunksAndLines) {
  std::string body;  // far more than one read takes: the second response is cut short
  for (int i = 0; i < 200000; ++i) body += "line " + std::to_string(i) + "\n";
  Scripted s{.response = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body};
  run([&]() -> Coro<void> {
    auto handler = s.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    auto resp = co_await session.get(url_of(server));
    auto chunks = resp.content().iter_chunked(512);
    std::string got;
    std::size_t count = 0;
    for (;;) {  // no co_await in a loop condition: g++ 12 miscompiles some
      auto chunk = co_await chunks.next();
      if (!chunk) break;
      EXPECT_LE(chunk->size(), 512U);
      got += *chunk;
      ++count;
    }
    EXPECT_EQ(got, body);
    EXPECT_GE(count, body.size() / 512);
    EXPECT_TRUE(resp.content().at_eof());

    auto resp2 = co_await session.get(url_of(server));
    EXPECT_EQ(co_await resp2.content().readline(), "line 0\n");
    EXPECT_EQ(co_await resp2.content().readexactly(7), "line 1\n");
    EXPECT_EQ(co_await resp2.content().read(4), "line");
    resp2.release();  // the rest is not read: the connection is closed, not pooled
    EXPECT_EQ(session.connector().statistics().idle, 0U);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, JsonGoesOutAndComesBack) {
  run([&]() -> Coro<void> {
    ClientConnectedCallback handler = [](StreamReader r, StreamWriter w) -> Coro<void> {
      for (;;) {
        std::string req = co_await read_request(r);
        if (req.empty()) break;
        std::string body = body_of(req);
        w.write("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
        co_await w.drain();
      }
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    RequestOptions opts{.json = nlohmann::json{{"a", 1}, {"b", {1, 2}}}};
    auto resp = co_await session.post(url_of(server), opts);
    EXPECT_EQ(resp.content_type(), "application/json");
    EXPECT_EQ(resp.charset(), "utf-8");
    nlohmann::json j = co_await resp.json();
    EXPECT_EQ(j["a"], 1);
    EXPECT_EQ(j["b"][1], 2);
    RequestOptions text{.data = std::string("{}")};
    auto plain = co_await session.post(url_of(server), text);
    bool wrong_type = false;
    try {
      co_await plain.json("text/plain");
    } catch (const ContentTypeError& e) {
      wrong_type = std::string(e.what()).find("application/json") != std::string::npos;
    }
    EXPECT_TRUE(wrong_type) << "json(content_type) checks the media type";
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, FormAndRawBodiesCarryTheirLengthAndType) {
  Scripted s{.response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"};
  run([&]() -> Coro<void> {
    auto handler = s.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    RequestOptions form{.form = MultiDict{{"a", "1 2"}, {"b", "&"}}};
    co_await session.post(url_of(server), form);
    EXPECT_EQ(body_of(s.last_request), "a=1+2&b=%26");
    EXPECT_NE(s.last_request.find("Content-Type: application/x-www-form-urlencoded"), std::string::npos);
    RequestOptions raw{.data = std::string("raw\0bytes", 9)};
    co_await session.put(url_of(server), raw);
    EXPECT_EQ(body_of(s.last_request), std::string("raw\0bytes", 9));
    EXPECT_NE(s.last_request.find("Content-Length: 9\r\n"), std::string::npos);
    co_await session.post(url_of(server));
    EXPECT_NE(s.last_request.find("Content-Length: 0\r\n"), std::string::npos);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, RaiseForStatusNamesStatusAndURL) {
  Scripted s{.response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"};
  run([&]() -> Coro<void> {
    auto handler = s.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    auto resp = co_await session.get(url_of(server, "/missing"));
    EXPECT_FALSE(resp.ok());
    try {
      resp.raise_for_status();
      ADD_FAILURE() << "no exception";
    } catch (const ClientResponseError& e) {
      EXPECT_EQ(e.status, 404);
      EXPECT_EQ(e.message, "Not Found");
      EXPECT_NE(std::string(e.what()).find("/missing"), std::string::npos);
    }
    bool raised = false;
    try {
      RequestOptions opts{.raise_for_status = true};
      co_await session.get(url_of(server, "/missing"), opts);
    } catch (const ClientResponseError&) {
      raised = true;
    }
    EXPECT_TRUE(raised);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, GarbageInsteadOfAResponseIsAClientResponseError) {
  Scripted s{.response = "SSH-2.0-OpenSSH\r\n\r\n"};
  run([&]() -> Coro<void> {
    auto handler = s.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    bool raised = false;
    try {
      co_await session.get(url_of(server));
    } catch (const ClientResponseError& e) {
      raised = true;
      EXPECT_NE(std::string(e.what()).find("Invalid HTTP response"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(raised);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientSessionTest, BadURLsAndRefusedConnectionsRaiseClientErrors) {
  run([&]() -> Coro<void> {
    ClientSession session;
    bool invalid = false, relative = false, refused = false;
    try {
      co_await session.get("ftp://127.0.0.1/x");
    } catch (const InvalidURL& e) {
      invalid = std::string(e.what()).find("ftp://127.0.0.1/x") != std::string::npos;
    }
    try {
      co_await session.get("/relative");
    } catch (const InvalidURL&) {
      relative = true;
    }
    Socket probe(AF_INET, SOCK_STREAM);
    probe.bind(SocketAddress("127.0.0.1", 0));
    std::uint16_t port = probe.getsockname().port();
    probe.close();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/nothing";
    try {
      co_await session.get(url);
    } catch (const ClientConnectorError& e) {
      refused = std::string(e.what()).find(url) != std::string::npos && e.port == port;
    }
    EXPECT_TRUE(invalid);
    EXPECT_TRUE(relative);
    EXPECT_TRUE(refused);
    co_await session.close();
    bool closed = false;
    try {
      co_await session.get(url);
    } catch (const RuntimeError&) {
      closed = true;
    }
    EXPECT_TRUE(closed) << "a closed session refuses requests";
  }());
}

TEST_F(ClientSessionTest, BaseURLJoinsRelativeRequests) {
  Scripted s{.response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"};
  run([&]() -> Coro<void> {
    auto handler = s.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session({.base_url = URL(url_of(server, "/api/"))});
    co_await session.get("v1/items");
    EXPECT_TRUE(s.last_request.starts_with("GET /api/v1/items HTTP/1.1")) << s.last_request;
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
