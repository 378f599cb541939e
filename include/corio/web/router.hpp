// UrlDispatcher (the router), Route and MatchInfo (aiohttp.web's web_urldispatcher).
//
//   app.router().add_get("/users/{id:\\d+}", get_user);   // request.match_info()["id"]
//   app.router().add_route("*", "/any", any_method);
//
// Design: routes are grouped by path into resources, in registration order, and a
// request is resolved against them in that order as aiohttp does: the first resource
// whose path matches decides; if none of its routes takes the method the answer is 405
// with an Allow header, and if no resource matches, 404. A path without parameters is
// compared as a string. `{name}` matches one non-empty segment (`[^{}/]+`, aiohttp's
// default); `{name:regex}` matches the regex (which may span '/', e.g. `{tail:.*}`), and
// a resource with one is matched with std::regex. Matching is done on the
// percent-decoded path; MatchInfo's values are views into it. The router is frozen with
// its application: after that it is immutable, so one router can serve several loops.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corio/web/handler.hpp"

namespace corio::web {

/// One method + path + handler (aiohttp.web.ResourceRoute).
struct Route {
  std::string method;  // "GET", ..., or "*" for any method
  std::string path;    // the pattern as given
  Handler handler;     // as registered
  Handler chain;       // wrapped by the application's middlewares (set by freeze())
};

/// The result of routing a request (aiohttp's UrlMappingMatchInfo): the path
/// parameters, and the route (null when the answer is 404/405).
class MatchInfo {
 public:
  using Items = std::vector<std::pair<std::string_view, std::string_view>>;
  /// The value of parameter `name`; KeyError if the route has none.
  std::string_view operator[](std::string_view name) const;
  /// The value of parameter `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  std::size_t size() const noexcept { return items_.size(); }
  auto begin() const noexcept { return items_.begin(); }
  auto end() const noexcept { return items_.end(); }
  const Route* route() const noexcept { return route_; }
  /// After a 405: the methods the path's resource takes.
  const std::vector<std::string>& allowed_methods() const noexcept { return allowed_; }

 private:
  friend class UrlDispatcher;
  friend class Request;
  Items items_;
  const Route* route_ = nullptr;
  std::vector<std::string> allowed_;
};

/// The router (aiohttp.web.UrlDispatcher).
class UrlDispatcher {
 public:
  UrlDispatcher();
  ~UrlDispatcher();
  UrlDispatcher(UrlDispatcher&&) noexcept;
  UrlDispatcher& operator=(UrlDispatcher&&) noexcept;

  /// Adds a route; `method` is upper-cased ("*" for any). ValueError for a malformed
  /// pattern (unbalanced braces, bad regex, path not starting with '/'), RuntimeError
  /// once frozen.
  Route& add_route(std::string_view method, std::string_view path, Handler handler);
  /// GET, and HEAD too unless `allow_head` is false (aiohttp's add_get).
  Route& add_get(std::string_view path, Handler handler, bool allow_head = true);
  Route& add_post(std::string_view path, Handler handler) { return add_route("POST", path, std::move(handler)); }
  Route& add_put(std::string_view path, Handler handler) { return add_route("PUT", path, std::move(handler)); }
  Route& add_patch(std::string_view path, Handler handler) { return add_route("PATCH", path, std::move(handler)); }
  Route& add_delete(std::string_view path, Handler handler) { return add_route("DELETE", path, std::move(handler)); }
  Route& add_head(std::string_view path, Handler handler) { return add_route("HEAD", path, std::move(handler)); }

  /// Resolves `method` + decoded `path` into `mi`. Returns 0 (found: mi.route() set),
  /// 404 or 405 (then mi.allowed_methods() lists the methods of the path's resource).
  int resolve(std::string_view method, std::string_view path, MatchInfo& mi) const;

  /// Every route, in registration order.
  std::vector<Route*> routes() const;
  void freeze() noexcept { frozen_ = true; }
  bool frozen() const noexcept { return frozen_; }

 private:
  struct Resource;
  std::vector<std::unique_ptr<Resource>> resources_;
  bool frozen_ = false;
};

}  // namespace corio::web
