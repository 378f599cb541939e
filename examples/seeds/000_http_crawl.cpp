// Seed 000, example 11: 100 GETs with aiohttp + asyncio.wait vs 100 blocking requests.
//
//   tasks = ['http://douban.com'] * 100
//   async def getHttp(url):
//       async with aiohttp.ClientSession() as session:
//           async with session.get(url) as resp:
//               content = await resp.text()
//   loop.run_until_complete(asyncio.wait([getHttp(i) for i in tasks]))
//   print("asyncio + aiohttp ", time.time() - start)
//   for i in tasks: resp = requests.get(i)
//   print("normal ", time.time() - startTime)
//
// Shows: the 100 requests overlap, so the concurrent crawl takes about one round trip
// while the sequential one takes a hundred. The site is a local stand-in (local_site.hpp)
// whose 20 ms answer plays the network's latency; the "normal" run awaits each request
// before sending the next, which is what a blocking client does.
#include <corio/corio.hpp>
#include <corio/http/client.hpp>

#include <cstdio>
#include <vector>

#include "local_site.hpp"
#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

constexpr int kRequests = 100;

corio::Coro<std::size_t> get_http(std::string url) {
  corio::http::ClientSession session;  // one session per request, as the seed does
  auto resp = co_await session.get(url);
  std::string content = co_await resp.text();
  co_await session.close();
  co_return content.size();
}

corio::Coro<void> crawl_main() {
  seeds::LocalSite site = co_await seeds::start_local_site(20ms);
  std::string url = site.url("/douban");

  double start = seeds::time_time();
  std::vector<corio::Coro<std::size_t>> gets;
  for (int i = 0; i < kRequests; ++i) gets.push_back(get_http(url));
  auto sizes = co_await corio::gather(std::move(gets));
  std::printf("asyncio + aiohttp  %.3f\n", seeds::time_time() - start);

  double start2 = seeds::time_time();
  std::size_t total = 0;
  corio::http::ClientSession session;
  for (int i = 0; i < kRequests; ++i) {
    auto resp = co_await session.get(url);
    total += (co_await resp.text()).size();
  }
  co_await session.close();
  std::printf("normal  %.3f\n", seeds::time_time() - start2);
  std::printf("%zu + %zu bytes in %d + %d responses\n", sizes.size() * sizes[0], total, kRequests, kRequests);
  co_await site.close();
}

}  // namespace

int http_crawl_main() {
  corio::run(crawl_main());
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 11,
    .name = "http_crawl",
    .title = "100 aiohttp GETs at once vs 100 one after the other (a local site with 20 ms latency)",
    .python = "loop.run_until_complete(asyncio.wait([getHttp(url) for url in tasks])) vs for url in tasks: requests.get(url)",
    .shows = "concurrent requests overlap their waits: ~one round trip instead of a hundred",
    .run = &seed000::http_crawl_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({R"(asyncio \+ aiohttp  \d+\.\d+)", R"(normal  \d+\.\d+)", R"(\d+ \+ \d+ bytes in 100 \+ 100 responses)"});
          c.number(R"(asyncio \+ aiohttp  (\d+\.\d+))", 0.0, 0.5);
          c.number(R"(normal  (\d+\.\d+))", 2.0, 6.0);
        },
});
