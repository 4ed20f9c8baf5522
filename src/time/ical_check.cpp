#include "time/ical_check.h"

#include <algorithm>
#include <cstdint>

#include "base/civil.h"
#include "base/text.h"

namespace cr {

const IcsProperty* IcsEvent::find(std::string_view name) const {
    for (const IcsProperty& p : props)
        if (p.name == name) return &p;
    return nullptr;
}

namespace {

bool is_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

std::string upper(std::string_view s) {
    std::string u(s);
    for (char& c : u)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return u;
}

// A content line cut into its parts. Returns false with *err for a malformed one.
struct ContentLine {
    std::string name, tzid, value;
};

// Splits NAME[;PARAM=VALUE[,VALUE]...]:VALUE (RFC 5545 3.1); parameter values may be
// quoted, and then hold ':' ';' ','. Returns false with *err when it is not one.
bool split_content_line(std::string_view s, ContentLine* out, std::string* err) {
    std::size_t i = 0;
    while (i < s.size() && is_name_char(s[i])) ++i;
    if (s.find(':') == std::string_view::npos) {
        *err = "line without ':' (NAME:VALUE expected): " + quote(utf8_cut(s, 60));
        return false;
    }
    if (i == 0) {
        *err = "line without a property name (NAME:VALUE expected): " + quote(utf8_cut(s, 60));
        return false;
    }
    out->name = upper(s.substr(0, i));
    while (i < s.size() && s[i] == ';') {
        std::size_t p = ++i;
        while (i < s.size() && is_name_char(s[i])) ++i;
        std::string pname = upper(s.substr(p, i - p));
        if (pname.empty() || i >= s.size() || s[i] != '=') {
            *err = "bad parameter in " + out->name + " (NAME=VALUE expected after ';')";
            return false;
        }
        ++i;
        for (bool first = true; first || (i < s.size() && s[i] == ','); first = false) {
            if (!first) ++i;
            std::string pvalue;
            if (i < s.size() && s[i] == '"') {
                std::size_t q = s.find('"', i + 1);
                if (q == std::string_view::npos) {
                    *err = "unclosed '\"' in a parameter of " + out->name;
                    return false;
                }
                pvalue = std::string(s.substr(i + 1, q - i - 1));
                i = q + 1;
            } else {
                std::size_t e = s.find_first_of(";:,\"", i);
                if (e == std::string_view::npos) e = s.size();
                pvalue = std::string(s.substr(i, e - i));
                i = e;
            }
            if (pname == "TZID" && out->tzid.empty()) out->tzid = pvalue;
        }
    }
    if (i >= s.size() || s[i] != ':') {
        *err = "bad content line " + quote(utf8_cut(s, 60)) + " (NAME[;PARAM=VALUE]:VALUE expected)";
        return false;
    }
    out->value = std::string(s.substr(i + 1));
    return true;
}

bool kept_property(const std::string& n) {
    return n == "DTSTART" || n == "DTEND" || n == "DURATION" || n == "RRULE" || n == "RDATE" || n == "EXDATE" ||
           n == "RECURRENCE-ID" || n == "SUMMARY";
}

struct Open {
    std::string name;
    int line;
};

}  // namespace

bool check_ics(std::string_view text, IcsOutline* out, int* line, std::string* err) {
    IcsOutline result;
    std::vector<Open> stack;
    std::size_t components = 0;
    int calendars = 0;
    int first_line = 0;  // of the first content line
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (text.find('\0') != std::string_view::npos) {
        *line = 1 + static_cast<int>(
                        std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find('\0')), '\n'));
        *err = "NUL byte (not a text file)";
        return false;
    }
    std::string logical;  // the content line being unfolded
    int logical_line = 0;
    int n = 0;
    std::size_t pos = 0;
    // Handles one unfolded content line; false with *err and *line.
    auto handle = [&](const std::string& s, int at) -> bool {
        *line = at;
        ContentLine cl;
        if (!split_content_line(s, &cl, err)) return false;
        if (!first_line) first_line = at;
        if (cl.name == "BEGIN" || cl.name == "END") {
            std::string comp = upper(trim(cl.value));
            if (comp.empty() || comp.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != std::string::npos) {
                *err = "bad component name " + quote(utf8_cut(cl.value, 60)) + " in " + cl.name;
                return false;
            }
            if (cl.name == "BEGIN") {
                if (stack.empty() && comp != "VCALENDAR") {
                    *err = "BEGIN:" + comp + " outside BEGIN:VCALENDAR ... END:VCALENDAR";
                    return false;
                }
                if (comp == "VCALENDAR" && (calendars > 0 || !stack.empty())) {
                    *err = "a second VCALENDAR (a file holds one)";
                    return false;
                }
                if (comp == "VCALENDAR") ++calendars;
                if (++components > kIcsMaxComponents) {
                    *err = "more than " + std::to_string(kIcsMaxComponents) + " components";
                    return false;
                }
                if (stack.size() >= kIcsMaxDepth) {
                    *err = "components nested more than " + std::to_string(kIcsMaxDepth) + " deep";
                    return false;
                }
                if (comp == "VEVENT" && stack.size() == 1) {
                    result.events.emplace_back();
                    result.events.back().line = at;
                }
                stack.push_back({comp, at});
                return true;
            }
            if (stack.empty()) {
                *err = "END:" + comp + " without BEGIN:" + comp;
                return false;
            }
            if (stack.back().name != comp) {
                *err = "END:" + comp + " where END:" + stack.back().name + " (of the BEGIN on line " +
                       std::to_string(stack.back().line) + ") belongs";
                return false;
            }
            stack.pop_back();
            return true;
        }
        if (stack.empty()) {
            *err =
                calendars ? cl.name + " after END:VCALENDAR" : cl.name + " outside BEGIN:VCALENDAR ... END:VCALENDAR";
            return false;
        }
        if (stack.size() == 2 && stack.back().name == "VEVENT" && kept_property(cl.name)) {
            IcsProperty p;
            p.name = std::move(cl.name);
            p.value = std::move(cl.value);
            p.tzid = std::move(cl.tzid);
            p.line = at;
            result.events.back().props.push_back(std::move(p));
        }
        return true;
    };
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view phys = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++n;
        if (!phys.empty() && phys.back() == '\r') phys.remove_suffix(1);
        if (!phys.empty() && (phys[0] == ' ' || phys[0] == '\t')) {
            if (!logical_line) {
                *line = n;
                *err = "a folded line (it begins with a blank) that continues no line";
                return false;
            }
            if (logical.size() + phys.size() - 1 > kIcsMaxLine) {
                *line = logical_line;
                *err = "content line longer than " + std::to_string(kIcsMaxLine) + " bytes";
                return false;
            }
            logical.append(phys.substr(1));
            continue;
        }
        if (logical_line && !handle(logical, logical_line)) return false;
        logical_line = 0;
        logical.clear();
        if (phys.empty()) continue;  // blank lines (at the end of many files) are skipped
        if (phys.size() > kIcsMaxLine) {
            *line = n;
            *err = "content line longer than " + std::to_string(kIcsMaxLine) + " bytes";
            return false;
        }
        logical.assign(phys);
        logical_line = n;
    }
    if (logical_line && !handle(logical, logical_line)) return false;
    if (!stack.empty()) {
        *line = stack.back().line;
        *err = "BEGIN:" + stack.back().name + " without END:" + stack.back().name;
        return false;
    }
    if (!calendars) {
        *line = first_line;
        *err = first_line ? "no VCALENDAR" : "empty file (no VCALENDAR)";
        return false;
    }
    *out = std::move(result);
    return true;
}

