// --week's terminal table: time as rows, the seven days as columns.
#include <algorithm>
#include <string>

#include "base/civil.h"
#include "base/text.h"
#include "cli/week.h"

namespace cr {

namespace {

constexpr std::size_t kMinCell = 11;  // "Mon 12-21 *"
constexpr std::size_t kMaxCell = 12;  // 7 + 7 * 13 = 98 columns

std::string rtrim(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

// `s` cut to at most `width` columns (an ellipsis marks a cut), then padded with spaces.
std::string fit(const std::string& s, std::size_t width) {
    std::string out = utf8_cut(s, width);
    return out + std::string(width - std::min(width, utf8_columns(out)), ' ');
}

std::string cell_text(const WeekSpan& s) {
    if (s.occurs == 0) return "-- skipped";
    return s.rule ? s.rule->name : "no rule";
}

// `heading`, then each rule of `rules` with its line, conditions and action.
std::string rule_list(const char* heading, const std::vector<const Rule*>& rules) {
    std::string out = heading;
    for (const Rule* r : rules)
        out += "  " + r->name + " (line " + std::to_string(r->line) + "): " + rule_conditions(*r) + "\n      -> " +
               r->action_text + "\n";
    return out;
}

}  // namespace

std::string week_text(const RuleSet& config, const std::string& path, const Week& week) {
    std::size_t width = kMinCell;
    bool skipped = false, twice = false;
    for (const WeekDay& d : week.days)
        for (const WeekSpan& s : d.spans) {
            width = std::max(width, utf8_columns(cell_text(s)) + (s.occurs == 2 ? 3 : 0));
            skipped = skipped || s.occurs == 0;
            twice = twice || s.occurs == 2;
        }
    width = std::min(width, kMaxCell);

    std::string out = "callrouter --week: " + path + ", " + day_text(week.first_day) + " to " +
                      day_text(week.first_day + 6) + ", " + clock_text(week.from_hour * 60) + "-" +
                      clock_text(week.to_hour * 60) + ", time zone " + config.tz.name() + "\n";
    out += "An incoming call from an ordinary caller (on no list, not withheld) to " +
           (week.number.empty() ? std::string("a number the rules route") : week.number) + ".\n\n";

    std::string line = "time   ";
    for (const WeekDay& d : week.days) {
        const std::string date = day_text(d.day);
        line +=
            fit(std::string(weekday_text(d.day)) + " " + date.substr(5) + (d.notes.empty() ? "" : " *"), width) + " ";
    }
    out += rtrim(line) + "\n";
    for (const int row : week.rows) {
        line = clock_text(row) + "  ";
        for (const WeekDay& d : week.days) {
            const WeekSpan& s = span_at(d, row);
            if (s.occurs == 2)
                line += fit(rtrim(fit(s.rule ? s.rule->name : "no rule", width - 3)) + " 2x", width) + " ";
            else
                line += fit(cell_text(s), width) + " ";
        }
        out += rtrim(line) + "\n";
    }

    bool any_note = false;
    for (const WeekDay& d : week.days)
        for (const std::string& n : d.notes) {
            if (!any_note) out += "\n";
            any_note = true;
            out += std::string("* ") + weekday_text(d.day) + " " + day_text(d.day) + ": " + n + "\n";
        }
    if (skipped) out += "-- skipped: the clock jumps over this time that day (daylight saving time begins)\n";
    if (twice) out += "2x: this time happens twice that day (daylight saving time ends); the rules answer both alike\n";

    out += rule_list("\nThe rules in the table, in file order:\n", week.shown);
    if (week.no_rule) out += "  no rule: <Response/>, the account's own settings apply\n";
    if (!week.callers.empty())
        out += rule_list("For particular callers, tried in file order with the rules above (not in the table):\n",
                         week.callers);
    if (!week.others.empty()) out += rule_list("For other called numbers (not in the table):\n", week.others);
    if (week.routed.size() > 1) out += week_numbers_note(week) + "\n";
    return out;
}

}  // namespace cr
