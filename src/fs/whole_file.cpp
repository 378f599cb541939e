#include "corio/fs/whole_file.hpp"

#include "corio/fs/file.hpp"

namespace corio::fs {

Coro<std::string> read_file(std::string path) {
  File f = co_await open(std::move(path), "rb");
  std::string data = co_await f.read();
  co_await f.close();
  co_return data;
}

Coro<void> write_file(std::string path, std::string_view data, bool append) {
  File f = co_await open(std::move(path), append ? "ab" : "wb");
  co_await f.write(data);
  co_await f.close();
}

}  // namespace corio::fs
