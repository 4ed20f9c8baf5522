// --week --html: one self-contained page, a week grid with one colour per rule. Every
// text from the rule file (names, conditions, actions, the path) goes through html_escape.
#include <algorithm>
#include <string>

#include "base/civil.h"
#include "cli/week.h"

namespace cr {

namespace {

// Background colours of the rules in the table, in the order they are first shown; a
// week with more rules than colours starts over.
const char* const kColours[] = {"#7fb3e0", "#f2b950", "#8cc97a", "#e98f6f", "#b9a3dc", "#6fc7bd",
                                "#f0a3c4", "#c9c25a", "#9db4c0", "#d9a066", "#a0d8ef", "#c7e9a0"};
constexpr std::size_t kColourCount = sizeof kColours / sizeof kColours[0];

const char kStyle[] =
    "body{font:14px/1.35 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222;"
    "background:#fafafa}\n"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}p.what{margin:0 0 16px;color:#555}\n"
    "table.week{border-collapse:collapse;table-layout:fixed;width:100%;max-width:1300px;background:#fff}\n"
    "table.week th,table.week td{border:1px solid #d0d0d0;padding:1px 6px;vertical-align:top;overflow:hidden;"
    "white-space:nowrap;text-overflow:ellipsis}\n"
    "table.week th.time{width:56px;text-align:right;font-weight:normal;color:#555;"
    "font-variant-numeric:tabular-nums}\n"
    "table.week thead th{background:#f0f0f0;padding:6px;white-space:normal;text-align:left}\n"
    "table.week thead th.closed{background:#fde2e0}\n"
    "table.week td{font-size:12px}\n"
    "table.week td.cont{color:transparent}\n"
    "table.week td.goes{border-bottom-color:rgba(255,255,255,.6)}\n"
    ".note{display:block;font-weight:normal;font-size:12px;color:#a0281c}\n"
    ".skipped{background:repeating-linear-gradient(45deg,#fff 0 6px,#e4e4e4 6px 12px)}\n"
    ".norule{background:#eceff1;color:#666}\n"
    ".twice{font-weight:bold}\n"
    "table.legend{border-collapse:collapse;background:#fff}\n"
    "table.legend td,table.legend th{border:1px solid #d0d0d0;padding:4px 8px;text-align:left;vertical-align:top}\n"
    "table.legend td.swatch{width:28px}\n"
    "code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:13px}\n";

std::string colour_class(const Week& w, const Rule* r) {
    if (!r) return "norule";
    const auto it = std::find(w.shown.begin(), w.shown.end(), r);
    return "r" + std::to_string(static_cast<std::size_t>(it - w.shown.begin()));
}

// A row of a legend; without a swatch (empty swatch_class) for a table of rules not in the grid.
std::string legend_row(const std::string& swatch_class, const std::string& name, const std::string& conditions,
                       const std::string& action) {
    const std::string swatch = swatch_class.empty() ? "" : "<td class=\"swatch " + swatch_class + "\"></td>";
    return "<tr>" + swatch + "<td><b>" + name + "</b></td><td>" + conditions + "</td><td><code>" + action +
           "</code></td></tr>\n";
}

// A heading, a line and a table of `rules` not in the grid; nothing when there are none.
std::string rules_aside(const char* heading, const char* line, const std::vector<const Rule*>& rules) {
    if (rules.empty()) return "";
    std::string out = std::string("<h2>") + heading + "</h2>\n<p>" + line +
                      "</p>\n<table class=\"legend\">\n<tr><th>rule</th><th>conditions</th><th>action</th></tr>\n";
    for (const Rule* r : rules)
        out += legend_row("", html_escape(r->name), html_escape(rule_conditions(*r)), html_escape(r->action_text));
    return out + "</table>\n";
}

}  // namespace

std::string week_html(const RuleSet& config, const std::string& path, const Week& week) {
    const std::string span = day_text(week.first_day) + " to " + day_text(week.first_day + 6);
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<title>callrouter week " + span + ": " + html_escape(path) + "</title>\n<style>\n";
    out += kStyle;
    for (std::size_t i = 0; i < week.shown.size(); ++i)
        out += ".r" + std::to_string(i) + "{background:" + kColours[i % kColourCount] + "}\n";
    out += "</style>\n</head>\n<body>\n";
    out += "<h1>" + html_escape(path) + ": the week " + span + "</h1>\n";
    out += "<p class=\"what\">The rule an incoming call from an ordinary caller (on no list, not withheld) to " +
           (week.number.empty() ? std::string("a number the rules route") : html_escape(week.number)) + " meets, " +
           clock_text(week.from_hour * 60) + " to " + clock_text(week.to_hour * 60) + ", time zone " +
           html_escape(config.tz.name()) + ".</p>\n";

    out += "<table class=\"week\">\n<thead><tr><th class=\"time\">time</th>";
    for (const WeekDay& d : week.days) {
        out += d.notes.empty() ? "<th>" : "<th class=\"closed\">";
        out += std::string(weekday_text(d.day)) + "<br>" + day_text(d.day);
        for (const std::string& n : d.notes) out += "<span class=\"note\">" + html_escape(n) + "</span>";
        out += "</th>";
    }
    out += "</tr></thead>\n<tbody>\n";
    for (std::size_t i = 0; i < week.rows.size(); ++i) {
        const int row = week.rows[i];
        const int end = i + 1 < week.rows.size() ? week.rows[i + 1] : week.to_hour * 60;
        const int height = std::max(20, (end - row) / 2);
        out += "<tr style=\"height:" + std::to_string(height) + "px\"><th class=\"time\">" + clock_text(row) + "</th>";
        for (const WeekDay& d : week.days) {
            const WeekSpan& s = span_at(d, row);
            const std::string when = std::string(weekday_text(d.day)) + " " + day_text(d.day) + " " + clock_text(row) +
                                     "-" + clock_text(end);
            if (s.occurs == 0) {
                out +=
                    "<td class=\"skipped\" title=\"" + when + ": skipped, daylight saving time begins\">skipped</td>";
                continue;
            }
            // The name where a stretch begins; the cells it goes on in stay blank.
            const bool begins = i == 0 || s.start >= row;
            std::string cls = colour_class(week, s.rule);
            if (!begins) cls += " cont";
            if (s.end > end) cls += " goes";  // the stretch goes on in the next row
            if (s.occurs == 2) cls += " twice";
            const std::string name = s.rule ? s.rule->name : "no rule";
            const std::string what = s.rule ? s.rule->name + " -> " + s.rule->action_text : "no rule: <Response/>";
            out += "<td class=\"" + cls + "\" title=\"" + when + (s.occurs == 2 ? " (twice)" : "") + ": " +
                   html_escape(what) + "\">" + html_escape(name) + (s.occurs == 2 ? " (2x)" : "") + "</td>";
        }
        out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n";

    out +=
        "<h2>Legend</h2>\n<table class=\"legend\">\n<tr><th></th><th>rule</th><th>conditions</th>"
        "<th>action</th></tr>\n";
    for (const Rule* r : week.shown)
        out += legend_row(colour_class(week, r), html_escape(r->name), html_escape(rule_conditions(*r)),
                          html_escape(r->action_text));
    if (week.no_rule)
        out += legend_row("norule", "no rule", "none holds", html_escape("<Response/>: the account's own settings"));
    out += "</table>\n";
    out += rules_aside("For particular callers", "Tried in file order with the rules above; not in the grid.",
                       week.callers);
    out += rules_aside("For other called numbers", "Not in the grid.", week.others);
    if (week.routed.size() > 1) out += "<p class=\"numbers\">" + html_escape(week_numbers_note(week)) + "</p>\n";
    out += "</body>\n</html>\n";
    return out;
}

}  // namespace cr
