// --week: what the rules do with an incoming call, minute by minute, over seven days
// (week.cpp), as a terminal table (week_text.cpp) or one HTML page (week_html.cpp).
//
// The call the week shows is an incoming call from an ordinary caller to one called
// number (--number N; by default the first number a rule's `to` names): a rule's
// `direction = out` never holds; `from` holds only when it matches every number (`*`),
// `diversion` never holds (the caller is on no list, not withheld, not diverted); `to`
// holds when it matches that number (always, when no rule routes by `to`); `when` is
// asked at that wall-clock minute. The rules for particular callers, and those for
// other called numbers, are listed beside the table instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/model.h"
#include "switches/state.h"

namespace cr {

// One stretch of a day with one answer.
struct WeekSpan {
    int start = 0, end = 0;      // wall-clock minutes after midnight, end excluded
    const Rule* rule = nullptr;  // the rule the call meets; null: no rule (<Response/>)
    int occurs = 1;              // how often these wall-clock minutes happen that day:
                                 // 0 skipped by a DST change, 1, or 2 (the clock turned back)
};

struct WeekDay {
    std::int64_t day = 0;            // days since 1970-01-01
    std::vector<std::string> notes;  // why an [hours] is closed or open that day, by date,
                                     // holiday or calendar event: "office: holiday DE-NW
                                     // 1. Weihnachtstag"; a switch turning; a rota's event
    std::vector<WeekSpan> spans;     // cover the week's minutes of the day, in order
};

struct Week {
    std::int64_t first_day = 0;
    int from_hour = 0, to_hour = 24;
    std::vector<WeekDay> days;         // seven
    std::vector<int> rows;             // the start minute of each row of the grid: every
                                       // whole hour, and every minute where some day changes
    std::vector<const Rule*> shown;    // the rules met somewhere in the week, in file order
    std::vector<const Rule*> callers;  // the incoming rules for particular callers, in file order
    bool no_rule = false;              // whether some time meets no rule
    std::string number;                // the called number the week is for, as its header says it
                                       // (run_week may put words there); empty: any
    std::vector<const Rule*> others;   // incoming rules whose `to` is not that number, in file order
    std::vector<std::string> routed;   // the numbers the rules' `to` name, "@LIST" for a list
};

// The numbers the incoming rules' `to` name, in file order, each once: the digits of
// an exact number, the pattern of a prefix ("4930*"), "@NAME" of a list.
std::vector<std::string> routed_numbers(const RuleSet& config);

// The rule the week's call (above) to `to` (null: any number) meets at wall-clock time
// `t`, or null.
// `switches`: the states of the switches (null: each at its default), asked at the
// instant of `t`.
const Rule* week_rule(const RuleSet& config, const LocalTime& t, const Number* to,
                      const SwitchStates* switches = nullptr);

// Whether the week's call can never meet rule `r` for its number conditions (a `from`
// other than `*`, or a `diversion`) while an incoming call can: a rule for particular callers.
bool week_caller_rule(const Rule& r);

// The day note in an [hours] explanation (Hours::open_at's `why`) of the section named
// `hours`: "office: closed, holiday DE-NW Neujahr" -> "office: holiday DE-NW Neujahr",
// "office: closed, closed 2026-12-24 (line 28)" -> "office: closed 2026-12-24 (line 28)",
// "office: open, open 2026-12-24 10:00-12:00" -> the same without "open, ". Returns ""
// for a reason of the weekly schedule (which names no date).
std::string week_day_note(const std::string& why, const std::string& hours);

// For each wall-clock minute of a day, how often it happens in `tz`: 0, 1 or 2.
std::vector<int> minute_counts(const TimeZone& tz, std::int64_t day);

// The week of seven days from `first_day`, hours from_hour to to_hour (0 <= from_hour <
// to_hour <= 24), of calls to `number` (normalised digits; empty: any number). Never fails.
// Its day notes also say when a switch turns on or off (by `switches`, as --switches
// shows them) and the events of the calendars that day, by their SUMMARY.
Week build_week(const RuleSet& config, std::int64_t first_day, int from_hour, int to_hour,
                const std::string& number = "", const SwitchStates* switches = nullptr);

// The span of `d` holding wall-clock minute `minute` (which must lie in the week's hours).
const WeekSpan& span_at(const WeekDay& d, int minute);

// "The rules route 4915791234567, 4921199999 and @team: --number N shows the week of
// calls to N." for a week whose rules route more than one number.
std::string week_numbers_note(const Week& week);

// A rule's conditions in words, for legends: "from @vip", "to 4915791234567, when office",
// "always" for none.
std::string rule_conditions(const Rule& r);

// "2026-12-24"; "Thu" for its weekday.
std::string day_text(std::int64_t day);
const char* weekday_text(std::int64_t day);

// The terminal table (plain text, no colour, at most 100 columns for rule names up to
// 12 characters) of `week` for the rule file at `path`.
std::string week_text(const RuleSet& config, const std::string& path, const Week& week);

// One self-contained HTML page (inline CSS, no script, no external resource) of `week`.
std::string week_html(const RuleSet& config, const std::string& path, const Week& week);

// Text escaped for HTML element content and quoted attribute values.
std::string html_escape(const std::string& s);

// Parses --week's DATE (YYYY-MM-DD) into a day number. Returns false when it is not a
// date, or when the week would end after 9999-12-31.
bool parse_week_date(const std::string& text, std::int64_t* day);

}  // namespace cr
