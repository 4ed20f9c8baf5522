// What the unit tests share, out of line: an operator new that counts allocations and
// fails one when asked (support.h).
#include "support.h"

#include <atomic>
#include <cstdlib>
#include <new>

// Counts heap allocations while g_count_allocations is set, to prove the hot path makes
// none; and fails one when asked (test::fail_allocation, support.h).
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<long> g_allocations{0};
std::atomic<long> g_fail_in{0};  // the allocation that fails: 1 the next one; 0 none

void* counted_malloc(std::size_t size) noexcept {
    if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (g_fail_in.load(std::memory_order_relaxed) > 0 && g_fail_in.fetch_sub(1) == 1) return nullptr;
    return std::malloc(size ? size : 1);
}
}  // namespace

void test::fail_allocation(long n) { g_fail_in = n; }

// Every replaceable form, so that no allocator of the runtime (or a sanitizer's) is mixed in;
// out of line, so that the compiler does not pair an inlined free() with operator new.
__attribute__((noinline)) void* operator new(std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new[](std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return counted_malloc(size);
}
__attribute__((noinline)) void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return counted_malloc(size);
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

void test::count_allocations(bool on) { g_count_allocations = on; }
long test::allocations() { return g_allocations.load(); }
void test::reset_allocations() { g_allocations = 0; }
