#include "corio/core/exceptions.hpp"

#include <cxxabi.h>

#include <typeinfo>

namespace corio {

namespace {
std::string join_messages(const std::string& head, const std::vector<std::exception_ptr>& es) {
  std::string out = head + " (" + std::to_string(es.size()) + " sub-exception" +
                    (es.size() == 1 ? "" : "s") + ")";
  for (const auto& e : es) out += "\n  - " + describe(e);
  return out;
}

std::string demangle(const char* name) {
  int status = 0;
  char* s = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && s ? s : name;
  std::free(s);
  return out;
}
}  // namespace

ExceptionGroup::ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
    : Error(join_messages(message, exceptions)), exceptions_(std::move(exceptions)) {}

std::string describe(const std::exception_ptr& e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (const BaseException& b) {
    std::string m = demangle(typeid(b).name());
    return b.message().empty() ? m : m + ": " + b.message();
  } catch (const std::exception& x) {
    return demangle(typeid(x).name()) + ": " + x.what();
  } catch (...) {
    std::type_info* t = abi::__cxa_current_exception_type();
    return t ? demangle(t->name()) : std::string("unknown exception");
  }
}

bool is_cancelled_error(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace corio
