#include "rules/number.h"

#include <algorithm>

namespace cr {

namespace {

constexpr std::size_t kMaxDigits = 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_separator(char c) { return c == ' ' || c == '\t' || c == '-' || c == '/' || c == '.' || c == '(' || c == ')'; }

// A SIP-ID as sipgate.io sends it for a user or device: digits, 'e', digits.
bool is_sip_id(std::string_view s) {
    std::size_t e = s.find('e');
    if (e == std::string_view::npos || e == 0 || e + 1 >= s.size() || s.size() > 32) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != e && !is_digit(s[i])) return false;
    return true;
}

}  // namespace

bool normalise_digits(std::string_view in, const std::string& country_code, std::string* out, std::string* err) {
    std::string d;
    d.reserve(in.size());
    bool plus = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (is_separator(c)) continue;
        if (c == '+' && d.empty() && !plus) {
            plus = true;
            continue;
        }
        if (!is_digit(c)) {
            *err = "not a number";
            return false;
        }
        d.push_back(c);
    }
    if (d.empty()) {
        *err = "not a number";
        return false;
    }
    if (!plus) {
        if (d.size() >= 2 && d[0] == '0' && d[1] == '0') {
            d.erase(0, 2);
        } else if (d[0] == '0') {
            if (country_code.empty()) {
                *err = "national number (leading 0) but no country_code is set";
                return false;
            }
            d.replace(0, 1, country_code);
        }
    }
    if (d.empty()) {
        *err = "not a number";
        return false;
    }
    if (d.size() > kMaxDigits) {
        *err = "more than " + std::to_string(kMaxDigits) + " digits";
        return false;
    }
    *out = std::move(d);
    return true;
}

bool parse_number(std::string_view in, const std::string& country_code, bool empty_is_anonymous, Number* out,
                  std::string* err) {
    if (in.empty() && empty_is_anonymous) {
        *out = Number{NumberKind::Anonymous, "anonymous"};
        return true;
    }
    if (in == "anonymous") {
        *out = Number{NumberKind::Anonymous, "anonymous"};
        return true;
    }
    if (is_sip_id(in)) {
        *out = Number{NumberKind::SipId, std::string(in)};
        return true;
    }
    std::string d;
    if (!normalise_digits(in, country_code, &d, err)) return false;
    *out = Number{NumberKind::Digits, std::move(d)};
    return true;
}

