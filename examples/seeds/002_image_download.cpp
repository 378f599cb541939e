// Seed 002, example 1: download five images concurrently, streaming each to a file in
// 512-byte chunks.
//
//   async def download_image_async(session, dir, img_url):
//       download_path = dir / os.path.basename(img_url)
//       async with session.get(img_url) as response:
//           with download_path.open('wb') as f:
//               while True:
//                   chunk = await response.content.read(512)
//                   if not chunk: break
//                   f.write(chunk)
//       logger.info('Downloaded: ' + img_url)
//   async with aiohttp.ClientSession() as session:
//       tasks = [download_image_async(session, images_dir, url) for url in CODEFLEX_IMAGES_URLS]
//       await asyncio.gather(*tasks, return_exceptions=True)
//
// Shows: one session (one keep-alive pool) shared by five concurrent downloads, each
// body read in 512-byte pieces as it arrives instead of whole. The images come from a
// local stand-in site (local_site.hpp) and go to a temporary directory, removed after.
#include <corio/corio.hpp>
#include <corio/http/client.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "local_site.hpp"
#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed002 {
namespace {

const char* const kImages[] = {"pandas-dataframe-python-1024x512.png", "github-actions-deployment-to-eks.jpg",
                               "boto3-s3-multipart-upload-1024x536.jpg", "kafka-cluster-architecture.jpg",
                               "redis-cluster-topology.png"};

corio::Coro<void> download_image_async(corio::http::ClientSession& session, std::filesystem::path dir,
                                       std::string img_url) {
  std::filesystem::path download_path = dir / img_url.substr(img_url.rfind('/') + 1);
  auto response = co_await session.get(img_url);
  std::ofstream f(download_path, std::ios::binary);
  for (;;) {
    std::string chunk = co_await response.content().read(512);
    if (chunk.empty()) break;
    f.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
  std::printf("INFO - Downloaded: %s\n", img_url.c_str());
}

corio::Coro<void> download_main(std::filesystem::path dir) {
  seeds::LocalSite site = co_await seeds::start_local_site(10ms);
  corio::http::ClientSession session;
  std::vector<corio::Coro<void>> tasks;
  for (const char* name : kImages) tasks.push_back(download_image_async(session, dir, site.url(std::string("/img/") + name)));
  auto outcomes = co_await corio::gather(corio::ReturnExceptions{}, std::move(tasks));
  int failed = 0;
  for (auto& o : outcomes) failed += o.has_value() ? 0 : 1;
  std::printf("%d downloads failed; %zu connections for %zu downloads\n", failed,
              session.connector().statistics().connections_made, std::size(kImages));
  co_await session.close();
  co_await site.close();
}

}  // namespace

int image_download_main() {
  char tmpl[] = "/tmp/codeflex_images-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  double start = seeds::time_time();
  corio::run(download_main(dir));
  std::size_t files = 0, right_size = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    right_size += entry.file_size() == seeds::image_size ? 1 : 0;
  }
  std::printf("%zu files of %zu bytes in %.3f s\n", right_size, seeds::image_size, seeds::time_time() - start);
  std::filesystem::remove_all(dir);
  return files == right_size ? 0 : 1;
}

}  // namespace seed002

CORIO_TOUR_STOP({
    .seed = "002",
    .index = 1,
    .name = "image_download",
    .title = "five concurrent image downloads streamed to files in 512-byte chunks (a local stand-in site)",
    .python = "await asyncio.gather(*[download_image_async(session, dir, url) for url in URLS], return_exceptions=True)",
    .shows = "one ClientSession shared by concurrent downloads; response.content.read(512) streams each body",
    .run = &seed002::image_download_main,
    .check =
        [](corio::tour::Check& c) {
          c.expect(c.count(R"(INFO - Downloaded: http://127\.0\.0\.1:\d+/img/.+)") == 5, "expected 5 'Downloaded:' lines");
          c.expect(c.count(R"(0 downloads failed; [1-5] connections for 5 downloads)") == 1,
                   "expected no failure and at most one connection per download");
          c.expect(c.count(R"(5 files of \d+ bytes in \d+\.\d+ s)") == 1, "expected 5 complete files");
        },
});