namespace {

bool date_at(std::string_view s, std::size_t i) {
    if (!all_digits(s, i, 8)) return false;
    int y = digits_value(s, i, 4), m = digits_value(s, i + 4, 2), d = digits_value(s, i + 6, 2);
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

// A DATE (8 characters) or DATE-TIME (15, or 16 with Z).
bool date_or_time(std::string_view s) {
    if (s.size() == 8) return date_at(s, 0);
    if (s.size() != 15 && !(s.size() == 16 && s[15] == 'Z')) return false;
    if (!date_at(s, 0) || s[8] != 'T' || !all_digits(s, 9, 6)) return false;
    return digits_value(s, 9, 2) <= 23 && digits_value(s, 11, 2) <= 59 && digits_value(s, 13, 2) <= 60;
}

// [+-]P(nW | nD[T..] | T..), T followed by nH, nM, nS in that order, one at least.
bool duration(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || s[i] != 'P') return false;
    ++i;
    auto number = [&](char unit) {
        std::size_t b = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == b || i - b > 9 || i >= s.size() || s[i] != unit) {
            i = b;
            return false;
        }
        ++i;
        return true;
    };
    if (number('W')) return i == s.size();
    bool any = number('D');
    if (i < s.size() && s[i] == 'T') {
        ++i;
        bool h = number('H'), m = number('M'), sec = number('S');
        if (!h && !m && !sec) return false;
        any = true;
    }
    return any && i == s.size();
}

}  // namespace

bool ics_value_ok(const IcsProperty& p) {
    const std::string& v = p.value;
    if (p.name == "DTSTART" || p.name == "DTEND" || p.name == "RECURRENCE-ID") return date_or_time(v);
    if (p.name == "DURATION") return duration(v);
    if (p.name != "EXDATE" && p.name != "RDATE") return true;
    std::size_t b = 0;
    for (;;) {
        std::size_t e = v.find(',', b);
        std::string_view item = std::string_view(v).substr(b, e == std::string::npos ? std::string::npos : e - b);
        std::size_t slash = item.find('/');
        if (p.name == "RDATE" && slash != std::string_view::npos) {
            std::string_view a = item.substr(0, slash), z = item.substr(slash + 1);
            if (a.size() < 15 || !date_or_time(a) || !(date_or_time(z) ? z.size() >= 15 : duration(z))) return false;
        } else if (!date_or_time(item)) {
            return false;
        }
        if (e == std::string::npos) return true;
        b = e + 1;
    }
}

}  // namespace cr
