// FileResponse's Range and conditional requests: 206 slices sent byte-exactly, 416,
// ignored Range forms, ETag/Last-Modified validators with 304 and 412, and If-Range.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "corio/http/client_session.hpp"
#include "web_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;

// Bytes whose every offset is distinguishable, so a wrong slice cannot pass.
std::string numbered(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 251) % 256);
  return s;
}

class RangeTest : public WebTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corio-range-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    // Larger than one sendfile chunk, so a slice spans several of them.
    content = numbered(700 * 1024 + 13);
    std::ofstream(dir + "/data.bin", std::ios::binary) << content;
    std::ofstream(dir + "/empty.txt");
    app.add_get("/{name}", [this](Request& req) -> Coro<Response> {
      co_return web::FileResponse(dir + "/" + std::string(req.match_info()["name"]));
    });
    start();
  }
  void TearDown() override {
    std::remove((dir + "/data.bin").c_str());
    std::remove((dir + "/empty.txt").c_str());
    ::rmdir(dir.c_str());
    WebTest::TearDown();
  }
  HttpReply ranged(std::string range, std::string extra = {}) {
    return get("/data.bin", "Range: " + range + "\r\n" + extra);
  }
  std::string size() const { return std::to_string(content.size()); }

  std::string dir, content;
};

TEST_F(RangeTest, WholeFileAdvertisesRangesAndValidators) {
  HttpReply r = get("/data.bin");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Accept-Ranges"), "bytes");
  EXPECT_TRUE(r.headers.contains("Last-Modified"));
  std::string etag(r.headers.get("ETag").value_or(""));
  EXPECT_TRUE(etag.size() > 2 && etag.front() == '"' && etag.back() == '"') << etag;
  EXPECT_TRUE(r.body == content);
}

TEST_F(RangeTest, ClosedRangeSendsExactlyThoseBytes) {
  HttpReply r = ranged("bytes=1000-300999");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.reason, "Partial Content");
  EXPECT_EQ(r.headers.get("Content-Range"), "bytes 1000-300999/" + size());
  EXPECT_EQ(r.headers.get("Content-Length"), "300000");
  EXPECT_TRUE(r.body == content.substr(1000, 300000));
}

TEST_F(RangeTest, OpenRangeRunsToTheEnd) {
  HttpReply r = ranged("bytes=5-");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.headers.get("Content-Range"), "bytes 5-" + std::to_string(content.size() - 1) + "/" + size());
  EXPECT_TRUE(r.body == content.substr(5));
}

TEST_F(RangeTest, SuffixRangeSendsTheLastBytes) {
  HttpReply r = ranged("bytes=-500");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.headers.get("Content-Range"),
            "bytes " + std::to_string(content.size() - 500) + "-" + std::to_string(content.size() - 1) + "/" + size());
  EXPECT_TRUE(r.body == content.substr(content.size() - 500));
  HttpReply longer = ranged("bytes=-99999999");  // longer than the file: all of it
  EXPECT_EQ(longer.status, 206);
  EXPECT_TRUE(longer.body == content);
}

TEST_F(RangeTest, LastByteBeyondTheEndIsClipped) {
  HttpReply r = ranged("bytes=10-99999999999999999999999");
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(r.body == content.substr(10));
}

TEST_F(RangeTest, UnsatisfiableRangeAnswers416WithTheSize) {
  for (std::string range : {"bytes=" + size() + "-", std::string("bytes=-0"), "bytes=" + size() + "-" + size()}) {
    HttpReply r = ranged(range);
    EXPECT_EQ(r.status, 416) << range;
    EXPECT_EQ(r.headers.get("Content-Range"), "bytes */" + size()) << range;
    EXPECT_EQ(r.body, "") << range;
  }
  HttpReply empty = get("/empty.txt", "Range: bytes=0-\r\n");
  EXPECT_EQ(empty.status, 416);
  EXPECT_EQ(empty.headers.get("Content-Range"), "bytes */0");
}

TEST_F(RangeTest, SeveralOrMalformedRangesGetTheWholeFile) {
  for (std::string range : {"bytes=0-1,5-6", "bytes=10-5", "bytes=abc", "items=0-5", "bytes=-", "bytes=1-2x", "bytes 0-5"}) {
    HttpReply r = ranged(range);
    EXPECT_EQ(r.status, 200) << range;
    EXPECT_FALSE(r.headers.contains("Content-Range")) << range;
    EXPECT_TRUE(r.body == content) << range;
  }
}

