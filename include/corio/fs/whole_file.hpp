// read_file() and write_file(): a whole file in one call (Python's pathlib
// read_bytes()/write_bytes(), on corio's async files).
//
//   std::string config = co_await corio::fs::read_file("app.conf");
//   co_await corio::fs::write_file("out.txt", "hello\n");
//
// Both open, transfer and close through corio::fs::File (corio/fs/file.hpp), so they
// use io_uring or the worker pool as the File does; read_file sizes its buffer from
// the file's size and reads straight into it.
#pragma once

#include <string>
#include <string_view>

#include "corio/core/coro.hpp"

namespace corio::fs {

/// The whole content of `path`. Throws an OSError subclass naming the path.
/// Cancellation: the file is closed and nothing is returned.
Coro<std::string> read_file(std::string path);

/// Creates or truncates `path` and writes `data` to it (mode "w"; "a" with
/// `append`). `data` must stay valid until the call is over. Throws an OSError
/// subclass naming the path. Cancellation: the file is closed; what the kernel took
/// of `data` before the cancellation stays written, and the rest is written too (see
/// File::close), so the file never ends up torn in the middle of a write.
Coro<void> write_file(std::string path, std::string_view data, bool append = false);

}  // namespace corio::fs
