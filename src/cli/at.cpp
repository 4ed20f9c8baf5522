#include "cli/at.h"

#include "base/civil.h"
#include "base/text.h"

namespace cr {

namespace {

// "+HH:MM", "+HHMM" or "+HH" (or with '-') -> seconds east of UTC. False for anything else.
bool parse_zone_offset(const std::string& zone, int* offset) {
    int oh = 0, om = 0;
    if (zone.size() == 3 && all_digits(zone, 1, 2)) {
        oh = digits_value(zone, 1, 2);
    } else if (zone.size() == 5 && all_digits(zone, 1, 4)) {
        oh = digits_value(zone, 1, 2);
        om = digits_value(zone, 3, 2);
    } else if (zone.size() == 6 && all_digits(zone, 1, 2) && zone[3] == ':' && all_digits(zone, 4, 2)) {
        oh = digits_value(zone, 1, 2);
        om = digits_value(zone, 4, 2);
    } else {
        return false;
    }
    if (oh > 23 || om > 59) return false;
    *offset = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    return true;
}

// A local time or an instant after `option`: parse_at's grammar; `expected` ends each
// message. With `day` a date alone is its midnight.
bool parse_time(const char* option, const std::string& raw, const std::string& s, bool day_alone, const char* expected,
                const TimeZone& tz, std::int64_t* utc_seconds, std::string* err) {
    auto bad = [&](const std::string& detail) {
        *err = std::string("bad ") + option + " time '" + raw + "': " + detail + " (" + expected + ")";
        return false;
    };
    if (day_alone && s.size() == 10) {
        std::int64_t d = 0;
        std::string why;
        if (!parse_date_at(s, 0, &d, &why)) return bad(why);
        std::int64_t y = 0;
        int m = 0, dd = 0;
        civil_from_days(d, &y, &m, &dd);
        *utc_seconds = tz.from_local(static_cast<int>(y), m, dd, 0, 0);
        return true;
    }
    std::int64_t day = 0;
    std::string why;
    if (s.size() < 16) return bad("too short");
    if (!parse_date_at(s, 0, &day, &why)) return bad(why);
    if (s[10] != ' ' && s[10] != 'T' && s[10] != 't') return bad("expected a space or T after the date");
    if (!all_digits(s, 11, 2) || s[13] != ':' || !all_digits(s, 14, 2)) return bad("expected HH:MM after the date");
    const int hour = digits_value(s, 11, 2), minute = digits_value(s, 14, 2);
    if (hour > 23 || minute > 59) return bad("no such time of day");
    std::size_t pos = 16;
    int second = 0;
    if (pos < s.size() && s[pos] == ':') {
        if (!all_digits(s, pos + 1, 2)) return bad("expected two digits of seconds");
        second = digits_value(s, pos + 1, 2);
        if (second > 59) return bad("no such second");
        pos += 3;
    }
    const std::int64_t local = day * 86400 + hour * 3600 + minute * 60 + second;
    if (pos == s.size()) {
        std::int64_t y = 0;
        int m = 0, d = 0;
        civil_from_days(day, &y, &m, &d);
        *utc_seconds = tz.from_local(static_cast<int>(y), m, d, hour, minute) + second;
        return true;
    }
    const std::string zone = s.substr(pos);
    if (zone == "Z" || zone == "z") {
        *utc_seconds = local;
        return true;
    }
    if (zone[0] != '+' && zone[0] != '-') return bad("unexpected '" + zone + "' after the time");
    int offset = 0;
    if (!parse_zone_offset(zone, &offset)) return bad("bad zone offset '" + zone + "'");
    *utc_seconds = local - offset;
    return true;
}

}  // namespace

bool parse_at(const std::string& raw, const TimeZone& tz, std::int64_t* utc_seconds, std::string* err) {
    return parse_time("--at", raw, trim_blanks(raw), false,
                      "expected 'YYYY-MM-DD HH:MM' in the configured zone, or an instant such as "
                      "2026-11-27T08:30Z or 2026-11-27T09:30+01:00",
                      tz, utc_seconds, err);
}

bool parse_since(const std::string& text, const TimeZone& tz, std::int64_t* utc_seconds, std::string* err) {
    return parse_time("--since", text, text, true,
                      "expected 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' in the rule file's time zone, or an instant "
                      "such as 2026-11-27T08:30Z",
                      tz, utc_seconds, err);
}

}  // namespace cr
