// UrlDispatcher: resolution order, parameters, regexes, 404/405 and pattern errors.
#include "corio/web/router.hpp"

#include <gtest/gtest.h>

#include "corio/sync/exceptions.hpp"
#include "corio/web/request.hpp"

namespace corio::web {
namespace {

Coro<Response> nothing(Request&) { co_return Response(); }

TEST(Router, StaticPathMatchesExactly) {
  UrlDispatcher r;
  r.add_get("/a/b", nothing);
  MatchInfo mi;
  EXPECT_EQ(r.resolve("GET", "/a/b", mi), 0);
  EXPECT_EQ(mi.route()->path, "/a/b");
  EXPECT_EQ(r.resolve("GET", "/a/b/", mi), 404);
  EXPECT_EQ(r.resolve("GET", "/a", mi), 404);
}

TEST(Router, ParameterMatchesOneSegment) {
  UrlDispatcher r;
  r.add_get("/hello/{name}", nothing);
  r.add_get("/files/{name}.json", nothing);
  MatchInfo mi;
  ASSERT_EQ(r.resolve("GET", "/hello/bob", mi), 0);
  EXPECT_EQ(mi["name"], "bob");
  EXPECT_EQ(r.resolve("GET", "/hello/bob/x", mi), 404);
  EXPECT_EQ(r.resolve("GET", "/hello/", mi), 404);
  ASSERT_EQ(r.resolve("GET", "/files/report.json", mi), 0);
  EXPECT_EQ(mi["name"], "report");
}

TEST(Router, RegexParameterMayConstrainOrSpanSegments) {
  UrlDispatcher r;
  r.add_get("/users/{id:\\d+}", nothing);
  r.add_get("/static/{tail:.*}", nothing);
  MatchInfo mi;
  ASSERT_EQ(r.resolve("GET", "/users/42", mi), 0);
  EXPECT_EQ(mi["id"], "42");
  EXPECT_EQ(r.resolve("GET", "/users/abc", mi), 404);
  ASSERT_EQ(r.resolve("GET", "/static/css/site.css", mi), 0);
  EXPECT_EQ(mi["tail"], "css/site.css");
  EXPECT_THROW((void)mi["nope"], KeyError);
}

TEST(Router, WrongMethodIs405WithTheAllowedMethods) {
  UrlDispatcher r;
  r.add_get("/x", nothing);
  r.add_post("/x", nothing);
  MatchInfo mi;
  EXPECT_EQ(r.resolve("DELETE", "/x", mi), 405);
  EXPECT_EQ(mi.allowed_methods(), (std::vector<std::string>{"GET", "HEAD", "POST"}));
  EXPECT_EQ(r.resolve("HEAD", "/x", mi), 0);  // add_get answers HEAD too
}

TEST(Router, AnyMethodRoute) {
  UrlDispatcher r;
  r.add_route("*", "/any", nothing);
  MatchInfo mi;
  EXPECT_EQ(r.resolve("PATCH", "/any", mi), 0);
}

TEST(Router, FirstRegisteredResourceWins) {
  UrlDispatcher r;
  r.add_get("/{x}", nothing);
  r.add_post("/fixed", nothing);
  MatchInfo mi;
  ASSERT_EQ(r.resolve("GET", "/fixed", mi), 0);
  EXPECT_EQ(mi["x"], "fixed");
}

TEST(Router, MalformedPatternsAreRejected) {
  UrlDispatcher r;
  EXPECT_THROW(r.add_get("no-slash", nothing), ValueError);
  EXPECT_THROW(r.add_get("/{open", nothing), ValueError);
  EXPECT_THROW(r.add_get("/close}", nothing), ValueError);
  EXPECT_THROW(r.add_get("/{id:[}", nothing), ValueError);
  EXPECT_THROW(r.add_get("/{a-b}", nothing), ValueError);
}

TEST(Router, SameMethodTwiceIsAnError) {
  UrlDispatcher r;
  r.add_post("/x", nothing);
  EXPECT_THROW(r.add_post("/x", nothing), RuntimeError);
}

TEST(Router, FrozenRouterRejectsRoutes) {
  UrlDispatcher r;
  r.freeze();
  EXPECT_THROW(r.add_get("/x", nothing), RuntimeError);
}

}  // namespace
}  // namespace corio::web
