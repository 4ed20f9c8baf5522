#include "time/calendar.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "base/civil.h"
#include "base/text.h"
#include "time/ical.h"
#include "time/ical_check.h"

namespace cr {

std::int64_t wall_seconds(const LocalTime& t) {
    return days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

namespace {

// RRULE steps a file may take in all, before the window and in it: a bound that holds on
// any machine (kMaxRecurTime is mostly reached first: libical takes 2 us a step).
constexpr std::size_t kMaxSteps = 2000000;
// The time libical may take for the RRULEs of one file, checked between its calls: rules
// that pass ics_rrule_ok but that libical walks day by day for centuries (DTSTART in the
// year 1: 1.4 s each) end the load, not the routing. One call takes a small part of it
// (the UNTIL of the window ends each search).
constexpr std::chrono::seconds kMaxRecurTime{5};
constexpr std::size_t kMaxText = 200;  // bytes of a SUMMARY or LOCATION

// libical's tree of one file, freed on every path (also when an exception passes).
struct Tree {
    const IcalTable* api;
    icalcomponent* root = nullptr;
    ~Tree() {
        if (root) api->icalcomponent_free(root);
    }
};

struct Iterator {
    const IcalTable* api;
    icalrecur_iterator* it = nullptr;
    ~Iterator() {
        if (it) api->icalrecur_iterator_free(it);
    }
};

enum class Kind { Date, Floating, Zoned };  // Zoned: a TZID or UTC (Z)

// One VEVENT as read: its times with their zones resolved, its length.
struct Vevent {
    icalcomponent* comp = nullptr;
    const IcsEvent* outline = nullptr;
    std::string label;  // VEVENT "SUMMARY", for messages
    std::string summary, location, uid;
    bool cancelled = false;
    bool has_rid = false;
    icaltimetype start{}, rid{};
    Kind kind = Kind::Floating;
    std::int64_t days = 0;          // Date: the length in days
    std::int64_t seconds = 0;       // Floating and Zoned: the exact length (DTEND, or DURATION's H/M/S)
    std::int64_t nominal_days = 0;  // Zoned and Floating: DURATION's days and weeks (wall-clock days)
};

// One occurrence's start, and its own length when an RDATE PERIOD gives one (else -1).
struct Occurrence {
    std::int64_t key;  // its instant (Zoned) or wall seconds: for EXDATE, RECURRENCE-ID, duplicates
    icaltimetype t;
    std::int64_t own = -1;
};

bool is_null(const icaltimetype& t) { return !t.year && !t.month && !t.day && !t.hour && !t.minute && !t.second; }

std::int64_t wall_of(const icaltimetype& t) {
    std::int64_t s = days_from_civil(t.year, t.month, t.day) * 86400;
    return t.is_date ? s : s + t.hour * 3600 + t.minute * 60 + t.second;
}

// SUMMARY or LOCATION as shown: libical has unescaped it; control characters and bytes
// that are not UTF-8 become blanks, cut at kMaxText bytes on a character's boundary.
std::string clean_text(const char* s) {
    std::string out;
    if (!s) return out;
    std::string_view v(s);
    for (std::size_t i = 0; i < v.size();) {
        std::size_t n = utf8_length(v, i);
        if (n == 0 || (n == 1 && (static_cast<unsigned char>(v[i]) < 0x20 || v[i] == 0x7f))) {
            if (out.size() + 1 > kMaxText) break;
            out += ' ';
            i += n ? n : 1;
            continue;
        }
        if (out.size() + n > kMaxText) break;
        out.append(v.substr(i, n));
        i += n;
    }
    return out;
}

// Everything one load works with.
struct Loader {
    const IcalTable* api;
    const TimeZone& tz;
    icalcomponent* vcal = nullptr;
    const icaltimezone* utc = nullptr;
    std::int64_t from = 0, to = 0, wall_from = 0, wall_to = 0;
    std::size_t steps = 0;
    std::chrono::steady_clock::time_point deadline{};  // of the expansion, kMaxRecurTime from its start
    std::vector<CalendarEvent> out{};
    int* line = nullptr;
    std::string* err = nullptr;

    bool fail(int at, std::string message) {
        *line = at;
        *err = std::move(message);
        return false;
    }

    // The zone a TZID names: a VTIMEZONE of the file, else one of libical's (the
    // system's zoneinfo). Null when none.
    const icaltimezone* zone(const char* tzid) const {
        if (!tzid) return nullptr;
        if (icaltimezone* z = api->icalcomponent_get_timezone(vcal, tzid)) return z;
        if (icaltimezone* z = api->icaltimezone_get_builtin_timezone_from_tzid(tzid)) return z;
        return api->icaltimezone_get_builtin_timezone(tzid);
    }

    // A time of `prop` with the zone of its TZID set (UTC stays UTC, a date has none).
    icaltimetype with_zone(icalproperty* prop, icaltimetype t) const {
        if (t.is_date) {
            t.zone = nullptr;
        } else if (t.zone != utc) {
            icalparameter* p = api->icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
            t.zone = p ? zone(api->icalparameter_get_tzid(p)) : nullptr;
        }
        return t;
    }

    std::int64_t instant(const icaltimetype& t, const icaltimezone* z) const {
        return static_cast<std::int64_t>(api->icaltime_as_timet_with_zone(t, z));
    }

    // The key of a time given by EXDATE or RECURRENCE-ID, comparable with the keys of
    // the occurrences of `v`; false when it can match none (a date against times).
    bool key_of(const Vevent& v, const icaltimetype& t, std::int64_t* key) const {
        if (t.is_date != v.start.is_date) return false;
        if (v.kind == Kind::Zoned) {
            *key = instant(t, t.zone ? t.zone : v.start.zone);
        } else {
            *key = wall_of(t);
        }
        return true;
    }

    bool read(icalcomponent* comp, const IcsEvent& outline, Vevent* v);
    bool expand(const Vevent& v, const std::vector<std::int64_t>& moved, bool rules);
    bool add(const Vevent& v, const Occurrence& o, bool* past);
};

const char* const kDateProps[] = {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"};

// The line of the next RRULE of `o` from *rr on: libical keeps them in the file's order.
int next_rrule_line(const IcsEvent& o, std::vector<IcsProperty>::const_iterator* rr) {
    *rr = std::find_if(*rr, o.props.end(), [](const IcsProperty& x) { return x.name == "RRULE"; });
    return *rr == o.props.end() ? o.line : (*rr)++->line;
}

// Reads one VEVENT into *v, checking what libical's parse leaves to us: the values of
// its date properties (at their lines), their TZIDs, DTSTART there, DTEND not before
// it. Returns false with *line and *err for the first problem.
bool Loader::read(icalcomponent* comp, const IcsEvent& outline, Vevent* v) {
    v->comp = comp;
    v->outline = &outline;
    icalproperty* p;
    if ((p = api->icalcomponent_get_first_property(comp, ICAL_SUMMARY_PROPERTY)))
        v->summary = clean_text(api->icalproperty_get_summary(p));
    if ((p = api->icalcomponent_get_first_property(comp, ICAL_LOCATION_PROPERTY)))
        v->location = clean_text(api->icalproperty_get_location(p));
    if ((p = api->icalcomponent_get_first_property(comp, ICAL_UID_PROPERTY))) {
        const char* u = api->icalproperty_get_uid(p);
        v->uid = u ? u : "";
    }
    if ((p = api->icalcomponent_get_first_property(comp, ICAL_STATUS_PROPERTY)))
        v->cancelled = api->icalproperty_get_status(p) == ICAL_STATUS_CANCELLED;
    v->label = v->summary.empty() ? "VEVENT" : "VEVENT \"" + utf8_cut(v->summary, 60) + "\"";
    const std::string& label = v->label;

    for (const IcsProperty& op : outline.props) {
        if (op.name == "SUMMARY" || op.name == "RRULE") continue;
        if (!ics_value_ok(op)) return fail(op.line, label + ": bad " + op.name + " " + quote(op.value));
        if (!op.tzid.empty() && op.value.find('Z') == std::string::npos && !zone(op.tzid.c_str()))
            return fail(op.line, label + ": unknown time zone " + quote(op.tzid) + " in " + op.name +
                                     " (no VTIMEZONE in the file, none of the system)");
    }
    // What libical refused: "Can't parse as RECUR value in RRULE property. Removing
    // entire property: FREQ=FOO".
    for (p = api->icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY); p;
         p = api->icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY)) {
        const char* text = api->icalproperty_get_xlicerror(p);
        if (!text) continue;
        for (const char* name : kDateProps) {
            std::string in = std::string(" in ") + name + " property";
            const char* at = std::strstr(text, in.c_str());
            if (!at) continue;
            const char* colon = std::strstr(at, ": ");
            std::string value = colon ? colon + 2 : "";
            const IcsProperty* hit = nullptr;
            for (const IcsProperty& op : outline.props)
                if (op.name == name && op.value == value) hit = hit ? hit : &op;
            if (!hit) hit = outline.find(name);
            return fail(hit ? hit->line : outline.line, label + ": bad " + name + " " + quote(value));
        }
    }
    const IcsProperty* ostart = outline.find("DTSTART");
    p = api->icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
    if (!ostart || !p) return fail(outline.line, label + ": no DTSTART");
    v->start = with_zone(p, api->icalproperty_get_dtstart(p));
    if (is_null(v->start)) return fail(ostart->line, label + ": bad DTSTART " + quote(ostart->value));
    v->kind = v->start.is_date ? Kind::Date : v->start.zone ? Kind::Zoned : Kind::Floating;
    auto rr = outline.props.cbegin();
    for (p = api->icalcomponent_get_first_property(comp, ICAL_RRULE_PROPERTY); p;
         p = api->icalcomponent_get_next_property(comp, ICAL_RRULE_PROPERTY)) {
        int at = next_rrule_line(outline, &rr);
        std::string why;
        if (!ics_rrule_ok(api->icalproperty_get_rrule(p), v->start.day, &why)) return fail(at, label + ": " + why);
    }
    if ((p = api->icalcomponent_get_first_property(comp, ICAL_RECURRENCEID_PROPERTY))) {
        v->has_rid = true;
        v->rid = with_zone(p, api->icalproperty_get_recurrenceid(p));
    }

    const IcsProperty* oend = outline.find("DTEND");
    const IcsProperty* odur = outline.find("DURATION");
    icalproperty* pend = api->icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY);
    icalproperty* pdur = api->icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);
    if (pend && pdur && oend && odur) return fail(odur->line, label + ": both DTEND and DURATION");
    if (pend && oend) {
        icaltimetype e = with_zone(pend, api->icalproperty_get_dtend(pend));
        if (e.is_date != v->start.is_date)
            return fail(oend->line, label + (v->start.is_date ? ": DTSTART is a date, DTEND a date and time"
                                                              : ": DTSTART is a date and time, DTEND a date"));
        std::int64_t len = v->kind == Kind::Zoned
                               ? instant(e, e.zone ? e.zone : v->start.zone) - instant(v->start, v->start.zone)
                               : wall_of(e) - wall_of(v->start);
        if (len < 0) return fail(oend->line, label + ": DTEND is before DTSTART");
        if (v->kind == Kind::Date) v->days = len / 86400;
        v->seconds = len;
    } else if (pdur && odur) {
        icaldurationtype d = api->icalproperty_get_duration(pdur);
        if (d.is_neg) return fail(odur->line, label + ": negative DURATION");
        std::int64_t hms = std::int64_t{d.hours} * 3600 + std::int64_t{d.minutes} * 60 + d.seconds;
        v->nominal_days = std::int64_t{d.weeks} * 7 + d.days;
        if (v->kind == Kind::Date) v->days = v->nominal_days + (hms + 86399) / 86400;
        v->seconds = hms;
    } else if (v->kind == Kind::Date) {
        v->days = 1;  // RFC 5545 3.6.1: a date without DTEND or DURATION is one day
    }
    return true;
}

