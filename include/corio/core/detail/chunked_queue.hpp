// ChunkedQueue<T>: a FIFO of trivially copyable T in fixed 2 MiB chunks.
//
// Growing never copies (a vector doubling would briefly hold both the old and the new
// array, and leave a region of a size nothing asks for again), and every chunk is the
// same size, so chunks freed by one wave of work are reused by the next through the
// bulk allocator's cache. Used for the loop's timer lane and task table.
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include "corio/core/detail/bulk_allocator.hpp"

namespace corio::detail {

template <class T>
class ChunkedQueue {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr std::size_t kChunkBytes = 2 * 1024 * 1024;
  static constexpr std::size_t kPerChunk = kChunkBytes / sizeof(T);

  ChunkedQueue() = default;
  ChunkedQueue(const ChunkedQueue&) = delete;
  ChunkedQueue& operator=(const ChunkedQueue&) = delete;
  ~ChunkedQueue() {
    for (T* c : chunks_) bulk_deallocate(c, kChunkBytes);
  }

  bool empty() const noexcept { return head_ == tail_; }
  std::size_t size() const noexcept { return tail_ - head_; }
  /// Element i counted from the front.
  T& operator[](std::size_t i) noexcept { return at(head_ + i); }
  const T& operator[](std::size_t i) const noexcept { return const_cast<ChunkedQueue*>(this)->at(head_ + i); }
  T& front() noexcept { return at(head_); }
  T& back() noexcept { return at(tail_ - 1); }
  const T& back() const noexcept { return const_cast<ChunkedQueue*>(this)->at(tail_ - 1); }

  void push_back(const T& v) {
    if (tail_ == chunks_.size() * kPerChunk) chunks_.push_back(static_cast<T*>(bulk_allocate(kChunkBytes)));
    at(tail_++) = v;
  }
  void pop_front() noexcept {
    if (++head_ == tail_) {
      clear();
      return;
    }
    if (head_ == kPerChunk) {  // the first chunk is spent: recycle it at the end
      T* c = chunks_.front();
      chunks_.erase(chunks_.begin());
      chunks_.push_back(c);
      head_ -= kPerChunk;
      tail_ -= kPerChunk;
    }
  }
  void pop_back() noexcept {
    if (--tail_ == head_) clear();
  }
  /// Drops every element; keeps one chunk for reuse and returns the rest.
  void clear() noexcept {
    head_ = tail_ = 0;
    while (chunks_.size() > 1) {
      bulk_deallocate(chunks_.back(), kChunkBytes);
      chunks_.pop_back();
    }
  }

 private:
  T& at(std::size_t i) noexcept { return chunks_[i / kPerChunk][i % kPerChunk]; }
  std::vector<T*> chunks_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

}  // namespace corio::detail
