#include "cli/week.h"

#include <algorithm>

#include "base/civil.h"
#include "rules/decide.h"
#include "rules/number.h"

namespace cr {

namespace {

constexpr std::int64_t kDaySeconds = 86400;

// The number of the week's ordinary caller: no pattern but `*` matches it (a rule file's
// numbers never start with 0 once normalised).
const Number& ordinary_caller() {
    static const Number n{NumberKind::Digits, "0"};
    return n;
}

LocalTime wall_clock(std::int64_t day, int minute) {
    std::int64_t y = 0;
    int m = 0, d = 0;
    civil_from_days(day, &y, &m, &d);
    LocalTime t{};
    t.year = static_cast<int>(y);
    t.month = m;
    t.day = d;
    t.hour = minute / 60;
    t.minute = minute % 60;
    t.wday = weekday_from_days(day);
    return t;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// "09:30" for seconds after the start of a day (24:00 for its end).
std::string hh_mm(std::int64_t seconds_of_day) { return clock_text(static_cast<int>(seconds_of_day / 60)); }

// The events of `c` on `day`, each as `head` "SUMMARY" and its hours that day.
void event_notes(const Calendar& c, std::int64_t day, const std::string& head, std::vector<std::string>* notes) {
    const std::int64_t a = day * kDaySeconds, b = a + kDaySeconds;
    for (const CalendarEvent* ev : c.between(a, b)) {
        std::string when = ev->start <= a && ev->end >= b ? "all day"
                           : ev->start <= a               ? "until " + hh_mm(ev->end - a)
                           : ev->end >= b                 ? "from " + hh_mm(ev->start - a)
                                                          : hh_mm(ev->start - a) + "-" + hh_mm(ev->end - a);
        std::string note = head + " \"" + ev->summary + "\" " + when;
        if (std::find(notes->begin(), notes->end(), note) == notes->end()) notes->push_back(std::move(note));
    }
}

}  // namespace

const Rule* week_rule(const RuleSet& config, const LocalTime& t, const Number* to, const SwitchStates* switches) {
    std::int64_t instant = 0;
    bool have_instant = false;
    for (const Rule& r : config.rules) {
        if (r.sw) {
            if (!have_instant) {
                instant = config.tz.from_local(t.year, t.month, t.day, t.hour, t.minute);
                have_instant = true;
            }
            if (switch_is_on(*r.sw, switches, instant) == r.sw_negated) continue;
        }
        if (r.has_direction && r.direction != Direction::In) continue;
        if (r.diversion) continue;
        if (r.from && !r.from->matches(ordinary_caller())) continue;
        if (r.to && to && !r.to->matches(*to)) continue;
        if (r.when && r.when->open_at(t, nullptr) == r.when_negated) continue;
        return &r;
    }
    return nullptr;
}

std::vector<std::string> routed_numbers(const RuleSet& config) {
    std::vector<std::string> out;
    for (const Rule& r : config.rules) {
        if (!r.to || (r.has_direction && r.direction != Direction::In)) continue;
        for (const std::string& p : split_patterns(r.to->text)) {
            std::string n;
            if (p == "*" || p == "anonymous") continue;
            if (p[0] == '@') {
                n = p;
            } else {
                const bool prefix = p.back() == '*';
                std::string err;
                if (!normalise_digits(prefix ? std::string_view(p).substr(0, p.size() - 1) : p,
                                      config.settings.country_code, &n, &err))
                    continue;  // a SIP-ID: no number a week is shown for
                if (prefix) n += '*';
            }
            if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
        }
    }
    return out;
}

bool week_caller_rule(const Rule& r) {
    if (r.has_direction && r.direction != Direction::In) return false;
    return r.diversion || (r.from && !r.from->matches(ordinary_caller()));
}

std::string week_day_note(const std::string& why, const std::string& hours) {
    const std::string closed = hours + ": closed, ";
    const std::string open = hours + ": open, ";
    if (starts_with(why, closed)) {
        const std::string rest = why.substr(closed.size());
        if (starts_with(rest, "holiday ") || starts_with(rest, "closed ")) return hours + ": " + rest;
    } else if (starts_with(why, open)) {
        const std::string rest = why.substr(open.size());
        if (starts_with(rest, "open ")) return hours + ": " + rest;
    }
    return "";
}

std::vector<int> minute_counts(const TimeZone& tz, std::int64_t day) {
    std::vector<int> counts(1440, 0);
    std::int64_t y = 0, ny = 0;
    int m = 0, d = 0, nm = 0, nd = 0;
    civil_from_days(day, &y, &m, &d);
    civil_from_days(day + 1, &ny, &nm, &nd);
    // From the first instant that may show this date to the first of the next one; a day
    // lasts at most 25 hours, which bounds the loop.
    const std::int64_t t0 = tz.from_local(static_cast<int>(y), m, d, 0, 0) - 3600;
    const std::int64_t t1 = tz.from_local(static_cast<int>(ny), nm, nd, 0, 0) + 3600;
    for (std::int64_t t = t0; t < t1 && t < t0 + 2 * kDaySeconds; t += 60) {
        const LocalTime l = tz.to_local(t);
        if (l.year == y && l.month == m && l.day == d) ++counts[static_cast<std::size_t>(l.hour * 60 + l.minute)];
    }
    for (int& c : counts) c = std::min(c, 2);
    return counts;
}

Week build_week(const RuleSet& config, std::int64_t first_day, int from_hour, int to_hour, const std::string& number,
                const SwitchStates* switches) {
    Week w;
    w.first_day = first_day;
    w.from_hour = from_hour;
    w.to_hour = to_hour;
    w.number = number;
    w.routed = routed_numbers(config);
    const Number called{NumberKind::Digits, number};
    const Number* to = number.empty() ? nullptr : &called;
    const int first = from_hour * 60, last = to_hour * 60;
    std::vector<int> rows;
    for (int h = from_hour; h < to_hour; ++h) rows.push_back(h * 60);
    std::vector<bool> shown(config.rules.size(), false);

    for (int i = 0; i < 7; ++i) {
        WeekDay wd;
        wd.day = first_day + i;
        const std::vector<int> counts = minute_counts(config.tz, wd.day);
        std::string why;
        for (const auto& hours : config.hours)
            for (const Hours::HoursCalendar& hc : hours->calendars())
                event_notes(*hc.calendar, wd.day, hours->name() + (hc.opens ? ": open_ics" : ": closed_ics"),
                            &wd.notes);
        for (const auto& rota : config.rotas)
            if (rota->calendar) event_notes(*rota->calendar, wd.day, "rota " + rota->name + ":", &wd.notes);
        std::vector<int> was(config.switches.size(), -1);
        for (int minute = 0; minute < 1440; ++minute) {
            const LocalTime t = wall_clock(wd.day, minute);
            const std::int64_t instant =
                config.switches.empty() ? 0 : config.tz.from_local(t.year, t.month, t.day, t.hour, t.minute);
            for (std::size_t k = 0; k < config.switches.size(); ++k) {
                const Switch& sw = *config.switches[k];
                const int on = switch_is_on(sw, switches, instant);
                if (was[k] == -1) was[k] = switch_is_on(sw, switches, instant - 60);  // as the day before ended
                if (on != was[k])
                    wd.notes.push_back("switch " + sw.name + (on ? " on" : " off") + " from " + hh_mm(minute * 60) +
                                       (on != sw.default_on ? "" : " (its default)"));
                else if (minute == 0 && on != sw.default_on)
                    wd.notes.push_back("switch " + sw.name + (on ? " on" : " off") + " since the day before");
                was[k] = on;
            }
            for (const auto& hours : config.hours) {
                why.clear();
                hours->open_at(t, &why);
                const std::string note = week_day_note(why, hours->name());
                if (!note.empty() && std::find(wd.notes.begin(), wd.notes.end(), note) == wd.notes.end())
                    wd.notes.push_back(note);
            }
            if (minute < first || minute >= last) continue;
            const int occurs = counts[static_cast<std::size_t>(minute)];
            const Rule* r = occurs ? week_rule(config, t, to, switches) : nullptr;
            if (wd.spans.empty() || wd.spans.back().rule != r || wd.spans.back().occurs != occurs) {
                wd.spans.push_back(WeekSpan{minute, minute + 1, r, occurs});
                rows.push_back(minute);
            } else {
                wd.spans.back().end = minute + 1;
            }
            if (occurs && r) shown[static_cast<std::size_t>(r - config.rules.data())] = true;
            if (occurs && !r) w.no_rule = true;
        }
        w.days.push_back(std::move(wd));
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    w.rows = std::move(rows);
    for (std::size_t i = 0; i < config.rules.size(); ++i) {
        if (shown[i]) w.shown.push_back(&config.rules[i]);
        const Rule& r = config.rules[i];
        if (week_caller_rule(r))
            w.callers.push_back(&r);
        else if (to && r.to && !(r.has_direction && r.direction != Direction::In) && !r.to->matches(*to))
            w.others.push_back(&r);
    }
    return w;
}

const WeekSpan& span_at(const WeekDay& d, int minute) {
    auto it =
        std::upper_bound(d.spans.begin(), d.spans.end(), minute, [](int m, const WeekSpan& s) { return m < s.start; });
    return it == d.spans.begin() ? *it : *(it - 1);
}

std::string rule_conditions(const Rule& r) {
    std::vector<std::string> parts;
    if (r.has_direction) parts.push_back(r.direction == Direction::In ? "direction in" : "direction out");
    if (r.from) parts.push_back("from " + r.from->text);
    if (r.to) parts.push_back("to " + r.to->text);
    if (r.diversion) parts.push_back("diversion " + r.diversion->text);
    if (r.when) parts.push_back(std::string("when ") + (r.when_negated ? "!" : "") + r.when->name());
    if (r.sw) parts.push_back(std::string("switch ") + (r.sw_negated ? "!" : "") + r.sw->name);
    if (parts.empty()) return "always";
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

std::string week_numbers_note(const Week& week) {
    std::string list;
    for (std::size_t i = 0; i < week.routed.size(); ++i)
        list += (i == 0 ? "" : i + 1 == week.routed.size() ? " and " : ", ") + week.routed[i];
    return "The rules route " + list + ": --number N shows the week of calls to N.";
}

std::string day_text(std::int64_t day) { return date_text(day); }

const char* weekday_text(std::int64_t day) {
    static const char* const kNames[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    return kNames[weekday_from_days(day)];
}

std::string html_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

bool parse_week_date(const std::string& text, std::int64_t* day) {
    std::string err;
    std::int64_t d = 0;
    // The week's last day must still have a four-digit year.
    if (!parse_date(text, &d, &err) || d + 6 > days_from_civil(9999, 12, 31)) return false;
    *day = d;
    return true;
}

}  // namespace cr
