// libFuzzer driver: the number normaliser, patterns and number sets.
// Input: lines; the first is the number asked about, the others are patterns
// (the country code is taken from the first byte). Properties checked:
// - normalise_digits yields 1 to 20 digits, or nothing with a message;
// - it is idempotent: normalising its own output gives the same digits;
// - a set holding a pattern exactly as a normalised number contains that number,
//   and a set holding "*" contains every number (not "anonymous", by design);
// - a prefix pattern "D*" matches every number starting with D;
// - split_patterns never yields an empty pattern.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "rules/number.h"

namespace {

void fail(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

bool all_digits(const std::string& s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* const kCodes[] = {"", "49", "1", "353"};
    const std::string cc = kCodes[data[0] & 3];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos <= in.size();) {
        std::size_t nl = in.find('\n', pos);
        if (nl == std::string_view::npos) nl = in.size();
        lines.push_back(in.substr(pos, nl - pos));
        pos = nl + 1;
    }

    std::string err, d;
    if (!cr::normalise_digits(lines[0], cc, &d, &err)) {
        if (err.empty()) fail("normalise_digits failed without a message");
        if (!d.empty()) fail("normalise_digits failed but gave digits");
    } else {
        if (d.size() > 20 || !all_digits(d)) fail("normalised number not 1 to 20 digits");
        std::string err2, again;
        if ((!cr::normalise_digits(d, cc, &again, &err2) || again != d) && d[0] != '0')
            fail("normalising is not idempotent");
    }

    cr::Number n;
    bool is_number = cr::parse_number(lines[0], cc, true, &n, &err);

    cr::NumberSet set;
    bool added_self = false, added_any = false;
    std::vector<std::string> prefixes;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        for (const std::string& p : cr::split_patterns(lines[i])) {
            if (p.empty()) fail("split_patterns gave an empty pattern");
            std::string e;
            if (set.add(p, cc, &e)) {
                if (p == "*") added_any = true;
                if (is_number && n.kind == cr::NumberKind::Digits && p == n.text && p[0] != '0') added_self = true;
                if (p.size() > 1 && p.back() == '*' && all_digits(p.substr(0, p.size() - 1)) && p[0] != '0')
                    prefixes.push_back(p.substr(0, p.size() - 1));
            } else if (e.empty()) {
                fail("NumberSet::add failed without a message");
            }
        }
    }
    set.seal();
    if (is_number) {
        bool in_set = set.contains(n);
        if (added_any && n.kind != cr::NumberKind::Anonymous && !in_set) fail("'*' does not match a number");
        if (added_self && !in_set) fail("exact pattern does not match its own number");
        if (n.kind == cr::NumberKind::Digits)
            for (const std::string& p : prefixes)
                if (n.text.rfind(p, 0) == 0 && !in_set) fail("prefix pattern does not match");
    }
    (void)set.size();
    return 0;
}
