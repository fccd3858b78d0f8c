// uninitialized_allocator.h — an allocator whose vectors grow without
// zeroing what they add.
//
// std::vector<T>::resize(n) value-initializes (zeroes) the elements it adds;
// a buffer sized for the worst case and then written in full or cut back
// (the normalizer's origins, the story sketch's code points) paid for
// zeroing bytes it overwrites or drops. With this allocator resize(n)
// default-initializes them: a trivial T is left as it is. Only for
// trivially copyable T whose new elements are written before they are read.
//
// Ownership: as std::allocator. Threads: stateless, as std::allocator.
// Errors: as std::allocator (std::bad_alloc).
#pragma once

#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace newsflow {

template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialized: left as it is
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A vector that grows without zeroing (see above).
template <typename T>
using UninitializedVector = std::vector<T, UninitializedAllocator<T>>;

}  // namespace newsflow