TEST_F(RangeTest, HeadIgnoresRange) {
  HttpReply r = run([](std::uint16_t p) -> Coro<HttpReply> {
    Client c = co_await Client::connect(p);
    co_await c.send("HEAD /data.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\n\r\n");
    co_return co_await read_reply(c.reader, true);
  }(port));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Length"), size());
}

TEST_F(RangeTest, IfNoneMatchAnswers304AndTheConnectionStaysInStep) {
  std::string etag(get("/data.bin").headers.get("ETag").value_or(""));
  run([](std::uint16_t p, std::string etag, const std::string& content) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await c.get("/data.bin", "If-None-Match: \"other\", " + etag + "\r\n");
    EXPECT_EQ(r.status, 304);
    EXPECT_EQ(r.headers.get("ETag"), etag);
    EXPECT_FALSE(r.headers.contains("Content-Length"));
    HttpReply weak = co_await c.get("/data.bin", "If-None-Match: W/" + etag + "\r\n");
    EXPECT_EQ(weak.status, 304);  // If-None-Match compares weakly
    HttpReply star = co_await c.get("/data.bin", "If-None-Match: *\r\n");
    EXPECT_EQ(star.status, 304);
    HttpReply changed = co_await c.get("/data.bin", "If-None-Match: \"other\"\r\n");
    EXPECT_EQ(changed.status, 200);
    EXPECT_TRUE(changed.body == content);
  }(port, etag, content));
}

TEST_F(RangeTest, IfModifiedSinceComparesWholeSeconds) {
  std::string last_modified(get("/data.bin").headers.get("Last-Modified").value_or(""));
  HttpReply same = get("/data.bin", "If-Modified-Since: " + last_modified + "\r\n");
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.body, "");
  HttpReply old = get("/data.bin", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
  EXPECT_EQ(old.status, 200);
  EXPECT_TRUE(old.body == content);
  HttpReply garbage = get("/data.bin", "If-Modified-Since: yesterday\r\n");
  EXPECT_EQ(garbage.status, 200);  // an invalid date is ignored
  // If-None-Match wins over If-Modified-Since.
  HttpReply both = get("/data.bin", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + last_modified + "\r\n");
  EXPECT_EQ(both.status, 200);
}

TEST_F(RangeTest, IfMatchAndIfUnmodifiedSinceAnswer412) {
  HttpReply first = get("/data.bin");
  std::string etag(first.headers.get("ETag").value_or(""));
  HttpReply miss = get("/data.bin", "If-Match: \"other\"\r\n");
  EXPECT_EQ(miss.status, 412);
  EXPECT_EQ(miss.body, "");
  HttpReply hit = ranged("bytes=0-3", "If-Match: " + etag + "\r\n");
  EXPECT_EQ(hit.status, 206);
  EXPECT_EQ(hit.body, content.substr(0, 4));
  HttpReply stale = get("/data.bin", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
  EXPECT_EQ(stale.status, 412);
}

TEST_F(RangeTest, IfRangeKeepsTheRangeOnlyForTheCurrentFile) {
  HttpReply first = get("/data.bin");
  std::string etag(first.headers.get("ETag").value_or(""));
  std::string last_modified(first.headers.get("Last-Modified").value_or(""));
  HttpReply by_tag = ranged("bytes=0-9", "If-Range: " + etag + "\r\n");
  EXPECT_EQ(by_tag.status, 206);
  EXPECT_EQ(by_tag.body, content.substr(0, 10));
  HttpReply by_date = ranged("bytes=0-9", "If-Range: " + last_modified + "\r\n");
  EXPECT_EQ(by_date.status, 206);
  EXPECT_EQ(by_date.body, content.substr(0, 10));
  HttpReply stale_tag = ranged("bytes=0-9", "If-Range: \"other\"\r\n");
  EXPECT_EQ(stale_tag.status, 200);
  EXPECT_TRUE(stale_tag.body == content);
  HttpReply stale_date = ranged("bytes=0-9", "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
  EXPECT_EQ(stale_date.status, 200);
  HttpReply weak = ranged("bytes=0-9", "If-Range: W/" + etag + "\r\n");
  EXPECT_EQ(weak.status, 200);  // If-Range needs a strong match
}

TEST_F(RangeTest, ClientSessionReadsARange) {
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/data.bin";
  std::string body = run([](std::string url) -> Coro<std::string> {
    http::ClientSession session;
    http::RequestOptions options;
    options.headers.add("Range", "bytes=4096-8191");
    auto resp = co_await session.get(url, options);
    EXPECT_EQ(resp.status(), 206);
    std::string out = co_await resp.read();
    co_await session.close();
    co_return out;
  }(url));
  EXPECT_TRUE(body == content.substr(4096, 4096));
}

}  // namespace
}  // namespace corio::test
