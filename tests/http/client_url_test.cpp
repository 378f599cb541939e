// URL (yarl-like parsing, joining, query building) and CookieJar (Set-Cookie parsing
// and RFC 6265 matching): the client's pure parts, without any I/O.
#include <gtest/gtest.h>

#include "corio/http/client_exceptions.hpp"
#include "corio/http/cookie_jar.hpp"
#include "corio/http/url.hpp"

namespace corio::http {
namespace {

TEST(URL, SplitsAnAbsoluteURLIntoItsComponents) {
  URL u("HTTP://User:Pw@Example.COM:8080/a%20b/c?x=1&y=a+b#frag");
  EXPECT_EQ(u.scheme(), "http");
  EXPECT_EQ(u.user(), "User");
  EXPECT_EQ(u.password(), "Pw");
  EXPECT_EQ(u.host(), "example.com");
  EXPECT_EQ(u.port(), 8080);
  EXPECT_EQ(u.path(), "/a b/c");
  EXPECT_EQ(u.raw_path(), "/a%20b/c");
  EXPECT_EQ(u.query().get("y"), "a b");
  EXPECT_EQ(u.fragment(), "frag");
  EXPECT_EQ(u.path_qs(), "/a%20b/c?x=1&y=a+b");
  EXPECT_EQ(u.host_port(), "example.com:8080");
  EXPECT_EQ(u.human_repr(), "http://example.com:8080/a%20b/c?x=1&y=a+b#frag");
}

TEST(URL, DefaultPortsAndPathComeFromTheScheme) {
  EXPECT_EQ(URL("http://h").port(), 80);
  EXPECT_EQ(URL("https://h").port(), 443);
  EXPECT_EQ(URL("http://h").raw_path(), "/");
  EXPECT_EQ(URL("http://h:80/").host_port(), "h");
  EXPECT_FALSE(URL("http://h").explicit_port());
}

TEST(URL, QuotesWhatMustBeQuotedAndKeepsValidEscapes) {
  URL u("http://h/a b/%41%zz?q=a b");
  EXPECT_EQ(u.raw_path(), "/a%20b/%41%25zz");
  EXPECT_EQ(u.raw_query_string(), "q=a%20b");
  EXPECT_EQ(URL(u.str()), u) << "re-parsing the text gives the same URL";
}

TEST(URL, IPv6HostsAreBracketedInTextOnly) {
  URL u("http://[::1]:8080/x");
  EXPECT_EQ(u.host(), "::1");
  EXPECT_EQ(u.port(), 8080);
  EXPECT_EQ(u.host_port(), "[::1]:8080");
  EXPECT_EQ(u.str(), "http://[::1]:8080/x");
}

TEST(URL, ABadPortIsInvalidURL) {
  EXPECT_THROW(URL("http://h:99999/"), InvalidURL);
  EXPECT_THROW(URL("http://h:8x/"), InvalidURL);
}

TEST(URL, JoinResolvesReferencesAsRFC3986Section5Says) {
  URL base("http://a/b/c/d;p?q");
  // The normal examples of RFC 3986 section 5.4.1.
  EXPECT_EQ(base.join(URL("g")).str(), "http://a/b/c/g");
  EXPECT_EQ(base.join(URL("./g")).str(), "http://a/b/c/g");
  EXPECT_EQ(base.join(URL("g/")).str(), "http://a/b/c/g/");
  EXPECT_EQ(base.join(URL("/g")).str(), "http://a/g");
  EXPECT_EQ(base.join(URL("//g")).str(), "http://g/");
  EXPECT_EQ(base.join(URL("?y")).str(), "http://a/b/c/d;p?y");
  EXPECT_EQ(base.join(URL("g?y")).str(), "http://a/b/c/g?y");
  EXPECT_EQ(base.join(URL("#s")).str(), "http://a/b/c/d;p?q#s");
  EXPECT_EQ(base.join(URL("")).str(), "http://a/b/c/d;p?q");
  EXPECT_EQ(base.join(URL("..")).str(), "http://a/b/");
  EXPECT_EQ(base.join(URL("../g")).str(), "http://a/b/g");
  EXPECT_EQ(base.join(URL("../..")).str(), "http://a/");
  EXPECT_EQ(base.join(URL("../../../g")).str(), "http://a/g");
  EXPECT_EQ(base.join(URL("https://other:1/x")).str(), "https://other:1/x");
}

TEST(URL, WithQueryEncodesFieldsAndExtendQueryAppends) {
  URL u("http://h/p?a=1");
  EXPECT_EQ(u.with_query(MultiDict{{"q", "a&b c"}}).str(), "http://h/p?q=a%26b+c");
  EXPECT_EQ(u.extend_query(MultiDict{{"b", "2"}}).str(), "http://h/p?a=1&b=2");
  EXPECT_EQ(u.extend_query(MultiDict{}).str(), "http://h/p?a=1");
  EXPECT_EQ(u.with_path("/x y").str(), "http://h/x%20y?a=1");
  EXPECT_EQ(u.origin().str(), "http://h/");
}

TEST(URL, RelativeURLsHaveNoSchemeOrHost) {
  URL u("/only/path?x=1");
  EXPECT_FALSE(u.is_absolute());
  EXPECT_EQ(u.host(), "");
  EXPECT_EQ(u.path(), "/only/path");
}

using Clock = std::chrono::system_clock;

TEST(CookieJar, ACookieGoesBackToItsHostAndPath) {
  CookieJar jar;
  jar.update_from_set_cookie("sid=abc; Path=/app; HttpOnly", URL("http://example.com/app/login"));
  EXPECT_EQ(jar.filter_cookies(URL("http://example.com/app/x")), "sid=abc");
  EXPECT_EQ(jar.filter_cookies(URL("http://example.com/application")), "") << "path-match is by segments";
  EXPECT_EQ(jar.filter_cookies(URL("http://other.com/app/x")), "");
  EXPECT_EQ(jar.filter_cookies(URL("http://sub.example.com/app/x")), "") << "host-only without Domain";
}

TEST(CookieJar, DomainCookiesReachSubdomainsButForeignDomainsAreRefused) {
  CookieJar jar;
  jar.update_from_set_cookie("a=1; Domain=.example.com", URL("http://www.example.com/"));
  jar.update_from_set_cookie("evil=1; Domain=attacker.com", URL("http://www.example.com/"));
  EXPECT_EQ(jar.size(), 1U);
  EXPECT_EQ(jar.filter_cookies(URL("http://api.example.com/")), "a=1");
  EXPECT_EQ(jar.filter_cookies(URL("http://example.com/")), "a=1");
  EXPECT_EQ(jar.filter_cookies(URL("http://notexample.com/")), "");
}

TEST(CookieJar, DefaultPathIsTheDirectoryOfTheRequest) {
  CookieJar jar;
  jar.update_from_set_cookie("d=1", URL("http://h.com/docs/page.html"));
  EXPECT_EQ(jar.filter_cookies(URL("http://h.com/docs/other")), "d=1");
  EXPECT_EQ(jar.filter_cookies(URL("http://h.com/")), "");
}

TEST(CookieJar, ExpiryMaxAgeAndDeletion) {
  CookieJar jar;
  auto now = Clock::now();
  jar.update_from_set_cookie("m=1; Max-Age=60", URL("http://h.com/"), now);
  jar.update_from_set_cookie("e=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT", URL("http://h.com/"), now);
  jar.update_from_set_cookie("old=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", URL("http://h.com/"), now);
  EXPECT_EQ(jar.filter_cookies(URL("http://h.com/"), now), "m=1; e=1");
  EXPECT_EQ(jar.filter_cookies(URL("http://h.com/"), now + std::chrono::seconds(61)), "e=1");
  jar.update_from_set_cookie("e=; Max-Age=0", URL("http://h.com/"), now);
  EXPECT_EQ(jar.size(), 0U) << "Max-Age=0 deletes the cookie";
}

TEST(CookieJar, SecureCookiesGoOverHttpsOnly) {
  CookieJar jar;
  jar.update_from_set_cookie("s=1; Secure", URL("https://h.com/"));
  EXPECT_EQ(jar.filter_cookies(URL("http://h.com/")), "");
  EXPECT_EQ(jar.filter_cookies(URL("https://h.com/")), "s=1");
}

TEST(CookieJar, LongerPathsComeFirstAndANewValueReplacesTheOld) {
  CookieJar jar;
  jar.update_from_set_cookie("a=1; Path=/", URL("http://h.com/"));
  jar.update_from_set_cookie("b=2; Path=/x", URL("http://h.com/"));
  jar.update_from_set_cookie("a=3; Path=/", URL("http://h.com/"));
  EXPECT_EQ(jar.filter_cookies(URL("http://h.com/x/y")), "b=2; a=3");
}

TEST(CookieJar, IPHostsNeedAnUnsafeJar) {
  CookieJar safe;
  safe.update_from_set_cookie("a=1", URL("http://127.0.0.1/"));
  EXPECT_EQ(safe.size(), 0U);
  CookieJar unsafe(true);
  unsafe.update_from_set_cookie("a=1", URL("http://127.0.0.1/"));
  EXPECT_EQ(unsafe.filter_cookies(URL("http://127.0.0.1/x")), "a=1");
}

TEST(CookieJar, ParsesTheCookieDateFormats) {
  auto expect = Clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
  EXPECT_EQ(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"), expect);
  EXPECT_EQ(parse_cookie_date("Wednesday, 21-Oct-15 07:28:00 GMT"), expect);
  EXPECT_EQ(parse_cookie_date("Wed Oct 21 07:28:00 2015"), expect);
  EXPECT_EQ(parse_cookie_date("not a date"), std::nullopt);
}

}  // namespace
}  // namespace corio::http
