#include "rules/address.h"

#include <algorithm>
#include <cstring>

#include "base/text.h"

namespace cr {

namespace {

bool atext(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

// local@domain: a dot-atom (RFC 5322) before the @, a host name of letters, digits
// and '-' in dotted labels after it.
bool check_address(std::string_view a, std::string* err) {
    std::size_t at = a.rfind('@');
    if (a.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 == a.size()) {
        *err = "not an address local@domain";
        return false;
    }
    std::string_view local = a.substr(0, at), domain = a.substr(at + 1);
    bool ok = local.size() <= 64 && local.front() != '.' && local.back() != '.' &&
              local.find("..") == std::string_view::npos &&
              std::all_of(local.begin(), local.end(), [](char c) { return atext(c) || c == '.'; });
    if (!ok) {
        *err = "the part before '@' may hold letters, digits, dots and !#$%&'*+-/=?^_`{|}~ only";
        return false;
    }
    std::size_t start = 0;
    for (;;) {
        std::size_t dot = domain.find('.', start);
        std::string_view label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
            !std::all_of(label.begin(), label.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            })) {
            *err = "the domain must be a host name (letters, digits, '-' in dotted labels)";
            return false;
        }
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

}  // namespace

bool parse_mail_address(std::string_view one, MailAddress* out, std::string* err) {
    one = trim(one);
    *out = MailAddress();
    std::string_view addr = one;
    if (std::size_t lt = one.find('<'); lt != std::string_view::npos) {
        if (one.back() != '>') {
            *err = quote(one) + ": '<' without a '>' at the end";
            return false;
        }
        std::string_view name = trim(one.substr(0, lt));
        addr = one.substr(lt + 1, one.size() - lt - 2);
        for (char ch : name) {
            auto c = static_cast<unsigned char>(ch);
            if (c < 0x20 || c == 0x7f || std::strchr("<>\"\\,", ch)) {
                *err = quote(one) + ": the name may not hold control characters, quotes, '<', '>', '\\' or ','";
                return false;
            }
        }
        if (!is_utf8(name)) {
            *err = quote(one) + ": the name is not UTF-8";
            return false;
        }
        out->name = std::string(name);
    }
    if (!check_address(addr, err)) {
        *err = quote(one) + ": " + *err;
        return false;
    }
    out->address = std::string(addr);
    return true;
}

bool parse_mail_addresses(std::string_view value, std::vector<MailAddress>* out, std::string* err) {
    out->clear();
    for (std::size_t i = 0; i <= value.size();) {
        std::size_t end = value.find_first_of(",\n", i);
        if (end == std::string_view::npos) end = value.size();
        std::string_view one = trim(value.substr(i, end - i));
        i = end + 1;
        if (one.empty()) continue;
        MailAddress a;
        if (!parse_mail_address(one, &a, err)) return false;
        out->push_back(std::move(a));
    }
    if (out->empty()) {
        *err = "names no address";
        return false;
    }
    return true;
}

namespace {

// The host of an http(s) URL: between "://" (and any user:password@) and the port or path.
std::string_view url_host(std::string_view url) {
    std::size_t start = url.find("://") + 3;
    std::size_t end = url.find_first_of("/?", start);
    std::string_view auth = url.substr(start, end == std::string_view::npos ? end : end - start);
    if (std::size_t at = auth.rfind('@'); at != std::string_view::npos) auth.remove_prefix(at + 1);
    if (!auth.empty() && auth.front() == '[') return auth.substr(0, auth.find(']') + 1);
    return auth.substr(0, auth.find(':'));
}

}  // namespace

bool url_host_is_loopback(std::string_view url) {
    std::string host = lower(url_host(url));
    if (host == "localhost" || host == "[::1]") return true;
    // 127.0.0.0/8, written as four decimal numbers.
    int parts = 0;
    std::size_t i = 0;
    while (i <= host.size()) {
        std::size_t dot = host.find('.', i);
        if (dot == std::string::npos) dot = host.size();
        if (dot == i || dot - i > 3 || !all_digits(host, i, dot - i) || digits_value(host, i, dot - i) > 255)
            return false;
        if (parts == 0 && digits_value(host, i, dot - i) != 127) return false;
        ++parts;
        i = dot + 1;
    }
    return parts == 4;
}

bool check_webhook_url(std::string_view url, std::string* err) {
    const bool https = url.substr(0, 8) == "https://", http = url.substr(0, 7) == "http://";
    bool bad =
        url.size() > 2048 || url.find('#') != std::string_view::npos || std::any_of(url.begin(), url.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f;
        });
    if (bad || !(https || http) || url_host(url).empty()) {
        *err = "webhook must be an https:// URL (no blanks, control characters or #fragment), not " + quote(url);
        return false;
    }
    if (http && !url_host_is_loopback(url)) {
        *err = "webhook " + quote(url) +
               ": plain http:// only to a loopback address (127.0.0.1, [::1], localhost); use https://";
        return false;
    }
    return true;
}

bool parse_waits(std::string_view value, std::vector<int>* out, std::string* err) {
    out->clear();
    std::string flat(value);
    std::replace(flat.begin(), flat.end(), ',', ' ');
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    std::string_view rest = flat;
    while (!(rest = trim(rest)).empty()) {
        std::size_t end = std::min(rest.find(' '), rest.size());
        std::string_view w = rest.substr(0, end);
        rest.remove_prefix(end);
        const char unit = w.back();
        const int scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 0;
        const std::size_t n = w.size() - 1;
        if (!scale || n == 0 || n > 5 || !all_digits(w, 0, n) || digits_value(w, 0, n) * scale < 1 ||
            digits_value(w, 0, n) * scale > 86400) {
            *err = "bad wait " + quote(w) + ": a number with s, m or h, from 1s to 24h";
            return false;
        }
        out->push_back(digits_value(w, 0, n) * scale);
        if (out->size() > 20) {
            *err = "more than 20 waits";
            return false;
        }
    }
    if (out->empty()) {
        *err = "names no wait";
        return false;
    }
    return true;
}

}  // namespace cr
