// multipart/form-data on the server: post() with fields and files, the streaming
// MultipartReader on a body larger than client_max_size, and malformed bodies (400)
// and oversized ones (413).
#include <gtest/gtest.h>

#include "web_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;

// Bytes full of near-misses of the delimiters "\r\n--XyZ" and "\r\n--XyZ123" ("\r\n--",
// "\r\n--Xy", "\r\n--XyY") without one of them.
std::string tricky_bytes(std::size_t n) {
  std::string s;
  const std::string pieces[] = {"\r\n--", "\r\n--XyY", "\r\n--Xy", "-", std::string("\0\xff", 2), "abc"};
  for (std::size_t i = 0; s.size() < n; ++i) s += pieces[(i * 7 + i / 3) % 6];
  s.resize(n);
  return s;
}

struct Part {
  std::string headers;  // "Content-Disposition: ...\r\n..." each line ending in CRLF
  std::string body;
};

std::string multipart_body(const std::string& boundary, const std::vector<Part>& parts) {
  std::string out = "preamble to ignore\r\n";
  for (const Part& p : parts) out += "--" + boundary + "\r\n" + p.headers + "\r\n" + p.body + "\r\n";
  out += "--" + boundary + "--\r\nepilogue to ignore";
  return out;
}

Coro<HttpReply> post_raw(std::uint16_t port, std::string path, std::string content_type, std::string body) {
  Client c = co_await Client::connect(port);
  std::string head = "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: " + content_type +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  co_await c.send(head + body);
  co_return co_await read_reply(c.reader);
}

class MultipartTest : public WebTest {
 protected:
  void SetUp() override {
    // Echoes what post() found as JSON (file bytes in hex).
    app.add_post("/form", [](Request& req) -> Coro<Response> {
      http::MultiDict form = co_await req.post();
      nlohmann::json j;
      j["fields"] = nlohmann::json::array();
      for (const auto& [k, v] : form) j["fields"].push_back({k, v});
      j["files"] = nlohmann::json::array();
      for (const web::FileField& f : req.files()) {
        j["files"].push_back({{"name", f.name},
                              {"filename", f.filename},
                              {"content_type", f.content_type},
                              {"data", hex(f.data)}});
      }
      co_return web::json_response(j);
    });
    app.add_post("/stream", [](Request& req) -> Coro<Response> {
      web::MultipartReader reader = req.multipart();
      nlohmann::json j = nlohmann::json::array();
      while (true) {
        std::optional<web::BodyPartReader> part = co_await reader.next();
        if (!part) break;
        if (part->name() == "skipped") continue;  // next() skips an unread part
        std::string data;
        std::size_t largest = 0;
        while (true) {
          std::string chunk = co_await part->read_chunk(1000);
          if (chunk.empty()) break;
          largest = std::max(largest, chunk.size());
          data += chunk;
        }
        EXPECT_TRUE(part->at_eof());
        j.push_back({{"name", part->name().value_or("")},
                     {"filename", part->filename().value_or("")},
                     {"size", data.size()},
                     {"largest_chunk", largest},
                     {"hash", std::hash<std::string>{}(data)}});
      }
      EXPECT_TRUE(reader.at_eof());
      co_return web::json_response(j);
    });
    start();
  }

  nlohmann::json post_form(std::string content_type, std::string body) {
    HttpReply r = run(post_raw(port, "/form", std::move(content_type), std::move(body)));
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }
};

TEST_F(MultipartTest, PostParsesFieldsAndFiles) {
  const std::string file = tricky_bytes(50'000);
  std::vector<Part> parts = {
      {"Content-Disposition: form-data; name=\"title\"\r\n", "Hello \xC3\xB6"},
      {"Content-Disposition: form-data; name=\"upload\"; filename=\"a b;c.bin\"\r\nContent-Type: image/png\r\n", file},
      {"Content-Disposition: form-data; name=\"title\"\r\n", ""},
      {"content-disposition: form-data; name=\"empty-file\"; filename=\"\"\r\n", "x"},
      {"Content-Disposition: form-data; name=\"plain\"; filename*=UTF-8''na%C3%AFve.txt\r\n", "p"},
  };
  nlohmann::json j = post_form("multipart/form-data; boundary=XyZ123", multipart_body("XyZ123", parts));
  EXPECT_EQ(j["fields"], nlohmann::json::parse(R"([["title","Hello \u00f6"],["title",""],["empty-file","x"]])"));
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["name"], "upload");
  EXPECT_EQ(j["files"][0]["filename"], "a b;c.bin");
  EXPECT_EQ(j["files"][0]["content_type"], "image/png");
  EXPECT_TRUE(j["files"][0]["data"] == hex(file));
  EXPECT_EQ(j["files"][1]["filename"], "na\xC3\xAFve.txt");
  EXPECT_EQ(j["files"][1]["content_type"], "application/octet-stream");
  EXPECT_EQ(j["files"][1]["data"], hex("p"));
}

