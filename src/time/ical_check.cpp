#include "time/ical_check.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "base/civil.h"
#include "base/text.h"

#include <libical/ical.h>

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

namespace {

// The values of one BY list of libical's rule (it ends at ICAL_RECURRENCE_ARRAY_MAX).
template <std::size_t N>
std::vector<int> by_list(const short (&a)[N]) {
    std::vector<int> v;
    for (std::size_t i = 0; i < N && a[i] != ICAL_RECURRENCE_ARRAY_MAX; ++i) v.push_back(a[i]);
    return v;
}

// One BYDAY entry of libical (|n| = 8 * number + weekday, 1 = SU .. 7 = SA).
int weekday_of(int e) { return std::abs(e) % 8; }
int number_of(int e) { return (std::abs(e) - weekday_of(e)) / 8 * (e < 0 ? -1 : 1); }

std::string list_text(const std::vector<int>& v, bool days) {
    static const char* const kDays[] = {"?", "SU", "MO", "TU", "WE", "TH", "FR", "SA"};
    std::string s;
    for (int x : v) {
        if (!s.empty()) s += ',';
        if (!days) {
            s += std::to_string(x);
            continue;
        }
        if (number_of(x)) s += std::to_string(number_of(x));
        s += kDays[weekday_of(x)];
    }
    return s;
}

}  // namespace

