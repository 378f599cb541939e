#include "corio/http/multidict.hpp"

#include <algorithm>

#include "corio/core/exceptions.hpp"

namespace corio::http {

namespace {
constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

template <bool CI>
void BasicMultiDict<CI>::set(std::string_view name, std::string_view value) {
  auto first = std::find_if(items_.begin(), items_.end(),
                            [&](const value_type& item) { return same(item.first, name); });
  if (first == items_.end()) {
    add(name, value);
    return;
  }
  first->second.assign(value);
  auto rest = std::remove_if(first + 1, items_.end(),
                             [&](const value_type& item) { return same(item.first, name); });
  items_.erase(rest, items_.end());
}

template <bool CI>
std::string_view BasicMultiDict<CI>::setdefault(std::string_view name, std::string_view value) {
  for (const auto& [k, v] : items_) {
    if (same(k, name)) return v;
  }
  add(name, value);
  return items_.back().second;
}

template <bool CI>
std::string_view BasicMultiDict<CI>::at(std::string_view name) const {
  if (auto value = get(name)) return *value;
  throw KeyError(std::string(name));
}

template <bool CI>
std::vector<std::string_view> BasicMultiDict<CI>::getall(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [k, v] : items_) {
    if (same(k, name)) values.emplace_back(v);
  }
  return values;
}

template <bool CI>
std::size_t BasicMultiDict<CI>::erase(std::string_view name) {
  auto rest = std::remove_if(items_.begin(), items_.end(),
                             [&](const value_type& item) { return same(item.first, name); });
  auto removed = static_cast<std::size_t>(items_.end() - rest);
  items_.erase(rest, items_.end());
  return removed;
}

template class BasicMultiDict<true>;
template class BasicMultiDict<false>;

}  // namespace corio::http
