// The three storage orders of the queues: FIFO (a growable ring buffer), LIFO (a
// vector used as a stack) and priority (a binary heap on a vector). Each offers
// push(T&&), pop() -> T (the next item in its order), size() and clear(); the queue
// logic in basic_queue.hpp is written once against that interface.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace corio::detail {

/// FIFO storage: a ring buffer whose capacity doubles when full (power of two).
template <class T>
class FifoBuffer {
 public:
  FifoBuffer() noexcept = default;
  FifoBuffer(FifoBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        cap_(std::exchange(o.cap_, 0)),
        head_(std::exchange(o.head_, 0)),
        size_(std::exchange(o.size_, 0)) {}
  FifoBuffer& operator=(FifoBuffer&&) = delete;
  ~FifoBuffer() {
    clear();
    if (data_) std::allocator<T>().deallocate(data_, cap_);
  }

  std::size_t size() const noexcept { return size_; }

  void push(T&& v) {
    if (size_ == cap_) grow();
    std::construct_at(data_ + ((head_ + size_) & (cap_ - 1)), std::move(v));
    ++size_;
  }

  T pop(std::size_t skip = 0) {
    T* slot = data_ + ((head_ + skip) & (cap_ - 1));
    T v(std::move(*slot));
    // Close the gap by shifting the `skip` promised items one place back (rare: only
    // while woken getters have not run yet, and `skip` is at most their number).
    for (std::size_t i = skip; i > 0; --i) {
      T* prev = data_ + ((head_ + i - 1) & (cap_ - 1));
      *slot = std::move(*prev);
      slot = prev;
    }
    std::destroy_at(slot);
    head_ = (head_ + 1) & (cap_ - 1);
    --size_;
    return v;
  }

  void clear() noexcept {
    for (; size_ > 0; --size_) {
      std::destroy_at(data_ + head_);
      head_ = (head_ + 1) & (cap_ - 1);
    }
    head_ = 0;
  }

 private:
  [[gnu::noinline]] void grow() {
    const std::size_t cap = cap_ ? cap_ * 2 : 16;
    std::allocator<T> alloc;
    T* data = alloc.allocate(cap);
    std::size_t i = 0;
    try {
      for (; i < size_; ++i) {
        std::construct_at(data + i, std::move_if_noexcept(data_[(head_ + i) & (cap_ - 1)]));
      }
    } catch (...) {
      std::destroy(data, data + i);
      alloc.deallocate(data, cap);
      throw;
    }
    const std::size_t n = size_;
    clear();
    if (data_) alloc.deallocate(data_, cap_);
    data_ = data;
    cap_ = cap;
    head_ = 0;
    size_ = n;
  }

  T* data_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

/// LIFO storage: the last item pushed is popped first.
template <class T>
class LifoBuffer {
 public:
  std::size_t size() const noexcept { return v_.size(); }
  void push(T&& x) { v_.push_back(std::move(x)); }
  T pop(std::size_t /*skip*/ = 0) {
    T x(std::move(v_.back()));
    v_.pop_back();
    return x;
  }
  void clear() noexcept { v_.clear(); }

 private:
  std::vector<T> v_;
};

/// Priority storage: pop() returns the smallest item by `Compare` (Python's heapq order;
/// std::priority_queue would return the largest).
template <class T, class Compare>
class HeapBuffer {
 public:
  HeapBuffer() = default;
  explicit HeapBuffer(Compare comp) : greater_{std::move(comp)} {}
  std::size_t size() const noexcept { return v_.size(); }
  void push(T&& x) {
    v_.push_back(std::move(x));
    std::push_heap(v_.begin(), v_.end(), greater_);
  }
  T pop(std::size_t /*skip*/ = 0) {
    std::pop_heap(v_.begin(), v_.end(), greater_);
    T x(std::move(v_.back()));
    v_.pop_back();
    return x;
  }
  void clear() noexcept { v_.clear(); }

 private:
  struct Greater {
    Compare less;
    bool operator()(const T& a, const T& b) const { return less(b, a); }
  };
  std::vector<T> v_;
  Greater greater_{};
};

}  // namespace corio::detail
