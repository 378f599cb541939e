// corio's exception hierarchy, mirroring asyncio's.
//
// Two roots, as in Python:
//  - BaseException: CancelledError and KeyboardInterrupt. They do NOT derive from
//    std::exception, so `catch (const std::exception&)` in user code cannot swallow a
//    cancellation (asyncio made CancelledError a BaseException for the same reason).
//  - Error (a std::runtime_error): everything a program is expected to handle.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace corio {

/// Root of the exceptions that ordinary error handling must not catch.
class BaseException {
 public:
  explicit BaseException(std::string message = {}) : message_(std::move(message)) {}
  virtual ~BaseException() = default;
  /// The message given when the exception was raised (may be empty).
  const char* what() const noexcept { return message_.c_str(); }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string message_;
};

/// Raised at the await point of a cancelled task (asyncio.CancelledError).
class CancelledError : public BaseException {
 public:
  using BaseException::BaseException;
};

/// Raised by `run()` when SIGINT interrupted the main coroutine.
class KeyboardInterrupt : public BaseException {
 public:
  using BaseException::BaseException;
};

/// Root of corio's ordinary errors.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An operation that is not valid in the object's current state (asyncio.InvalidStateError).
class InvalidStateError : public Error {
 public:
  using Error::Error;
};

/// A deadline passed (asyncio.TimeoutError, which is the builtin TimeoutError).
class TimeoutError : public Error {
 public:
  explicit TimeoutError(std::string message = "timed out") : Error(std::move(message)) {}
};

/// Misuse of the runtime, e.g. awaiting outside a running loop (Python's RuntimeError).
class RuntimeError : public Error {
 public:
  using Error::Error;
};

/// An operation this object does not support (Python's NotImplementedError, also a
/// RuntimeError), e.g. write_eof() on a TLS transport.
class NotImplementedError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

/// A mapping has no entry for the key asked for (Python's KeyError).
class KeyError : public Error {
 public:
  using Error::Error;
};

/// Raised by Generator::next/send when the generator has finished (Python's StopIteration).
class StopIteration : public Error {
 public:
  StopIteration() : Error("generator finished") {}
};

/// Raised into a generator by Generator::close (Python's GeneratorExit).
class GeneratorExit : public BaseException {
 public:
  GeneratorExit() : BaseException("generator closed") {}
};

/// Several failures raised together, as TaskGroup does (Python's ExceptionGroup).
class ExceptionGroup : public Error {
 public:
  ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions);
  /// The grouped exceptions, in the order they happened.
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

 private:
  std::vector<std::exception_ptr> exceptions_;
};

/// A one-line description of any exception: its type and message. Used in reports.
std::string describe(const std::exception_ptr& e);

/// True when `e` holds a CancelledError.
bool is_cancelled_error(const std::exception_ptr& e) noexcept;

}  // namespace corio
