// OSError and its subclasses: what failing socket, file and process calls raise.
//
// They are std::system_error subclasses carrying the errno (code()) and a message that
// names the operation and the address or path, mirroring Python's OSError hierarchy:
// ConnectionRefusedError, ConnectionResetError, BrokenPipeError, ... A kernel
// ETIMEDOUT surfaces as OSError with code errc::timed_out; corio::TimeoutError is
// reserved for deadlines (timeout, wait_for), as in asyncio (see docs/differences.md).
#pragma once

#include <string>
#include <system_error>

namespace corio {

class OSError : public std::system_error {
 public:
  OSError(int err, const std::string& what) : std::system_error(err, std::generic_category(), what) {}
  /// The errno value.
  int errno_value() const noexcept { return code().value(); }
};

class ConnectionError : public OSError {
 public:
  using OSError::OSError;
};
class ConnectionRefusedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionResetError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionAbortedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class BrokenPipeError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class FileNotFoundError : public OSError {
 public:
  using OSError::OSError;
};
class PermissionError : public OSError {
 public:
  using OSError::OSError;
};
class FileExistsError : public OSError {
 public:
  using OSError::OSError;
};
class IsADirectoryError : public OSError {
 public:
  using OSError::OSError;
};
class NotADirectoryError : public OSError {
 public:
  using OSError::OSError;
};

/// Throws the OSError subclass that matches `err` (a positive errno value).
[[noreturn]] void throw_os_error(int err, const std::string& what);

}  // namespace corio
