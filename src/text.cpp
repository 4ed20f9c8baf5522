#include "text.h"

namespace cr {

bool is_space(char c) { return kSpace.find(c) != std::string_view::npos; }

std::string_view trim(std::string_view s, std::string_view chars) {
    while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
    while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
    return s;
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

}  // namespace cr
