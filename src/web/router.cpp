// UrlDispatcher: resources in registration order, each a compiled path pattern.
#include "corio/web/router.hpp"

#include <algorithm>
#include <cctype>

#include "corio/core/exceptions.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio::web {

namespace {
// One piece of a pattern: a literal, or a parameter matching one segment.
struct Part {
  bool param = false;
  std::string text;  // the literal, or the parameter name
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

struct UrlDispatcher::Resource {
  std::string pattern;
  bool dynamic = false;
  std::vector<Part> parts;                 // without custom regexes
  std::optional<std::regex> re;            // with one
  std::vector<std::string> re_names;       // the regex's groups, in order
  std::vector<std::unique_ptr<Route>> routes;

  explicit Resource(std::string_view path) : pattern(path) {
    if (path.empty() || path.front() != '/') throw ValueError("Route path should start with '/': " + pattern);
    std::string re_src;
    bool custom = false;
    std::size_t i = 0;
    std::string literal;
    while (i < path.size()) {
      char c = path[i];
      if (c == '}') throw ValueError("Unbalanced '}' in route path: " + pattern);
      if (c != '{') {
        literal += c;
        ++i;
        continue;
      }
      // {name} or {name:regex}; a regex may hold balanced braces ({x:\d{2}}).
      std::size_t depth = 1, j = i + 1;
      while (j < path.size() && depth > 0) {
        if (path[j] == '{') ++depth;
        if (path[j] == '}') --depth;
        ++j;
      }
      if (depth != 0) throw ValueError("Unbalanced '{' in route path: " + pattern);
      std::string_view inner = path.substr(i + 1, j - i - 2);
      std::size_t colon = inner.find(':');
      std::string name(inner.substr(0, colon));
      if (name.empty()) throw ValueError("Empty parameter name in route path: " + pattern);
      for (char ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') {
          throw ValueError("Bad parameter name '" + name + "' in route path: " + pattern);
        }
      }
      if (!literal.empty()) {
        parts.push_back(Part{false, literal});
        re_src += regex_escape(literal);
        literal.clear();
      }
      parts.push_back(Part{true, name});
      re_names.push_back(name);
      if (colon != std::string_view::npos) {
        custom = true;
        re_src += '(';
        re_src += inner.substr(colon + 1);
        re_src += ')';
      } else {
        re_src += "([^{}/]+)";
      }
      i = j;
    }
    if (!literal.empty()) {
      parts.push_back(Part{false, literal});
      re_src += regex_escape(literal);
    }
    dynamic = !re_names.empty();
    if (custom) {
      try {
        re.emplace(re_src, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error& e) {
        throw ValueError("Bad regex in route path " + pattern + ": " + e.what());
      }
      if (re->mark_count() != re_names.size()) {
        throw ValueError("Route regexes must not have their own groups: " + pattern);
      }
    }
  }

  bool match(std::string_view path, MatchInfo::Items& out) const {
    if (!dynamic) return path == pattern;
    out.clear();
    if (re) {
      std::match_results<std::string_view::const_iterator> m;
      if (!std::regex_match(path.begin(), path.end(), m, *re)) return false;
      for (std::size_t g = 0; g < re_names.size(); ++g) {
        auto pos = static_cast<std::size_t>(m.position(static_cast<int>(g + 1)));
        out.emplace_back(re_names[g], path.substr(pos, static_cast<std::size_t>(m.length(static_cast<int>(g + 1)))));
      }
      return true;
    }
    std::size_t pos = 0;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const Part& p = parts[k];
      if (!p.param) {
        if (path.substr(pos, p.text.size()) != p.text) return false;
        pos += p.text.size();
        continue;
      }
      // One non-empty segment: up to the next '/' (a literal after it must follow).
      std::size_t end = path.find('/', pos);
      if (end == std::string_view::npos) end = path.size();
      std::string_view seg = path.substr(pos, end - pos);
      if (seg.empty() || seg.find_first_of("{}") != std::string_view::npos) return false;
      // A literal right after a parameter inside the same segment ("{a}.json").
      if (k + 1 < parts.size() && !parts[k + 1].param && parts[k + 1].text.front() != '/') {
        std::size_t lit = seg.rfind(parts[k + 1].text);
        if (lit == std::string_view::npos || lit == 0) return false;
        seg = seg.substr(0, lit);
      }
      out.emplace_back(p.text, seg);
      pos += seg.size();
    }
    return pos == path.size();
  }
};

std::string_view MatchInfo::operator[](std::string_view name) const {
  if (auto v = get(name)) return *v;
  throw KeyError(std::string(name));
}

std::optional<std::string_view> MatchInfo::get(std::string_view name) const noexcept {
  for (const auto& [k, v] : items_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

UrlDispatcher::UrlDispatcher() = default;
UrlDispatcher::~UrlDispatcher() = default;
UrlDispatcher::UrlDispatcher(UrlDispatcher&&) noexcept = default;
UrlDispatcher& UrlDispatcher::operator=(UrlDispatcher&&) noexcept = default;

Route& UrlDispatcher::add_route(std::string_view method, std::string_view path, Handler handler) {
  if (frozen_) throw RuntimeError("Cannot register a route: the router is frozen");
  if (!handler) throw ValueError("A route needs a handler");
  std::string m = upper(method);
  // Routes of the same path share a resource when registered one after the other
  // (aiohttp merges them the same way); a method registered twice is an error.
  Resource* res = nullptr;
  if (!resources_.empty() && resources_.back()->pattern == path) res = resources_.back().get();
  if (!res) {
    resources_.push_back(std::make_unique<Resource>(path));
    res = resources_.back().get();
  }
  for (const auto& r : res->routes) {
    if (r->method == m) throw RuntimeError("Added route will never be executed, method " + m + " is already registered");
  }
  auto route = std::make_unique<Route>();
  route->method = std::move(m);
  route->path = std::string(path);
  route->handler = std::move(handler);
  res->routes.push_back(std::move(route));
  return *res->routes.back();
}

Route& UrlDispatcher::add_get(std::string_view path, Handler handler, bool allow_head) {
  if (allow_head) add_route("HEAD", path, handler);
  return add_route("GET", path, std::move(handler));
}

int UrlDispatcher::resolve(std::string_view method, std::string_view path, MatchInfo& mi) const {
  mi.route_ = nullptr;
  bool path_matched = false;
  for (const auto& res : resources_) {
    if (!res->match(path, mi.items_)) continue;
    for (const auto& r : res->routes) {
      if (r->method == method || r->method == "*") {
        mi.route_ = r.get();
        return 0;
      }
    }
    if (!path_matched) {
      path_matched = true;
      mi.allowed_.clear();
      for (const auto& r : res->routes) mi.allowed_.push_back(r->method);
    }
  }
  mi.items_.clear();
  if (path_matched) {
    std::sort(mi.allowed_.begin(), mi.allowed_.end());
    return 405;
  }
  return 404;
}

std::vector<Route*> UrlDispatcher::routes() const {
  std::vector<Route*> out;
  for (const auto& res : resources_) {
    for (const auto& r : res->routes) out.push_back(r.get());
  }
  return out;
}

}  // namespace corio::web
