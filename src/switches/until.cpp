#include "switches/until.h"

#include "base/civil.h"

namespace cr {

namespace {

// "HH:MM", two digits each (base/civil.h, parse_clock, which also takes "H:MM"), into
// the hour and minute of *u.
bool clock(const std::string& s, UntilSpec* u) {
    int minutes = 0;
    std::string ignored;
    if (s.size() != 5 || !parse_clock(s, false, &minutes, &ignored)) return false;
    u->hour = minutes / 60;
    u->minute = minutes % 60;
    return true;
}

}  // namespace

bool parse_until(std::string_view text, UntilSpec* out, std::string* err) {
    UntilSpec u;
    u.text = std::string(text);
    const std::string bad = "until: '" + std::string(text.substr(0, 40)) +
                            "' is not HH:MM, YYYY-MM-DD [HH:MM] or +N with m, h or d (as 08:00, 2026-12-27 08:00, +2h)";
    std::size_t i = 0;
    if (!text.empty() && text[0] == '+') {
        std::int64_t n = 0;
        for (i = 1; i < text.size() && text[i] >= '0' && text[i] <= '9' && i < 8; ++i) n = n * 10 + (text[i] - '0');
        const std::int64_t unit = i + 1 != text.size() ? 0
                                  : text[i] == 'm'     ? 60
                                  : text[i] == 'h'     ? 3600
                                  : text[i] == 'd'     ? 86400
                                                       : 0;
        if (i == 1 || unit == 0 || n == 0) {
            *err = bad;
            return false;
        }
        if (n * unit > 400 * 86400) {
            *err = "until: " + u.text + " is more than 400 days ahead";
            return false;
        }
        u.kind = UntilSpec::After;
        u.seconds = n * unit;
    } else if (text.size() == 5) {
        u.kind = UntilSpec::Clock;
        if (!clock(std::string(text), &u)) {
            *err = bad;
            return false;
        }
    } else {
        u.kind = UntilSpec::Stamp;
        const std::string t(text);
        std::int64_t day = 0, year = 0;
        std::string ignored;
        bool ok = parse_date_at(t, 0, &day, &ignored) &&
                  (t.size() == 10 || ((t[10] == ' ' || t[10] == 'T') && clock(t.substr(11), &u)));
        if (ok) civil_from_days(day, &year, &u.month, &u.day);
        u.year = static_cast<int>(year);
        if (!ok || u.year < 2000 || u.year > 2200) {
            *err = bad;
            return false;
        }
    }
    *out = std::move(u);
    return true;
}

std::int64_t resolve_until(const UntilSpec& u, const TimeZone& tz, std::int64_t now) {
    switch (u.kind) {
    case UntilSpec::None: return 0;
    case UntilSpec::After: return now + u.seconds;
    case UntilSpec::Stamp: return tz.from_local(u.year, u.month, u.day, u.hour, u.minute);
    case UntilSpec::Clock: {
        LocalTime t = tz.to_local(now);
        std::int64_t at = tz.from_local(t.year, t.month, t.day, u.hour, u.minute);
        for (int k = 1; at <= now && k < 3; ++k) {
            std::int64_t y;
            int m, d;
            civil_from_days(days_from_civil(t.year, t.month, t.day) + k, &y, &m, &d);
            at = tz.from_local(static_cast<int>(y), m, d, u.hour, u.minute);
        }
        return at;
    }
    }
    return 0;
}

}  // namespace cr