std::size_t NumberSet::KeyTable::bucket(Key k) const {
    // Multiplicative hashing of both halves; the top bits pick the bucket.
    std::uint64_t lo = static_cast<std::uint64_t>(k), hi = static_cast<std::uint64_t>(k >> 64);
    std::uint64_t h = (lo ^ (hi * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ull;
    return shift_ >= 64 ? 0 : static_cast<std::size_t>(h >> shift_);
}

void NumberSet::KeyTable::seal() {
    std::sort(keys_.begin(), keys_.end());
    keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
    // A power of two of buckets, at least one per key. The offsets are 32 bits: a set
    // holds one list file (at most 512 MiB, so fewer than 2^28 lines) and what a rule
    // file (at most 16 MiB) adds, far fewer than 2^32 keys.
    unsigned bits = 0;
    while ((std::size_t{1} << bits) < keys_.size()) ++bits;
    shift_ = 64 - bits;
    std::size_t n = std::size_t{1} << bits;
    std::vector<std::uint32_t> start(n + 1, 0);
    for (Key k : keys_) ++start[bucket(k) + 1];
    for (std::size_t b = 0; b < n; ++b) start[b + 1] += start[b];
    std::vector<Key> grouped(keys_.size());
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (Key k : keys_) grouped[fill[bucket(k)]++] = k;
    keys_ = std::move(grouped);
    start_ = std::move(start);
}

bool NumberSet::KeyTable::contains(Key k) const {
    if (start_.empty()) return false;  // not sealed yet
    std::size_t b = bucket(k);
    for (std::uint32_t i = start_[b], end = start_[b + 1]; i < end; ++i)
        if (keys_[i] == k) return true;
    return false;
}

NumberSet::Key NumberSet::key(std::string_view digits) {
    Key k = 0;
    for (char c : digits) k = k * 10 + static_cast<unsigned>(c - '0');
    return k * 32 + digits.size();
}

bool NumberSet::add(std::string_view p, const std::string& country_code, std::string* err) {
    if (p == "*") {
        any_ = true;
        return true;
    }
    if (p == "anonymous") {
        anonymous_ = true;
        return true;
    }
    if (is_sip_id(p)) {
        sip_ids_.emplace_back(p);
        return true;
    }
    bool prefix = !p.empty() && p.back() == '*';
    if (prefix) p.remove_suffix(1);
    if (p.find('*') != std::string_view::npos) {
        *err = "'*' may only end a pattern";
        return false;
    }
    std::string d;
    if (!normalise_digits(p, country_code, &d, err)) return false;
    if (prefix) {
        prefixes_.add(key(d));
        prefix_lengths_ |= 1u << d.size();
    } else {
        exact_.add(key(d));
    }
    return true;
}

void NumberSet::seal() {
    exact_.seal();
    prefixes_.seal();
    std::sort(sip_ids_.begin(), sip_ids_.end());
    sip_ids_.erase(std::unique(sip_ids_.begin(), sip_ids_.end()), sip_ids_.end());
}

std::size_t NumberSet::size() const {
    return exact_.size() + prefixes_.size() + sip_ids_.size() + (any_ ? 1 : 0) + (anonymous_ ? 1 : 0);
}

bool NumberSet::contains(const Number& n) const {
    switch (n.kind) {
    case NumberKind::Anonymous: return anonymous_;
    case NumberKind::SipId: return any_ || std::binary_search(sip_ids_.begin(), sip_ids_.end(), n.text);
    case NumberKind::Digits: break;
    }
    if (any_) return true;
    const std::string& d = n.text;
    if (exact_.contains(key(d))) return true;
    if (prefix_lengths_ == 0) return false;
    Key k = 0;
    for (std::size_t len = 0; len <= d.size(); ++len) {
        if (len > 0) k = k * 10 + static_cast<unsigned>(d[len - 1] - '0');
        if ((prefix_lengths_ >> len) & 1u) {
            if (prefixes_.contains(k * 32 + len)) return true;
        }
    }
    return false;
}

std::vector<std::string> split_patterns(std::string_view value) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= value.size()) {
        std::size_t comma = value.find(',', pos);
        std::string_view piece =
            value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        // Tokens of this piece, separated by white space.
        std::vector<std::string_view> toks;
        std::size_t i = 0;
        while (i < piece.size()) {
            while (i < piece.size() && (piece[i] == ' ' || piece[i] == '\t')) ++i;
            std::size_t j = i;
            while (j < piece.size() && piece[j] != ' ' && piece[j] != '\t') ++j;
            if (j > i) toks.push_back(piece.substr(i, j - i));
            i = j;
        }
        for (std::size_t t = 0; t < toks.size(); ++t) {
            std::string pat(toks[t]);
            char first = pat[0];
            if ((first == '+' || first == '0' || first == '(') && pat.size() <= 6) {
                // A number written in groups ("+49 170 1234567", "0211 123 45"): a short
                // first group takes the groups of digits that follow, up to one that
                // starts a number of its own ('+' or "00").
                while (pat.back() != '*' && t + 1 < toks.size() && toks[t + 1][0] != '+' &&
                       toks[t + 1].substr(0, 2) != "00" &&
                       std::all_of(toks[t + 1].begin(), toks[t + 1].end(),
                                   [](char c) { return is_digit(c) || is_separator(c) || c == '*'; })) {
                    pat += ' ';
                    pat += toks[++t];
                }
            }
            out.push_back(std::move(pat));
        }
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return out;
}

}  // namespace cr