// Adds the occurrence `o` of `v` to the events when it touches the window; *past when
// it begins at or after the window's end (the expansion stops there). False with *err
// when the occurrences in the window are too many.
bool Loader::add(const Vevent& v, const Occurrence& o, bool* past) {
    std::int64_t ws, we;
    if (v.kind == Kind::Zoned) {
        std::int64_t us = o.key, ue;
        if (o.own >= 0) {
            ue = us + o.own;
        } else if (v.nominal_days) {
            icaltimetype e = o.t;
            std::int64_t y;
            civil_from_days(days_from_civil(e.year, e.month, e.day) + v.nominal_days, &y, &e.month, &e.day);
            e.year = static_cast<int>(y);
            ue = instant(e, e.zone) + v.seconds;
        } else {
            ue = us + v.seconds;
        }
        *past = us >= to;
        if (*past || ue <= from || ue <= us) return true;
        ws = wall_seconds(tz.to_local(us));
        we = wall_seconds(tz.to_local(ue));
        if (we <= ws) we = ws + (ue - us);  // ends in the hour a fall-back repeats
    } else {
        ws = o.key;
        we = o.own >= 0             ? ws + o.own
             : v.kind == Kind::Date ? ws + v.days * 86400
                                    : ws + v.nominal_days * 86400 + v.seconds;
        *past = ws >= wall_to;
        if (*past || we <= wall_from || we <= ws) return true;
    }
    if (out.size() >= Calendar::kMaxOccurrences)
        return fail(v.outline->line, v.label + ": more than " + std::to_string(Calendar::kMaxOccurrences) +
                                         " occurrences in the window");
    CalendarEvent e;
    e.start = ws;
    e.end = we;
    e.summary = v.summary;
    e.location = v.location;
    e.line = v.outline->line;
    e.all_day = v.kind == Kind::Date;
    out.push_back(std::move(e));
    return true;
}

