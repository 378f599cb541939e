// The worker pool under load: many tasks with files of their own at once (more calls in
// flight than threads), and two loops on two threads sharing the pool.
#include <thread>

#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

Coro<void> round_trip(std::string path, std::string data) {
  co_await fs::write_file(path, data);
  fs::StatResult st = co_await fs::stat(path);
  EXPECT_EQ(st.st_size, static_cast<std::int64_t>(data.size()));
  File f = co_await fs::open(path, "r");
  std::string back;
  for (;;) {
    std::string line = co_await f.readline();
    if (line.empty()) break;
    back += line;
  }
  co_await f.close();
  EXPECT_TRUE(back == data) << path;
}

class FsPool : public FsReadPaths {};
INSTANTIATE_TEST_SUITE_P(ReadPaths, FsPool, ::testing::Bool(), read_path_name);

TEST_P(FsPool, ManyTasksWithTheirOwnFilesAtOnce) {
  run([&]() -> Coro<void> {
    std::vector<Task<void>> tasks;
    for (int i = 0; i < 64; ++i) {
      std::string name = "f";  // built by append: g++ 12 warns falsely (-Wrestrict) on "f" + ...
      name += std::to_string(i);
      tasks.push_back(create_task(round_trip(dir / name, pattern(1000 + 5000 * i, 61))));
    }
    co_await gather(tasks);
  }());
}

TEST_P(FsPool, TwoLoopsOnTwoThreadsUseFilesAtTheSameTime) {
  const bool nowait = GetParam();
  auto worker = [&](int k) {
    fs::detail::set_nowait_reads(nowait);
    corio::run([](std::string base) -> Coro<void> {
      for (int i = 0; i < 20; ++i) co_await round_trip(base + std::to_string(i), pattern(20'000 + 1000 * i, 33));
    }(dir / (std::string(1, static_cast<char>('a' + k)) += "-")));
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
}

}  // namespace
}  // namespace corio::test
