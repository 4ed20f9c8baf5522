// Number lookups: a list of 10 against a list of 1,000,000 (exact numbers and
// prefixes), and a sorted array and a linear scan as the alternatives we do not
// use. Prints ns per lookup and ratios; absolute times depend on the machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "rules/number.h"

namespace {

std::vector<std::string> numbers(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back("49" + std::to_string(1000000000ull + rng() % 900000000000ull));
    return out;
}

cr::NumberSet make_set(const std::vector<std::string>& nums, bool prefixes) {
    cr::NumberSet s;
    std::string err;
    for (const std::string& n : nums) s.add(prefixes ? n.substr(0, 8) + "*" : n, "49", &err);
    s.seal();
    return s;
}

// The alternative for exact numbers: the same packed keys in a sorted array.
__extension__ typedef unsigned __int128 Key;
Key key_of(const std::string& digits) {
    Key k = 0;
    for (char c : digits) k = k * 10 + static_cast<unsigned>(c - '0');
    return k * 32 + digits.size();
}
std::vector<Key> sorted_keys(const std::vector<std::string>& nums) {
    std::vector<Key> out;
    for (const std::string& n : nums) out.push_back(key_of(n));
    std::sort(out.begin(), out.end());
    return out;
}

template <typename F>
double ns_per(std::size_t iters, F f) {
    auto t0 = std::chrono::steady_clock::now();
    std::size_t hits = 0;
    for (std::size_t i = 0; i < iters; ++i) hits += f(i);
    auto t1 = std::chrono::steady_clock::now();
    volatile std::size_t sink = hits;
    (void)sink;
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(iters);
}

}  // namespace

int main() {
    const std::size_t kQueries = 2000000;
    std::vector<std::string> big = numbers(1000000, 1), small(big.begin(), big.begin() + 10);
    // 100,000 different probes spread over the whole list, so that the big list's
    // lookups are not served from a cache warmed by a few repeated numbers. A list of
    // 1,000,000 (16 MB of keys) does not fit in a CPU cache; a list of ten does.
    const std::size_t kProbes = 100000;
    std::vector<cr::Number> probes;
    std::vector<std::string> misses = numbers(kProbes, 2);
    for (std::size_t i = 0; i < kProbes; ++i) {
        probes.push_back({cr::NumberKind::Digits, i % 2 ? big[(i * 7919) % big.size()] : misses[i]});
    }
    std::vector<cr::Number> small_probes;
    for (std::size_t i = 0; i < kProbes; ++i)
        small_probes.push_back({cr::NumberKind::Digits, i % 2 ? small[i % 10] : misses[i]});

    auto t0 = std::chrono::steady_clock::now();
    cr::NumberSet s_big = make_set(big, false);
    double build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    cr::NumberSet s_small = make_set(small, false);
    cr::NumberSet p_big = make_set(big, true), p_small = make_set(small, true);

    double exact10 = ns_per(kQueries, [&](std::size_t i) { return s_small.contains(small_probes[i % kProbes]); });
    double exact1m = ns_per(kQueries, [&](std::size_t i) { return s_big.contains(probes[i % kProbes]); });
    double prefix10 = ns_per(kQueries, [&](std::size_t i) { return p_small.contains(small_probes[i % kProbes]); });
    double prefix1m = ns_per(kQueries, [&](std::size_t i) { return p_big.contains(probes[i % kProbes]); });
    // The same 1,000 numbers over and over (callers who call again): the cache is warm.
    double warm10 = ns_per(kQueries, [&](std::size_t i) { return s_small.contains(small_probes[i % 1000]); });
    double warm1m = ns_per(kQueries, [&](std::size_t i) { return s_big.contains(probes[i % 1000]); });
    std::vector<Key> a_small = sorted_keys(small), a_big = sorted_keys(big);
    double sorted10 = ns_per(kQueries, [&](std::size_t i) {
        return std::binary_search(a_small.begin(), a_small.end(), key_of(small_probes[i % kProbes].text));
    });
    double sorted1m = ns_per(kQueries, [&](std::size_t i) {
        return std::binary_search(a_big.begin(), a_big.end(), key_of(probes[i % kProbes].text));
    });
    double scan1m = ns_per(200, [&](std::size_t i) {
        const std::string& q = probes[i % kProbes].text;
        for (const std::string& n : big)
            if (n == q) return 1;
        return 0;
    });

    std::printf("building a set of 1,000,000 exact numbers: %.0f ms\n", build_ms);
    std::printf("%-34s %10s %10s %8s\n", "lookup (half hits, half misses)", "10 entries", "1,000,000", "1M / 10");
    std::printf("%-34s %8.1fns %8.1fns %7.2fx\n", "exact numbers (hash table)", exact10, exact1m, exact1m / exact10);
    std::printf("%-34s %8.1fns %8.1fns %7.2fx\n", "prefixes (a probe per length)", prefix10, prefix1m,
                prefix1m / prefix10);
    std::printf("%-34s %8.1fns %8.1fns %7.2fx\n", "exact, 1,000 numbers asked again", warm10, warm1m, warm1m / warm10);
    std::printf("%-34s %8.1fns %8.1fns %7.2fx\n", "alternative: sorted array", sorted10, sorted1m, sorted1m / sorted10);
    std::printf("%-34s %10s %8.0fns\n", "alternative: linear scan", "", scan1m);
    std::printf(
        "in the list of 1,000,000 the hash table is %.1fx faster than the sorted array and %.0fx faster "
        "than a scan\n",
        sorted1m / exact1m, scan1m / exact1m);
    return 0;
}
