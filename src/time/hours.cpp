#include "time/hours.h"

#include <algorithm>
#include <new>

#include "base/civil.h"
#include "base/text.h"
#include "time/holidays.h"

namespace cr {

namespace {

const char* const kDayNames[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

int day_index(const std::string& s) {
    for (int i = 0; i < 7; ++i)
        if (s == kDayNames[i]) return i;
    return -1;
}

}  // namespace

Hours::Hours(std::string name) : name_(std::move(name)) {}

const std::string& Hours::name() const { return name_; }

bool Hours::add(const std::string& raw_key, const std::string& value, int line, std::string* err) {
    const std::string key = lower(trim_blanks(raw_key));
    std::vector<std::string> items;
    if (!split_list(value, &items, err)) return false;
    if (key == "closed") return add_closed(items, line, err);
    if (key == "open") return add_open(items, err);
    if (key == "holidays") return add_holidays(items, value, line, err);
    return add_day_key(raw_key, key, items, line, err);
}

// closed = 2026-12-24, 2026-12-31..2027-01-01
bool Hours::add_closed(const std::vector<std::string>& items, int line, std::string* err) {
    if (items.empty()) {
        *err = "closed: no dates (expected e.g. 2026-12-24, 2026-12-31..2027-01-01)";
        return false;
    }
    std::vector<Closed> add;
    for (const std::string& item : items) {
        const std::size_t dots = item.find("..");
        std::int64_t first = 0, last = 0;
        if (dots == std::string::npos) {
            if (!parse_date(item, &first, err)) return false;
            last = first;
        } else {
            if (!parse_date(trim_blanks(item.substr(0, dots)), &first, err) ||
                !parse_date(trim_blanks(item.substr(dots + 2)), &last, err))
                return false;
            if (last < first) {
                *err = "date range '" + item + "' ends before it starts";
                return false;
            }
        }
        add.push_back(
            Closed{first, last, line, first == last ? date_text(first) : date_text(first) + ".." + date_text(last)});
    }
    closed_.insert(closed_.end(), add.begin(), add.end());
    any_key_ = true;
    return true;
}

// open = 2026-12-24 10:00-12:00, ...
bool Hours::add_open(const std::vector<std::string>& items, std::string* err) {
    if (items.empty()) {
        *err = "open: no dates (expected e.g. 2026-12-24 10:00-12:00)";
        return false;
    }
    std::vector<OpenWindow> add;
    for (const std::string& item : items) {
        const std::size_t space = item.find_first_of(" \t");
        if (space == std::string::npos) {
            *err = "bad opening '" + item + "': expected YYYY-MM-DD HH:MM-HH:MM";
            return false;
        }
        std::int64_t day = 0;
        Range r{};
        if (!parse_date(item.substr(0, space), &day, err) ||
            !parse_time_range(trim_blanks(item.substr(space)), &r.start, &r.end, err))
            return false;
        add.push_back(OpenWindow{day, r, date_text(day) + " " + range_text(r.start, r.end)});
    }
    open_.insert(open_.end(), add.begin(), add.end());
    any_key_ = true;
    return true;
}

// holidays = DE-NW: every holiday of the region from 1990 to 2100, as day numbers.
bool Hours::add_holidays(const std::vector<std::string>& items, const std::string& value, int line, std::string* err) {
    if (region_ >= 0) {
        *err = "holidays already set on line " + std::to_string(region_line_) + " (one region per [hours] section)";
        return false;
    }
    int region = -1;
    if (items.size() != 1 || !parse_holiday_region(items[0], &region)) {
        *err = "unknown holiday region '" + trim_blanks(value) +
               "': expected DE or DE-XX for a state (BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH)";
        return false;
    }
    region_ = region;
    region_line_ = line;
    any_key_ = true;
    return true;
}

// A day key: mon = 09:00-12:00, 13:00-17:00, or a range mon-fri / fri-mon.
bool Hours::add_day_key(const std::string& raw_key, const std::string& key, const std::vector<std::string>& items,
                        int line, std::string* err) {
    int first = -1, last = -1;
    if (!day_span(raw_key, key, &first, &last, err)) return false;
    if (items.empty()) {
        *err = key + ": no time ranges (expected e.g. 09:00-12:00, 13:00-17:00)";
        return false;
    }
    DayKey dk{key, {}, line, {}};
    for (const std::string& item : items) {
        Range r{};
        if (!parse_time_range(item, &r.start, &r.end, err)) return false;
        dk.ranges.push_back(r);
        if (!dk.text.empty()) dk.text += ", ";
        dk.text += range_text(r.start, r.end);
    }
    if (!days_free(first, last, err)) return false;
    keys_.push_back(std::move(dk));
    const int index = static_cast<int>(keys_.size() - 1);
    for (int d = first;; d = (d + 1) % 7) {
        week_[d] = index;
        if (d == last) break;
    }
    any_key_ = true;
    return true;
}

bool Hours::day_span(const std::string& raw_key, const std::string& key, int* first, int* last,
                     std::string* err) const {
    *first = *last = day_index(key);
    const std::size_t dash = key.find('-');
    if (*first < 0 && dash != std::string::npos) {
        *first = day_index(key.substr(0, dash));
        *last = day_index(key.substr(dash + 1));
        if (*first >= 0 && *last >= 0 && *first == *last) {
            *err = "day range '" + key + "' names a single day: write '" + kDayNames[*first] + "'";
            return false;
        }
    }
    if (*first < 0 || *last < 0) {
        *err = "unknown key '" + raw_key + "' in [hours " + name_ +
               "]: expected a day (mon tue wed thu fri sat sun), a day range such as mon-fri, closed, open, "
               "holidays, closed_ics or open_ics";
        return false;
    }
    return true;
}

bool Hours::days_free(int first, int last, std::string* err) const {
    for (int d = first;; d = (d + 1) % 7) {
        if (week_[d] >= 0) {
            const DayKey& prev = keys_[static_cast<std::size_t>(week_[d])];
            *err = std::string(kDayNames[d]) + " already set on line " + std::to_string(prev.line) + " (by '" +
                   prev.key + "')";
            return false;
        }
        if (d == last) break;
    }
    return true;
}

bool Hours::finish(std::string* err) {
    if (!any_key_) {
        *err = "[hours " + name_ + "] is empty: give day keys such as mon-fri = 09:00-17:00";
        return false;
    }
    const bool opens =
        std::any_of(calendars_.begin(), calendars_.end(), [](const HoursCalendar& c) { return c.opens; });
    if (keys_.empty() && open_.empty() && !opens) {
        *err =
            "[hours " + name_ + "] is never open: give day keys such as mon-fri = 09:00-17:00, open dates or open_ics";
        return false;
    }
    std::stable_sort(closed_.begin(), closed_.end(),
                     [](const Closed& a, const Closed& b) { return a.first < b.first; });
    std::stable_sort(open_.begin(), open_.end(),
                     [](const OpenWindow& a, const OpenWindow& b) { return a.day < b.day; });
    return true;
}

void Hours::add_calendar(std::shared_ptr<const Calendar> c, bool opens) {
    calendars_.push_back({std::move(c), opens});
    any_key_ = true;
}

// Precedence: an open date's window, then closed dates, then an open_ics event, then a
// closed_ics event, then holidays, then the week. A closed date or holiday closes its
// calendar day 00:00-24:00, also the part of a night range that started the evening
// before.
bool Hours::open_at(const LocalTime& t, std::string* why) const {
    const std::int64_t day = days_from_civil(t.year, t.month, t.day);
    const int minute = t.hour * 60 + t.minute;

    auto x0 = std::lower_bound(open_.begin(), open_.end(), day - 1,
                               [](const OpenWindow& x, std::int64_t d) { return x.day < d; });
    for (auto xi = x0; xi != open_.end(); ++xi) {
        const OpenWindow& x = *xi;
        if (x.day > day) break;
        const std::int64_t m = (day - x.day) * 1440 + minute;
        if (m >= x.range.start && m < x.range.end) {
            if (why) *why = name_ + ": open, open " + x.text;
            return true;
        }
    }
    for (const Closed& c : closed_) {
        if (c.first > day) break;
        if (day <= c.last) {
            if (why) *why = name_ + ": closed, closed " + c.text + " (line " + std::to_string(c.line) + ")";
            return false;
        }
    }
    if (!calendars_.empty()) {
        const std::int64_t wall = wall_seconds(t);
        for (bool opens : {true, false})
            for (const HoursCalendar& hc : calendars_) {
                if (hc.opens != opens) continue;
                const CalendarEvent* ev = hc.calendar->at(wall);
                if (!ev) continue;
                if (why)
                    *why = name_ + (opens ? ": open, open_ics event \"" : ": closed, closed_ics event \"") +
                           ev->summary + "\" (" + hc.calendar->path() + " line " + std::to_string(ev->line) + ")";
                return opens;
            }
    }
    if (region_ >= 0) {
        // The year's holidays, computed when asked (a few hundred nanoseconds, no
        // allocation) rather than for every year at each load, which a CGI process paid.
        std::int64_t y;
        int m, d;
        civil_from_days(day, &y, &m, &d);
        Holiday buf[kMaxHolidays];
        const int n = std::min(german_holidays(region_, static_cast<int>(y), buf, kMaxHolidays), kMaxHolidays);
        for (int i = 0; i < n; ++i) {
            if (buf[i].month == m && buf[i].day == d) {
                if (why) *why = name_ + ": closed, holiday " + holiday_region_name(region_) + " " + buf[i].name;
                return false;
            }
        }
    }
    const int wd = weekday_from_days(day);
    if (week_[wd] >= 0) {
        const DayKey& k = keys_[static_cast<std::size_t>(week_[wd])];
        for (const Range& r : k.ranges) {
            if (minute >= r.start && minute < r.end) {
                if (why) *why = name_ + ": open, " + k.key + " " + range_text(r.start, r.end);
                return true;
            }
        }
    }
    const int yd = (wd + 6) % 7;
    if (week_[yd] >= 0) {
        const DayKey& k = keys_[static_cast<std::size_t>(week_[yd])];
        for (const Range& r : k.ranges) {
            if (r.end > 1440 && minute + 1440 < r.end) {
                if (why)
                    *why =
                        name_ + ": open, " + k.key + " " + range_text(r.start, r.end) + " (from " + kDayNames[yd] + ")";
                return true;
            }
        }
    }
    if (why) {
        if (week_[wd] >= 0) {
            const DayKey& k = keys_[static_cast<std::size_t>(week_[wd])];
            *why = name_ + ": outside " + k.key + " " + k.text;
        } else {
            *why = name_ + ": closed, no hours on " + kDayNames[wd];
        }
    }
    return false;
}
}  // namespace cr
