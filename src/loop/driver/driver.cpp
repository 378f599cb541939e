#include "loop/driver/driver.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace corio::detail {

std::unique_ptr<Driver> make_driver(DriverKind kind, bool single_thread) {
  if (const char* env = std::getenv("CORIO_DRIVER"); env && *env) {
    if (std::strcmp(env, "uring") == 0) kind = DriverKind::Uring;
    else if (std::strcmp(env, "epoll") == 0) kind = DriverKind::Epoll;
    else throw std::invalid_argument(std::string("CORIO_DRIVER must be uring or epoll, not ") + env);
  }
  if (kind == DriverKind::Epoll) return make_epoll_driver();
  if (auto d = make_uring_driver(single_thread)) return d;
  if (kind == DriverKind::Uring) throw std::runtime_error("io_uring is not available on this system");
  return make_epoll_driver();
}

}  // namespace corio::detail
