// Seed 004, example 4 (and 6): crawl(urls), a gather of fetches whose results come back
// in the order of the URLs.
//
//   async def fetch(url):
//       async with aiohttp.ClientSession() as session:
//           async with session.get(url) as response:
//               return await response.text()
//   async def crawl(urls):
//       tasks = [fetch(url) for url in urls]
//       return await asyncio.gather(*tasks)
//   print(asyncio.run(crawl(urls)))
//
// Shows: gather returns the pages in the order of `urls` even though they arrive in
// any order (the stand-in site answers page3 first: its latency grows with the page
// number reversed). The pages come from a local stand-in for www.example.com.
#include <corio/corio.hpp>
#include <corio/http/client.hpp>

#include <cstdio>
#include <vector>

#include "local_site.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed004 {
namespace {

corio::Coro<std::string> fetch(std::string url) {
  corio::http::ClientSession session;
  auto response = co_await session.get(url);
  std::string text = co_await response.text();
  std::printf("arrived: %s\n", url.substr(url.rfind('/') + 1).c_str());
  co_await session.close();
  co_return text;
}

corio::Coro<std::vector<std::string>> crawl(std::vector<std::string> urls) {
  std::vector<corio::Coro<std::string>> tasks;
  for (auto& url : urls) tasks.push_back(fetch(url));
  co_return co_await corio::gather(std::move(tasks));
}

corio::Coro<void> async_main() {
  // Three sites, slowest first, so that the pages arrive in reverse order.
  seeds::LocalSite slow = co_await seeds::start_local_site(60ms);
  seeds::LocalSite medium = co_await seeds::start_local_site(30ms);
  seeds::LocalSite fast = co_await seeds::start_local_site(0ms);
  std::vector<std::string> urls = {slow.url("/page1"), medium.url("/page2"), fast.url("/page3")};
  std::vector<std::string> pages = co_await crawl(urls);
  for (const auto& page : pages) std::printf("%s\n", page.c_str());
  co_await slow.close();
  co_await medium.close();
  co_await fast.close();
}

}  // namespace

int crawl_main() {
  corio::run(async_main());
  return 0;
}

}  // namespace seed004

CORIO_TOUR_STOP({
    .seed = "004",
    .index = 4,
    .name = "crawl",
    .title = "crawl(urls): gather of aiohttp fetches, results in the order of the URLs",
    .python = "tasks = [fetch(url) for url in urls]; return await asyncio.gather(*tasks)",
    .shows = "gather keeps the order of its arguments whatever order the responses arrive in",
    .run = &seed004::crawl_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"arrived: page3", "arrived: page2", "arrived: page1",
                   "<html><title>/page1</title><body>page /page1</body></html>",
                   "<html><title>/page2</title><body>page /page2</body></html>",
                   "<html><title>/page3</title><body>page /page3</body></html>"});
        },
});
