#include "corio/net/errors.hpp"

#include <cerrno>

namespace corio {

void throw_os_error(int err, const std::string& what) {
  switch (err) {
    case ECONNREFUSED: throw ConnectionRefusedError(err, what);
    case ECONNRESET: throw ConnectionResetError(err, what);
    case ECONNABORTED: throw ConnectionAbortedError(err, what);
    case EPIPE:
    case ESHUTDOWN: throw BrokenPipeError(err, what);
    case ENOENT: throw FileNotFoundError(err, what);
    case EEXIST: throw FileExistsError(err, what);
    case EISDIR: throw IsADirectoryError(err, what);
    case ENOTDIR: throw NotADirectoryError(err, what);
    case EACCES:
    case EPERM: throw PermissionError(err, what);
    default: throw OSError(err, what);
  }
}

}  // namespace corio