// Expands `v` into the window: DTSTART, then each RRULE and RDATE (when `rules`), less
// its EXDATEs and the starts in `moved` (the RECURRENCE-IDs of its overrides). False
// with *line and *err for a bad RRULE or too many steps or occurrences.
bool Loader::expand(const Vevent& v, const std::vector<std::int64_t>& moved, bool rules) {
    std::vector<Occurrence> occ;
    auto key = [&](const icaltimetype& t) { return v.kind == Kind::Zoned ? instant(t, t.zone) : wall_of(t); };
    auto beyond = [&](std::int64_t k) { return v.kind == Kind::Zoned ? k >= to : k >= wall_to; };
    occ.push_back({key(v.start), v.start, -1});
    // How far an occurrence reaches past its start, at most (a fall-back hour included).
    const std::int64_t reach = (v.days + v.nominal_days) * 86400 + v.seconds + 7200;
    const IcsEvent& o = *v.outline;
    if (rules) {
        auto rr = o.props.cbegin();
        // libical looks for a next occurrence up to the year 2582: an UNTIL two days after
        // the window's end (in any zone) stops it there.
        std::int64_t last = (v.kind == Kind::Zoned ? to : wall_to) / 86400 + 2;
        icaltimetype until = v.start;
        std::int64_t y;
        civil_from_days(last, &y, &until.month, &until.day);
        until.year = static_cast<int>(y);
        until.hour = until.minute = until.second = 0;
        for (icalproperty* p = api->icalcomponent_get_first_property(v.comp, ICAL_RRULE_PROPERTY); p;
             p = api->icalcomponent_get_next_property(v.comp, ICAL_RRULE_PROPERTY)) {
            int at = next_rrule_line(o, &rr);
            icalrecurrencetype rule = api->icalproperty_get_rrule(p);
            if (is_null(rule.until) || days_from_civil(rule.until.year, rule.until.month, rule.until.day) > last)
                rule.until = until;
            Iterator it{api, api->icalrecur_iterator_new(rule, v.start)};
            auto slow = [&] {
                return fail(at, v.label + ": RRULE takes libical too long (more than " +
                                    std::to_string(kMaxRecurTime.count()) + " s for the file's recurrences)");
            };
            if (std::chrono::steady_clock::now() > deadline) return slow();
            if (!it.it) return fail(at, v.label + ": bad RRULE");
            for (;;) {
                icaltimetype t = api->icalrecur_iterator_next(it.it);
                if (std::chrono::steady_clock::now() > deadline) return slow();
                if (is_null(t)) break;
                if (++steps > kMaxSteps)
                    return fail(at, v.label + ": RRULE repeats too often (more than " + std::to_string(kMaxSteps) +
                                        " steps to the end of the window)");
                t.zone = v.start.zone;
                t.is_date = v.start.is_date;
                std::int64_t k = key(t);
                if (beyond(k)) break;
                if (k + reach <= (v.kind == Kind::Zoned ? from : wall_from)) continue;  // ends before the window
                occ.push_back({k, t, -1});
                if (occ.size() > 2 * Calendar::kMaxOccurrences + 2)
                    return fail(o.line, v.label + ": more than " + std::to_string(Calendar::kMaxOccurrences) +
                                            " occurrences in the window");
            }
        }
        for (icalproperty* p = api->icalcomponent_get_first_property(v.comp, ICAL_RDATE_PROPERTY); p;
             p = api->icalcomponent_get_next_property(v.comp, ICAL_RDATE_PROPERTY)) {
            icaldatetimeperiodtype r = api->icalproperty_get_rdate(p);
            Occurrence x{0, r.time, -1};
            if (is_null(r.time)) {
                x.t = r.period.start;
                if (is_null(x.t)) continue;
                icaltimetype e = with_zone(p, r.period.end);
                x.t = with_zone(p, x.t);
                if (!x.t.zone && v.kind == Kind::Zoned) x.t.zone = v.start.zone;
                if (!is_null(e)) {
                    if (!e.zone) e.zone = x.t.zone;
                    x.own = key(e) - key(x.t);
                } else {
                    const icaldurationtype& d = r.period.duration;
                    x.own = (std::int64_t{d.weeks} * 7 + d.days) * 86400 + std::int64_t{d.hours} * 3600 +
                            std::int64_t{d.minutes} * 60 + d.seconds;
                }
                if (x.own < 0) continue;
            } else {
                x.t = with_zone(p, r.time);
                if (!x.t.zone && v.kind == Kind::Zoned) x.t.zone = v.start.zone;
            }
            if (x.t.is_date != v.start.is_date) continue;
            x.key = key(x.t);
            if (!beyond(x.key)) occ.push_back(x);
        }
    }
    std::sort(occ.begin(), occ.end(), [](const Occurrence& a, const Occurrence& b) { return a.key < b.key; });
    occ.erase(
        std::unique(occ.begin(), occ.end(), [](const Occurrence& a, const Occurrence& b) { return a.key == b.key; }),
        occ.end());

    std::vector<std::int64_t> gone(moved);
    std::vector<std::int64_t> gone_days;  // EXDATE dates of an event with times: the whole day
    for (icalproperty* p = api->icalcomponent_get_first_property(v.comp, ICAL_EXDATE_PROPERTY); p;
         p = api->icalcomponent_get_next_property(v.comp, ICAL_EXDATE_PROPERTY)) {
        icaltimetype t = with_zone(p, api->icalproperty_get_exdate(p));
        std::int64_t k;
        if (t.is_date && !v.start.is_date)
            gone_days.push_back(days_from_civil(t.year, t.month, t.day));
        else if (key_of(v, t, &k))
            gone.push_back(k);
    }
    std::sort(gone.begin(), gone.end());
    for (const Occurrence& x : occ) {
        if (std::binary_search(gone.begin(), gone.end(), x.key)) continue;
        if (!gone_days.empty() && std::find(gone_days.begin(), gone_days.end(),
                                            days_from_civil(x.t.year, x.t.month, x.t.day)) != gone_days.end())
            continue;
        bool past = false;
        if (!add(v, x, &past)) return false;
        if (past) break;
    }
    return true;
}

}  // namespace