bool ics_rrule_ok(const icalrecurrencetype& r, int start_day, std::string* why) {
    auto refuse = [&](std::string s) {
        *why = "RRULE " + std::move(s);
        return false;
    };
    if (r.freq == ICAL_SECONDLY_RECURRENCE || r.freq == ICAL_MINUTELY_RECURRENCE || r.freq == ICAL_HOURLY_RECURRENCE)
        return refuse(std::string("FREQ=") +
                      (r.freq == ICAL_SECONDLY_RECURRENCE   ? "SECONDLY"
                       : r.freq == ICAL_MINUTELY_RECURRENCE ? "MINUTELY"
                                                            : "HOURLY") +
                      ": only DAILY, WEEKLY, MONTHLY and YEARLY are read");
    if (r.rscale && *r.rscale)
        return refuse("RSCALE=" + std::string(r.rscale) + ": only the Gregorian calendar is read");
    struct Part {
        const char* name;
        std::vector<int> v;
        int lo, hi;  // the range; -hi..-lo too when lo is 1 and negative values are allowed
        bool negative;
    };
    Part parts[] = {
        {"BYSECOND", by_list(r.by_second), 0, 60, false},     {"BYMINUTE", by_list(r.by_minute), 0, 59, false},
        {"BYHOUR", by_list(r.by_hour), 0, 23, false},         {"BYMONTH", by_list(r.by_month), 1, 12, false},
        {"BYMONTHDAY", by_list(r.by_month_day), 1, 31, true}, {"BYYEARDAY", by_list(r.by_year_day), 1, 366, true},
        {"BYWEEKNO", by_list(r.by_week_no), 1, 53, true},     {"BYSETPOS", by_list(r.by_set_pos), 1, 366, true}};
    for (const Part& p : parts)
        for (int x : p.v)
            if (!((x >= p.lo && x <= p.hi) || (p.negative && -x >= p.lo && -x <= p.hi)))
                return refuse(std::string(p.name) + "=" + std::to_string(x) + ": out of range");
    // libical tries each time of a day (BYHOUR x BYMINUTE x BYSECOND) on every day it
    // searches: a few are what feeds write (BYHOUR=9,14), hundreds make it crawl.
    const std::size_t times = std::max<std::size_t>(parts[0].v.size(), 1) *
                              std::max<std::size_t>(parts[1].v.size(), 1) * std::max<std::size_t>(parts[2].v.size(), 1);
    if (times > 24)
        return refuse("BYHOUR, BYMINUTE and BYSECOND give " + std::to_string(times) +
                      " times a day: at most 24 are read");
    const std::vector<int>& months = parts[3].v;
    std::vector<int> mdays = parts[4].v;
    const std::vector<int>& setpos = parts[7].v;
    const std::vector<int> days = by_list(r.by_day);
    for (int e : days)
        if (weekday_of(e) < 1 || weekday_of(e) > 7 || std::abs(number_of(e)) > 53)
            return refuse("BYDAY=" + list_text({e}, true) + ": out of range");
    // MONTHLY and YEARLY without a day of their own take DTSTART's (libical too).
    const bool by_place = r.freq == ICAL_MONTHLY_RECURRENCE ||
                          (r.freq == ICAL_YEARLY_RECURRENCE && parts[5].v.empty() && parts[6].v.empty());
    const bool implicit = by_place && mdays.empty() && days.empty() && start_day > 0;
    if (implicit) mdays.push_back(start_day);
    // The months the rule may fall in, with the lengths each can have (February's two).
    std::vector<std::pair<int, int>> lengths;
    for (int m = 1; m <= 12; ++m) {
        if (!months.empty() && std::find(months.begin(), months.end(), m) == months.end()) continue;
        lengths.push_back({m, days_in_month(2001, m)});
        if (m == 2) lengths.push_back({m, 29});
    }
    auto day_fits = [](int x, int d, int len) { return x == d || x == d - len - 1; };
    if (!mdays.empty() && !months.empty()) {
        bool some = false;
        for (const auto& ml : lengths)
            for (int x : mdays) some = some || std::abs(x) <= ml.second;
        if (!some)
            return refuse("never occurs: no month of BYMONTH has day " + std::to_string(mdays[0]) +
                          (implicit ? " (DTSTART's)" : ""));
    }
    if (r.freq == ICAL_DAILY_RECURRENCE && !days.empty() &&
        std::all_of(days.begin(), days.end(), [](int e) { return number_of(e) != 0; }))
        return refuse("never occurs: BYDAY=" + list_text(days, true) +
                      " with FREQ=DAILY (a number before the day needs MONTHLY or YEARLY)");
    // Days of a month as MONTHLY (and YEARLY with BYMONTH) count them: BYMONTHDAY and the
    // numbered BYDAY entries (the 2nd, the last) pick days by place, the weekday falls on
    // any date over the years. `most`: the largest set one month gives, for BYSETPOS.
    if (by_place && (r.freq == ICAL_MONTHLY_RECURRENCE || !months.empty())) {
        int most = 0;
        for (const auto& ml : lengths) {
            const int len = ml.second;
            int n = 0;
            for (int d = 1; d <= len; ++d) {
                bool md = mdays.empty() ||
                          std::any_of(mdays.begin(), mdays.end(), [&](int x) { return day_fits(x, d, len); });
                bool wd = days.empty() || std::any_of(days.begin(), days.end(), [&](int e) {
                              int k = number_of(e);
                              return k == 0 || (k > 0 && (d - 1) / 7 + 1 == k) || (k < 0 && (len - d) / 7 + 1 == -k);
                          });
                n += md && wd;
            }
            if (!days.empty()) {
                int per_weekday = 0;
                for (int e : days) per_weekday += number_of(e) ? 1 : 5;
                n = std::min(n, per_weekday);
            }
            most = std::max(most, n);
        }
        if (most == 0)
            return refuse(mdays.empty() ? "never occurs: BYDAY=" + list_text(days, true) + " fits no month"
                                        : "never occurs: no day of a month matches both BYMONTHDAY and BYDAY");
        if (r.freq == ICAL_MONTHLY_RECURRENCE && !setpos.empty() &&
            std::all_of(setpos.begin(), setpos.end(), [&](int x) { return std::abs(x) > most; }))
            return refuse("never occurs: BYSETPOS=" + list_text(setpos, false) + ", but a month gives at most " +
                          std::to_string(most) + (most == 1 ? " day" : " days"));
    }
    return true;
}

}  // namespace cr
