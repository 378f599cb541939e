// The client's FormData against the corio server: urlencoded for plain fields,
// multipart/form-data for files, content types or when forced, read back by post()
// and by the streaming MultipartReader (a multi-MB file) byte for byte.
#include <gtest/gtest.h>

#include "corio/http/client_session.hpp"
#include "web_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;

// All 256 byte values, CRLFs and dashes, so any encoding slip shows.
std::string binary_bytes(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 37 + i / 509) % 256);
  for (std::size_t i = 100; i + 4 < n; i += 4099) s.replace(i, 4, "\r\n--");
  return s;
}

class FormDataTest : public WebTest {
 protected:
  void SetUp() override {
    // What post() saw, as JSON: content type, fields, files (bytes in hex).
    app.add_post("/form", [](Request& req) -> Coro<Response> {
      http::MultiDict form = co_await req.post();
      nlohmann::json j;
      j["type"] = req.content_type();
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
    // Each part's name and bytes, concatenated as "name=size:" + bytes, streamed.
    app.add_post("/stream", [](Request& req) -> Coro<Response> {
      web::MultipartReader reader = req.multipart();
      std::string out;
      while (true) {
        std::optional<web::BodyPartReader> part = co_await reader.next();
        if (!part) break;
        std::string data = co_await part->read();
        out += part->name().value_or("?") + "=" + std::to_string(data.size()) + ":" + data;
      }
      co_return Response(out);
    });
    start();
    base = "http://127.0.0.1:" + std::to_string(port);
  }

  nlohmann::json post_form(http::FormData form) {
    std::string body = run([](std::string url, http::FormData form) -> Coro<std::string> {
      http::ClientSession session;
      http::RequestOptions options;
      options.form_data = std::move(form);
      auto resp = co_await session.post(url, options);
      EXPECT_EQ(resp.status(), 200);
      std::string text = co_await resp.text();
      co_await session.close();
      co_return text;
    }(base + "/form", std::move(form)));
    return nlohmann::json::parse(body, nullptr, false);
  }

  std::string base;
};

TEST_F(FormDataTest, PlainFieldsGoUrlencoded) {
  http::FormData form;
  form.add_field("q", "a b&c=d");
  form.add_field("q", "\xC3\xA9");
  EXPECT_FALSE(form.is_multipart());
  nlohmann::json j = post_form(form);
  EXPECT_EQ(j["type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(j["fields"], nlohmann::json::parse(R"([["q","a b&c=d"],["q","\u00e9"]])"));
}

TEST_F(FormDataTest, ForcedMultipartCarriesPlainFields) {
  http::FormData form(true);
  form.add_field("q", "a b&c=d\r\n--");
  EXPECT_TRUE(form.is_multipart());
  nlohmann::json j = post_form(form);
  EXPECT_EQ(j["type"], "multipart/form-data");
  EXPECT_EQ(j["fields"], nlohmann::json::parse(R"([["q","a b&c=d\r\n--"]])"));
}

TEST_F(FormDataTest, FilesAndContentTypesMakeMultipart) {
  const std::string file = binary_bytes(100'000);
  http::FormData form;
  form.add_field("title", "holiday");
  form.add_field("photo", file, "beach \"1\".jpg", "image/jpeg");
  form.add_field("raw", "{}", std::nullopt, "application/json");  // a content type alone
  form.add_field("blob", "xyz", "b.bin");
  EXPECT_TRUE(form.is_multipart());
  nlohmann::json j = post_form(form);
  EXPECT_EQ(j["type"], "multipart/form-data");
  EXPECT_EQ(j["fields"], nlohmann::json::parse(R"([["title","holiday"],["raw","{}"]])"));
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["name"], "photo");
  EXPECT_EQ(j["files"][0]["filename"], "beach %221%22.jpg");  // quotes escaped as browsers do
  EXPECT_EQ(j["files"][0]["content_type"], "image/jpeg");
  EXPECT_TRUE(j["files"][0]["data"] == hex(file));
  EXPECT_EQ(j["files"][1]["filename"], "b.bin");
  EXPECT_EQ(j["files"][1]["content_type"], "application/octet-stream");
  EXPECT_EQ(j["files"][1]["data"], hex("xyz"));
}

TEST_F(FormDataTest, MultiMegabyteFileArrivesByteExact) {
  const std::string big = binary_bytes(5 * 1024 * 1024 + 17);
  http::FormData form;
  form.add_field("note", "big one");
  form.add_field("file", big, "big.bin");
  std::string reply = run([](std::string url, http::FormData form) -> Coro<std::string> {
    http::ClientSession session;
    http::RequestOptions options;
    options.form_data = std::move(form);
    auto resp = co_await session.post(url, options);
    EXPECT_EQ(resp.status(), 200);
    std::string text = co_await resp.read();
    co_await session.close();
    co_return text;
  }(base + "/stream", std::move(form)));
  const std::string expected = "note=7:big onefile=" + std::to_string(big.size()) + ":" + big;
  EXPECT_EQ(reply.size(), expected.size());
  EXPECT_TRUE(reply == expected);
}

TEST(FormData, BoundariesAreRandom) {
  http::FormData a, b;
  EXPECT_EQ(a.boundary().size(), 32u);
  EXPECT_NE(a.boundary(), b.boundary());
}

}  // namespace
}  // namespace corio::test