bool Calendar::load(const std::string& path, std::string_view text, const TimeZone& tz, std::int64_t from,
                    std::int64_t to, int* line, std::string* err) {
    *line = 0;
    if (text.size() > kMaxBytes) {
        *err = "larger than " + std::to_string(kMaxBytes >> 20) + " MiB";
        return false;
    }
    IcsOutline outline;
    if (!check_ics(text, &outline, line, err)) return false;
    *line = 0;
    const IcalTable* api = ical_table(err);
    if (!api) return false;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    Tree tree{api};
    tree.root = api->icalparser_parse_string(std::string(text).c_str());
    if (!tree.root || api->icalcomponent_isa(tree.root) != ICAL_VCALENDAR_COMPONENT) {
        *err = "libical read no VCALENDAR";
        return false;
    }
    Loader l{api, tz};
    l.vcal = tree.root;
    l.utc = api->icaltimezone_get_utc_timezone();
    l.from = from;
    l.to = to;
    l.wall_from = wall_seconds(tz.to_local(from));
    l.wall_to = wall_seconds(tz.to_local(to));
    l.line = line;
    l.err = err;

    std::vector<Vevent> all;
    all.reserve(outline.events.size());
    for (icalcomponent* c = api->icalcomponent_get_first_component(tree.root, ICAL_VEVENT_COMPONENT); c;
         c = api->icalcomponent_get_next_component(tree.root, ICAL_VEVENT_COMPONENT)) {
        if (all.size() >= outline.events.size()) {
            *err = "libical read more VEVENTs than the file holds";
            return false;
        }
        all.emplace_back();
        if (!l.read(c, outline.events[all.size() - 1], &all.back())) return false;
    }
    if (all.size() != outline.events.size()) {
        *err = "libical read " + std::to_string(all.size()) + " of the " + std::to_string(outline.events.size()) +
               " VEVENTs";
        return false;
    }

    // Overrides (RECURRENCE-ID) by UID: the starts they take from their series.
    std::unordered_map<std::string, std::vector<std::int64_t>> moved;
    std::unordered_map<std::string, const Vevent*> series;  // the first event of each UID without RECURRENCE-ID
    std::unordered_map<std::string, bool> cancelled;        // a cancelled series drops its overrides too
    for (const Vevent& v : all) {
        if (v.has_rid || v.uid.empty()) continue;
        series.emplace(v.uid, &v);
        if (v.cancelled) cancelled[v.uid] = true;
    }
    for (const Vevent& v : all) {
        if (!v.has_rid) continue;
        auto s = series.find(v.uid);
        std::int64_t k;
        if (s != series.end() && l.key_of(*s->second, v.rid, &k)) moved[v.uid].push_back(k);
    }
    static const std::vector<std::int64_t> none;
    l.deadline = std::chrono::steady_clock::now() + kMaxRecurTime;
    for (const Vevent& v : all) {
        if (v.cancelled || (!v.uid.empty() && cancelled.count(v.uid))) continue;
        if (v.has_rid && series.count(v.uid)) {
            if (!l.expand(v, none, false)) return false;  // the moved occurrence, by its own DTSTART
            continue;
        }
        auto m = v.uid.empty() ? moved.end() : moved.find(v.uid);
        if (!l.expand(v, m == moved.end() ? none : m->second, true)) return false;
    }

    std::stable_sort(l.out.begin(), l.out.end(),
                     [](const CalendarEvent& a, const CalendarEvent& b) { return a.start < b.start; });
    std::vector<std::int64_t> max_end(l.out.size());
    for (std::size_t i = 0; i < l.out.size(); ++i)
        max_end[i] = i ? std::max(max_end[i - 1], l.out[i].end) : l.out[i].end;
    path_ = path;
    from_ = from;
    to_ = to;
    wall_from_ = l.wall_from;
    wall_to_ = l.wall_to;
    events_ = std::move(l.out);
    max_end_ = std::move(max_end);
    *line = 0;
    err->clear();
    return true;
}

const CalendarEvent* Calendar::at(std::int64_t t) const {
    if (t < wall_from_ || t >= wall_to_) return nullptr;
    auto it = std::upper_bound(events_.begin(), events_.end(), t,
                               [](std::int64_t x, const CalendarEvent& e) { return x < e.start; });
    for (std::size_t i = static_cast<std::size_t>(it - events_.begin()); i-- > 0;) {
        if (max_end_[i] <= t) break;  // none up to i runs at t
        if (events_[i].end > t) return &events_[i];
    }
    return nullptr;
}

std::vector<const CalendarEvent*> Calendar::between(std::int64_t a, std::int64_t b) const {
    std::vector<const CalendarEvent*> r;
    // max_end_ ascends: the first event that may still run at a.
    std::size_t i = static_cast<std::size_t>(std::upper_bound(max_end_.begin(), max_end_.end(), a) - max_end_.begin());
    for (; i < events_.size() && events_[i].start < b; ++i)
        if (events_[i].end > a) r.push_back(&events_[i]);
    return r;
}

}  // namespace cr
