#include "corio/http/multidict.hpp"

#include <gtest/gtest.h>

#include "corio/core/exceptions.hpp"
#include "corio/http/query.hpp"

namespace corio::http {
namespace {

TEST(MultiDict, HeadersMatchNamesWithoutRegardToCase) {
  Headers headers;
  headers.add("Content-Type", "text/plain");
  EXPECT_EQ(headers.get("content-type"), "text/plain");
  EXPECT_TRUE(headers.contains("CONTENT-TYPE"));
  EXPECT_FALSE(headers.contains("Content-Length"));
}

TEST(MultiDict, QueryFieldsMatchNamesExactly) {
  MultiDict fields{{"a", "1"}};
  EXPECT_TRUE(fields.contains("a"));
  EXPECT_FALSE(fields.contains("A"));
}

TEST(MultiDict, RepeatedNamesKeepTheirOrder) {
  Headers headers;
  headers.add("Set-Cookie", "a=1");
  headers.add("Server", "corio");
  headers.add("set-cookie", "b=2");
  auto all = headers.getall("SET-COOKIE");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], "a=1");
  EXPECT_EQ(all[1], "b=2");
  EXPECT_EQ(headers.get("set-cookie"), "a=1");
}

TEST(MultiDict, SetReplacesEveryValueAtThePlaceOfTheFirst) {
  Headers headers{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  headers.set("a", "x");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers.begin()->second, "x");
  EXPECT_EQ(std::next(headers.begin())->first, "B");
}

TEST(MultiDict, AtThrowsKeyErrorForAMissingName) {
  Headers headers;
  EXPECT_THROW((void)headers.at("Host"), KeyError);
  EXPECT_EQ(headers.get("Host", "fallback"), "fallback");
}

TEST(MultiDict, EraseRemovesEveryValueAndCountsThem) {
  Headers headers{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  EXPECT_EQ(headers.erase("A"), 2u);
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.erase("A"), 0u);
}

TEST(MultiDict, SetdefaultKeepsAnExistingValue) {
  Headers headers{{"Host", "a"}};
  EXPECT_EQ(headers.setdefault("host", "b"), "a");
  EXPECT_EQ(headers.setdefault("Accept", "*/*"), "*/*");
  EXPECT_EQ(headers.size(), 2u);
}

TEST(Query, QuoteEncodesAllButUnreservedAndSafeBytes) {
  EXPECT_EQ(quote("/a b/ä?"), "/a%20b/%C3%A4%3F");
  EXPECT_EQ(quote("/a", ""), "%2Fa");
  EXPECT_EQ(quote_plus("a b&c"), "a+b%26c");
}

TEST(Query, UnquoteKeepsMalformedEscapes) {
  EXPECT_EQ(unquote("%41%2"), "A%2");
  EXPECT_EQ(unquote("%zz%4"), "%zz%4");
  EXPECT_EQ(unquote_plus("a+b%2B"), "a b+");
}

TEST(Query, ParseQslKeepsOrderRepeatsAndBlankValues) {
  auto fields = parse_qsl("tag=a&x=&tag=b+c&&flag&%41=%42");
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields.getall("tag").at(1), "b c");
  EXPECT_EQ(fields.get("x"), "");
  EXPECT_EQ(fields.get("flag"), "");
  EXPECT_EQ(fields.get("A"), "B");
}

TEST(Query, UrlencodeRoundTripsThroughParseQsl) {
  MultiDict fields{{"q", "a b&c=d"}, {"q", "ü"}, {"empty", ""}};
  EXPECT_EQ(parse_qsl(urlencode(fields)), fields);
}

}  // namespace
}  // namespace corio::http
