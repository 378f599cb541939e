// BulkAllocator<T>: a std::allocator for the runtime's big internal arrays (the loop's
// task table, gather's child table, the timer queues).
//
// Allocations of 2 MiB and more are mapped directly and advised to use transparent
// huge pages: a table for a million tasks then costs a handful of page faults instead
// of thousands (on virtual machines a fault costs microseconds). Smaller ones use
// operator new.
#pragma once

#include <cstddef>
#include <new>

namespace corio::detail {

void* bulk_allocate(std::size_t bytes);
void bulk_deallocate(void* p, std::size_t bytes) noexcept;

template <class T>
struct BulkAllocator {
  using value_type = T;
  BulkAllocator() noexcept = default;
  template <class U>
  BulkAllocator(const BulkAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(std::size_t n) { return static_cast<T*>(bulk_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { bulk_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const BulkAllocator<U>&) const noexcept { return true; }
};

}  // namespace corio::detail
