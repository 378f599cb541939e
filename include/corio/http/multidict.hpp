// MultiDict and CIMultiDict: ordered multi-maps of strings, as aiohttp's `multidict`.
//
// HTTP headers, query strings and form fields may repeat a name ("Set-Cookie",
// "?tag=a&tag=b") and their order matters, so they are neither std::map nor
// std::unordered_map: a BasicMultiDict keeps its (name, value) pairs in insertion order
// in one vector. Lookups are linear, which beats hashing for the dozen or so entries a
// request carries. CIMultiDict compares names ASCII-case-insensitively (header names);
// MultiDict compares them exactly (query and form fields). `Headers` is CIMultiDict.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio::http {

/// ASCII case-insensitive equality, the comparison HTTP uses for header names.
bool iequals(std::string_view a, std::string_view b) noexcept;

template <bool CaseInsensitive>
class BasicMultiDict {
 public:
  using value_type = std::pair<std::string, std::string>;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  BasicMultiDict() = default;
  BasicMultiDict(std::initializer_list<value_type> items) : items_(items) {}

  /// Appends a pair, keeping any earlier ones with the same name (multidict's add()).
  void add(std::string_view name, std::string_view value) {
    items_.emplace_back(std::string(name), std::string(value));
  }
  /// Replaces every pair named `name` by one, at the place of the first (multidict's
  /// `d[name] = value`); appends when there was none.
  void set(std::string_view name, std::string_view value);
  /// Sets `name` only when it is absent (dict.setdefault); returns the value in place.
  std::string_view setdefault(std::string_view name, std::string_view value);

  /// The first value named `name`, if any.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept {
    for (const auto& [k, v] : items_) {
      if (same(k, name)) return std::string_view(v);
    }
    return std::nullopt;
  }
  /// The first value named `name`, or `fallback`.
  [[nodiscard]] std::string_view get(std::string_view name,
                                     std::string_view fallback) const noexcept {
    return get(name).value_or(fallback);
  }
  /// The first value named `name`; throws KeyError when there is none (d[name]).
  [[nodiscard]] std::string_view at(std::string_view name) const;
  /// Every value named `name`, in order (multidict's getall(), empty when absent).
  [[nodiscard]] std::vector<std::string_view> getall(std::string_view name) const;
  [[nodiscard]] bool contains(std::string_view name) const noexcept {
    return get(name).has_value();
  }
  /// Removes every pair named `name`; returns how many there were (popall's count).
  std::size_t erase(std::string_view name);
  /// Adds every pair of `other` after the existing ones (multidict's extend()).
  void extend(const BasicMultiDict& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  }
  /// Sets each name of `other`, replacing earlier values (multidict's update()).
  void update(const BasicMultiDict& other) {
    for (const auto& [k, v] : other.items_) set(k, v);
  }
  void clear() noexcept { items_.clear(); }

  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  [[nodiscard]] const_iterator begin() const noexcept { return items_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return items_.end(); }

  friend bool operator==(const BasicMultiDict&, const BasicMultiDict&) = default;

 private:
  static bool same(std::string_view a, std::string_view b) noexcept {
    if constexpr (CaseInsensitive) {
      return iequals(a, b);
    } else {
      return a == b;
    }
  }

  std::vector<value_type> items_;
};

extern template class BasicMultiDict<true>;
extern template class BasicMultiDict<false>;

/// Names compared exactly: query strings, form fields.
using MultiDict = BasicMultiDict<false>;
/// Names compared case-insensitively: HTTP headers.
using CIMultiDict = BasicMultiDict<true>;
using Headers = CIMultiDict;

}  // namespace corio::http
