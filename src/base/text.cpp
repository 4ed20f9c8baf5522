#include "base/text.h"

#include <algorithm>

namespace cr {

bool is_space(char c) { return kSpace.find(c) != std::string_view::npos; }

std::string_view trim(std::string_view s, std::string_view chars) {
    while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
    while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
    return s;
}

std::string trim_blanks(std::string_view s) { return std::string(trim(s, kBlanks)); }

bool split_list(const std::string& value, std::vector<std::string>* items, std::string* err) {
    items->clear();
    if (trim_blanks(value).empty()) return true;
    std::size_t start = 0;
    for (;;) {
        std::size_t comma = value.find(',', start);
        std::string item = trim_blanks(
            std::string_view(value).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (item.empty()) {
            *err = "empty item in the list '" + value + "'";
            return false;
        }
        items->push_back(item);
        if (comma == std::string::npos) return true;
        start = comma + 1;
    }
}

bool all_digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos > s.size() || n > s.size() - pos) return false;
    for (std::size_t i = pos; i < pos + n; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

int digits_value(std::string_view s, std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
}

std::size_t utf8_columns(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
    return n;
}

std::string utf8_cut(std::string_view s, std::size_t n) {
    if (utf8_columns(s) <= n) return std::string(s);
    std::size_t i = 0;
    for (std::size_t cols = 0; i < s.size() && cols + 1 < n; ++cols) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
    }
    return std::string(s.substr(0, i)) + "\xe2\x80\xa6";
}

bool is_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
    });
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string escape(std::string_view s, std::size_t max, Backslash backslash) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (char ch : s.substr(0, max)) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == '\\' && backslash == Backslash::Doubled) {
            out += "\\\\";
        } else if (c < 0x20 || c >= 0x7f || c == '\\') {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (s.size() > max) out += "...";
    return out;
}

std::string quote(std::string_view s) { return "'" + escape(s, 80, Backslash::Hex) + "'"; }

std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned c = b(0);
    std::size_t n = c < 0x80                 ? 1
                    : c >= 0xc2 && c <= 0xdf ? 2
                    : c >= 0xe0 && c <= 0xef ? 3
                    : c >= 0xf0 && c <= 0xf4 ? 4
                                             : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(k) >> 6) != 2) return 0;
    if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f) || (c == 0xf0 && b(1) < 0x90) ||
        (c == 0xf4 && b(1) > 0x8f))
        return 0;
    return n;
}

bool is_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_length(s, i);
        if (!n) return false;
        i += n;
    }
    return true;
}

}  // namespace cr
