#include "webhook/form.h"

#include "base/text.h"

namespace cr {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes one name or value that starts at byte `base` of the body.
bool decode_part(std::string_view in, std::size_t base, std::string* out, std::string* err) {
    out->clear();
    out->reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '+') {
            out->push_back(' ');
        } else if (c == '%') {
            int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *err = "bad %-escape at byte " + std::to_string(base + i + 1);
                return false;
            }
            out->push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out->push_back(c);
        }
    }
    return true;
}

}  // namespace

bool decode_form(std::string_view body, Fields* out, std::string* err) {
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t amp = body.find('&', pos);
        if (amp == std::string_view::npos) amp = body.size();
        std::string_view piece = body.substr(pos, amp - pos);
        if (!piece.empty()) {
            std::size_t eq = piece.find('=');
            std::string name, value;
            if (!decode_part(piece.substr(0, eq), pos, &name, err)) return false;
            if (eq != std::string_view::npos && !decode_part(piece.substr(eq + 1), pos + eq + 1, &value, err))
                return false;
            out->emplace_back(std::move(name), std::move(value));
        }
        pos = amp + 1;
    }
    return true;
}

bool is_form_content_type(std::string_view ct) {
    static constexpr std::string_view kType = "application/x-www-form-urlencoded";
    std::size_t i = 0;
    while (i < ct.size() && (ct[i] == ' ' || ct[i] == '\t')) ++i;
    if (ct.size() - i < kType.size()) return false;
    for (std::size_t k = 0; k < kType.size(); ++k)
        if (lower(ct[i + k]) != kType[k]) return false;
    i += kType.size();
    while (i < ct.size() && (ct[i] == ' ' || ct[i] == '\t')) ++i;
    return i == ct.size() || ct[i] == ';';
}

}  // namespace cr