TEST_F(MultipartTest, QuotedBoundaryAndNoPreamble) {
  std::string body = "--a:b c\r\nContent-Disposition: form-data; name=k\r\n\r\nv\r\n--a:b c--";
  nlohmann::json j = post_form("multipart/form-data; charset=utf-8; boundary=\"a:b c\"", body);
  EXPECT_EQ(j["fields"], nlohmann::json::parse(R"([["k","v"]])"));
}

TEST_F(MultipartTest, MalformedBodiesAnswer400) {
  const std::string ok_part = "--B\r\nContent-Disposition: form-data; name=k\r\n\r\nv\r\n";
  struct Case {
    std::string content_type, body, message;
  };
  const Case cases[] = {
      {"multipart/form-data", ok_part + "--B--", "without a valid boundary"},
      {"multipart/form-data; boundary=\"\"", ok_part + "--B--", "without a valid boundary"},
      {"multipart/form-data; boundary=B", ok_part, "no closing delimiter"},
      {"multipart/form-data; boundary=B", "no delimiter at all", "no boundary delimiter"},
      {"multipart/form-data; boundary=B", "--B\r\nX-Big: " + std::string(9000, 'h') + "\r\n\r\nv\r\n--B--",
       "part headers larger than 8192 bytes"},
      {"multipart/form-data; boundary=B", "--B\r\nno colon here\r\n\r\nv\r\n--B--", "bad part header line"},
      {"multipart/form-data; boundary=B", "--Bjunk\r\n\r\nv\r\n--B--", "boundary not followed by CRLF"},
      {"multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=k\r\n\r\nv", "no closing delimiter"},
  };
  for (const Case& c : cases) {
    HttpReply r = run(post_raw(port, "/form", c.content_type, c.body));
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << r.body;
    HttpReply s = run(post_raw(port, "/stream", c.content_type, c.body));
    EXPECT_EQ(s.status, 400) << c.body;
  }
  HttpReply not_multipart = run(post_raw(port, "/stream", "text/plain", "x"));
  EXPECT_EQ(not_multipart.status, 400);
  EXPECT_NE(not_multipart.body.find("expected a multipart body"), std::string::npos);
}

TEST_F(MultipartTest, PostIsLimitedByClientMaxSize) {
  HttpReply r = run([](std::uint16_t p) -> Coro<HttpReply> {
    // Announced larger than the 1 MiB default: refused before the body is read.
    Client c = co_await Client::connect(p);
    co_await c.send("POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=B\r\n"
                    "Content-Length: 2097152\r\n\r\n--B\r\n");
    co_return co_await read_reply(c.reader);
  }(port));
  EXPECT_EQ(r.status, 413);
}

TEST_F(MultipartTest, StreamingReaderHandlesUploadsBeyondClientMaxSize) {
  const std::string big = tricky_bytes(3 * 1024 * 1024 + 5);  // 3x the 1 MiB post() limit
  std::vector<Part> parts = {
      {"Content-Disposition: form-data; name=\"skipped\"\r\n", tricky_bytes(70'000)},
      {"Content-Disposition: form-data; name=\"note\"\r\n", "hi"},
      {"Content-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n", big},
  };
  HttpReply r = run(post_raw(port, "/stream", "multipart/form-data; boundary=XyZ", multipart_body("XyZ", parts)));
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "note");
  EXPECT_EQ(j[0]["size"], 2);
  EXPECT_EQ(j[0]["hash"], std::hash<std::string>{}("hi"));
  EXPECT_EQ(j[1]["filename"], "big.bin");
  EXPECT_EQ(j[1]["size"], big.size());
  EXPECT_EQ(j[1]["largest_chunk"], 1000);
  EXPECT_EQ(j[1]["hash"], std::hash<std::string>{}(big));
}

TEST_F(MultipartTest, StreamingReaderSeesPartsSplitAcrossReads) {
  // The body arrives a few bytes at a time, so delimiters and headers straddle reads.
  std::vector<Part> parts = {{"Content-Disposition: form-data; name=\"a\"\r\n", "\r\n-\r\n--XyY-"},
                             {"Content-Disposition: form-data; name=\"b\"; filename=\"f\"\r\n", "second"}};
  const std::string body = multipart_body("XyZ", parts);
  HttpReply r = run([](std::uint16_t p, std::string body) -> Coro<HttpReply> {
    Client c = co_await Client::connect(p);
    co_await c.send("POST /stream HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");
    for (std::size_t i = 0; i < body.size(); i += 3) {
      std::string piece = body.substr(i, 3);
      std::string chunk = "3\r\n" + piece + "\r\n";
      if (piece.size() != 3) chunk = std::to_string(piece.size()) + "\r\n" + piece + "\r\n";
      co_await c.send(chunk);
    }
    co_await c.send("0\r\n\r\n");
    co_return co_await read_reply(c.reader);
  }(port, body));
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["hash"], std::hash<std::string>{}("\r\n-\r\n--XyY-"));
  EXPECT_EQ(j[1]["hash"], std::hash<std::string>{}("second"));
}

}  // namespace
}  // namespace corio::test
