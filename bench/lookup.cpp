// Number lookups: a list of 10 against a list of 1,000,000 (exact numbers and
// prefixes), and a linear scan as the alternative we do not use. Prints ns per
// lookup and ratios; absolute times depend on the machine, the ratios should not.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "number.h"

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
    std::vector<cr::Number> probes;
    std::vector<std::string> misses = numbers(1000, 2);
    for (std::size_t i = 0; i < 1000; ++i) {
        probes.push_back({cr::NumberKind::Digits, i % 2 ? big[i * 997] : misses[i]});
    }
    std::vector<cr::Number> small_probes;
    for (std::size_t i = 0; i < 1000; ++i) small_probes.push_back({cr::NumberKind::Digits, i % 2 ? small[i % 10] : misses[i]});

    auto t0 = std::chrono::steady_clock::now();
    cr::NumberSet s_big = make_set(big, false);
    double build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    cr::NumberSet s_small = make_set(small, false);
    cr::NumberSet p_big = make_set(big, true), p_small = make_set(small, true);

    double exact10 = ns_per(kQueries, [&](std::size_t i) { return s_small.contains(small_probes[i % 1000]); });
    double exact1m = ns_per(kQueries, [&](std::size_t i) { return s_big.contains(probes[i % 1000]); });
    double prefix10 = ns_per(kQueries, [&](std::size_t i) { return p_small.contains(small_probes[i % 1000]); });
    double prefix1m = ns_per(kQueries, [&](std::size_t i) { return p_big.contains(probes[i % 1000]); });
    double scan1m = ns_per(200, [&](std::size_t i) {
        const std::string& q = probes[i % 1000].text;
        for (const std::string& n : big)
            if (n == q) return 1;
        return 0;
    });

    std::printf("building a set of 1,000,000 exact numbers: %.0f ms\n", build_ms);
    std::printf("%-34s %10s %10s %8s\n", "lookup (half hits, half misses)", "10 entries", "1,000,000", "ratio");
    std::printf("%-34s %8.1fns %8.1fns %7.2fx\n", "exact numbers (sorted array)", exact10, exact1m, exact1m / exact10);
    std::printf("%-34s %8.1fns %8.1fns %7.2fx\n", "prefixes (per-length search)", prefix10, prefix1m, prefix1m / prefix10);
    std::printf("%-34s %10s %8.0fns %7.0fx\n", "alternative: linear scan", "", scan1m, scan1m / exact1m);
    return 0;
}
