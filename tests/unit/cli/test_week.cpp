// --week: the call it shows, the day notes, DST minutes, the spans and the page's escaping.
#include <memory>
#include <string>
#include <vector>

#include "base/civil.h"
#include "cli/week.h"
#include "rules/decide.h"
#include "rules/load.h"
#include "rules/xml.h"
#include "support.h"

using test::at;

namespace {

// The sample's office, with a rule for particular callers and one for diverted calls.
const char kRules[] = R"([settings]
country_code = 49
timezone = Europe/Berlin
[list vip]
numbers = 4915112345678
[hours office]
mon-thu = 09:00-12:30, 13:30-17:00
fri = 09:00-14:00
closed = 2026-12-24
open = 2026-12-27 10:00-11:00
holidays = DE-NW
[rule vip]
from = @vip
action = dial 4915112345678
[rule diverted]
diversion = *
action = voicemail
[rule out]
direction = out
action = dial $to
[rule office]
direction = in
to = 4915791234567
when = office
action = dial 4921112345601
[rule closed]
from = *
action = play https://example.com/closed.wav?a=1&b=2 then hangup
)";

std::shared_ptr<const cr::RuleSet> load(const std::string& text) {
    cr::xml_init();
    std::vector<std::string> errors;
    auto c = cr::load_rule_set_text("week.ini", text, &errors);
    INFO((errors.empty() ? std::string() : errors[0]));
    REQUIRE(static_cast<bool>(c));
    return c;
}

const std::string& name_at(const cr::WeekDay& d, int minute) {
    static const std::string none = "none";
    const cr::WeekSpan& s = cr::span_at(d, minute);
    return s.rule ? s.rule->name : none;
}

}  // namespace

TEST_CASE("week: the call is incoming, from an ordinary caller, to a routed number") {
    auto c = load(kRules);
    // vip (from @vip) and diverted (diversion) never hold, out is outgoing; to holds.
    CHECK(cr::week_rule(*c, at(2026, 11, 30, 10, 0), nullptr)->name == "office");
    CHECK(cr::week_rule(*c, at(2026, 11, 30, 12, 30), nullptr)->name == "closed");  // from = * holds
    CHECK(cr::week_rule(*c, at(2026, 11, 30, 12, 29), nullptr)->name == "office");
    CHECK(cr::week_rule(*c, at(2026, 12, 25, 10, 0), nullptr)->name == "closed");
    CHECK(cr::week_caller_rule(c->rules[0]));
    CHECK(cr::week_caller_rule(c->rules[1]));
    CHECK_FALSE(cr::week_caller_rule(c->rules[2]));
    CHECK_FALSE(cr::week_caller_rule(c->rules[3]));
    CHECK_FALSE(cr::week_caller_rule(c->rules[4]));
    auto none = load("[rule vip]\nfrom = 4915112345678\naction = reject\n");
    CHECK(cr::week_rule(*none, at(2026, 11, 30, 10, 0), nullptr) == nullptr);
}

TEST_CASE("week: the day note of an [hours] explanation") {
    CHECK(cr::week_day_note("office: closed, holiday DE-NW Neujahr", "office") == "office: holiday DE-NW Neujahr");
    CHECK(cr::week_day_note("office: closed, closed 2026-12-24 (line 28)", "office") ==
          "office: closed 2026-12-24 (line 28)");
    CHECK(cr::week_day_note("office: open, open 2026-12-27 10:00-11:00", "office") ==
          "office: open 2026-12-27 10:00-11:00");
    CHECK(cr::week_day_note("office: open, mon-thu 09:00-12:30", "office") == "");
    CHECK(cr::week_day_note("office: outside mon-thu 09:00-12:30, 13:30-17:00", "office") == "");
    CHECK(cr::week_day_note("office: closed, no hours on sun", "office") == "");
    CHECK(cr::week_day_note("other: closed, holiday DE Neujahr", "office") == "");
}

TEST_CASE("week: wall-clock minutes skipped and repeated by DST in Europe/Berlin") {
    cr::TimeZone tz;
    std::string err;
    REQUIRE(test::load_zone(&tz, "Europe/Berlin", &err));
    const auto spring = cr::minute_counts(tz, cr::days_from_civil(2027, 3, 28));
    const auto autumn = cr::minute_counts(tz, cr::days_from_civil(2026, 10, 25));
    const auto plain = cr::minute_counts(tz, cr::days_from_civil(2026, 12, 21));
    for (int m = 0; m < 1440; ++m) {
        const auto i = static_cast<std::size_t>(m);
        CAPTURE(m);
        CHECK(spring[i] == (m >= 120 && m < 180 ? 0 : 1));
        CHECK(autumn[i] == (m >= 120 && m < 180 ? 2 : 1));
        CHECK(plain[i] == 1);
    }
}

TEST_CASE("week: spans, rows, notes and rules of a week with a closed day, holidays and an open date") {
    auto c = load(kRules);
    const cr::Week w = cr::build_week(*c, cr::days_from_civil(2026, 12, 21), 0, 24);
    REQUIRE(w.days.size() == 7);
    const cr::WeekDay& mon = w.days[0];
    CHECK(mon.spans.size() == 5);
    CHECK(name_at(mon, 8 * 60 + 59) == "closed");
    CHECK(name_at(mon, 9 * 60) == "office");
    CHECK(name_at(mon, 12 * 60 + 29) == "office");
    CHECK(name_at(mon, 12 * 60 + 30) == "closed");
    CHECK(name_at(mon, 13 * 60 + 30) == "office");
    CHECK(name_at(mon, 17 * 60) == "closed");
    CHECK(mon.notes.empty());
    CHECK(w.days[3].notes == std::vector<std::string>{"office: closed 2026-12-24 (line 9)"});
    CHECK(name_at(w.days[3], 10 * 60) == "closed");
    CHECK(w.days[4].notes == std::vector<std::string>{"office: holiday DE-NW 1. Weihnachtstag"});
    CHECK(w.days[5].notes == std::vector<std::string>{"office: holiday DE-NW 2. Weihnachtstag"});
    CHECK(w.days[6].notes == std::vector<std::string>{"office: open 2026-12-27 10:00-11:00"});
    CHECK(name_at(w.days[6], 10 * 60 + 30) == "office");
    CHECK(name_at(w.days[6], 11 * 60) == "closed");
    // Every whole hour, and 12:30 and 13:30 where Monday to Wednesday change.
    CHECK(w.rows.size() == 26);
    CHECK(w.rows[13] == 12 * 60 + 30);
    REQUIRE(w.shown.size() == 2);
    CHECK(w.shown[0]->name == "office");
    CHECK(w.shown[1]->name == "closed");
    REQUIRE(w.callers.size() == 2);
    CHECK(w.callers[0]->name == "vip");
    CHECK_FALSE(w.no_rule);

    const cr::Week part = cr::build_week(*c, cr::days_from_civil(2026, 12, 21), 8, 18);
    CHECK(part.rows.front() == 8 * 60);
    CHECK(part.rows.size() == 12);
    CHECK(part.days[0].spans.front().start == 8 * 60);
    CHECK(part.days[0].spans.back().end == 18 * 60);
}

TEST_CASE("week: DST days have skipped and repeated spans") {
    auto c = load(
        "[settings]\ntimezone = Europe/Berlin\n[hours night]\nsun = 02:30-03:00\n"
        "[rule night]\nwhen = night\naction = reject\n[rule other]\naction = voicemail\n");
    const cr::Week spring = cr::build_week(*c, cr::days_from_civil(2027, 3, 28), 1, 4);
    const cr::WeekDay& d = spring.days[0];
    REQUIRE(d.spans.size() == 3);
    CHECK((d.spans[1].start == 120 && d.spans[1].end == 180 && d.spans[1].occurs == 0 && !d.spans[1].rule));
    CHECK_FALSE(spring.no_rule);
    const cr::Week autumn = cr::build_week(*c, cr::days_from_civil(2026, 10, 25), 1, 4);
    const cr::WeekDay& a = autumn.days[0];
    REQUIRE(a.spans.size() == 4);
    CHECK((a.spans[1].start == 120 && a.spans[1].occurs == 2 && a.spans[1].rule->name == "other"));
    CHECK((a.spans[2].start == 150 && a.spans[2].occurs == 2 && a.spans[2].rule->name == "night"));
    CHECK((a.spans[3].start == 180 && a.spans[3].occurs == 1));
    const std::string text = cr::week_text(*c, "r.ini", autumn);
    CHECK(text.find("\n02:30  night 2x    other") != std::string::npos);
}

TEST_CASE("week: the terminal table and the page") {
    auto c = load(kRules);
    const cr::Week w = cr::build_week(*c, cr::days_from_civil(2026, 12, 21), 0, 24);
    const std::string text = cr::week_text(*c, "week.ini", w);
    CHECK(text.find("time   Mon 12-21   Tue 12-22   Wed 12-23   Thu 12-24 * Fri 12-25 * Sat 12-26 * Sun 12-27 *\n") !=
          std::string::npos);
    CHECK(text.find("\n12:30  closed      closed      closed      closed      closed      closed      closed\n") !=
          std::string::npos);
    CHECK(text.find("\n* Fri 2026-12-25: office: holiday DE-NW 1. Weihnachtstag\n") != std::string::npos);
    std::size_t widest = 0, start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
        widest = std::max(widest, nl - start);
    CHECK(widest <= 100);

    const std::string html = cr::week_html(*c, "<a href=\"x\">.ini", w);
    CHECK(html.find("&lt;a href=&quot;x&quot;&gt;.ini") != std::string::npos);
    CHECK(html.find("<a href") == std::string::npos);
    CHECK(html.find("closed.wav?a=1&amp;b=2") != std::string::npos);
    CHECK(html.find("a=1&b") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(cr::html_escape("<b>'&\"") == "&lt;b&gt;&#39;&amp;&quot;");
}

TEST_CASE("week: DATE is YYYY-MM-DD") {
    std::int64_t day = 0;
    CHECK(cr::parse_week_date("2026-12-21", &day));
    CHECK(day == cr::days_from_civil(2026, 12, 21));
    CHECK_FALSE(cr::parse_week_date("2026-02-30", &day));
    CHECK_FALSE(cr::parse_week_date("2026-1-1", &day));
    CHECK_FALSE(cr::parse_week_date("today", &day));
    CHECK(cr::parse_week_date("9999-12-25", &day));
    CHECK_FALSE(cr::parse_week_date("9999-12-26", &day));
}

TEST_CASE("week: a long rule name is cut to its column, a skipped hour is a cell of its own") {
    auto c = load("[settings]\ntimezone = Europe/Berlin\n[rule a-rule-with-a-long-name]\naction = voicemail\n");
    const cr::Week w = cr::build_week(*c, cr::days_from_civil(2027, 3, 28), 1, 4);
    const std::string text = cr::week_text(*c, "r.ini", w);
    CHECK(text.find("\n01:00  a-rule-with\xE2\x80\xA6 a-rule-with\xE2\x80\xA6 ") != std::string::npos);
    CHECK(text.find("\n02:00  -- skipped   a-rule-with\xE2\x80\xA6 ") != std::string::npos);
    CHECK(text.find("  a-rule-with-a-long-name (line 3): always\n      -> voicemail\n") != std::string::npos);
    const std::string html = cr::week_html(*c, "r.ini", w);
    CHECK(html.find("<td class=\"skipped\" title=\"Sun 2027-03-28 02:00-03:00: skipped, daylight saving time "
                    "begins\">skipped</td>") != std::string::npos);
}

TEST_CASE("week: a week is of one called number; the rules for others are listed, not hidden") {
    auto c = load(
        "[settings]\ncountry_code = 49\n[list team]\nnumbers = 4930111\n"
        "[rule hotline]\nto = 0211 99999\naction = dial 4915799912345\n"
        "[rule office]\nto = 4921112345, @team, 4930*\naction = voicemail\n");
    CHECK(cr::routed_numbers(*c) == std::vector<std::string>{"4921199999", "4921112345", "@team", "4930*"});
    const cr::Number hotline{cr::NumberKind::Digits, "4921199999"}, office{cr::NumberKind::Digits, "4921112345"};
    CHECK(cr::week_rule(*c, at(2026, 11, 30, 10, 0), &hotline)->name == "hotline");
    CHECK(cr::week_rule(*c, at(2026, 11, 30, 10, 0), &office)->name == "office");
    cr::Week w = cr::build_week(*c, 20422, 9, 10, "4921112345");
    CHECK(w.number == "4921112345");
    REQUIRE(w.shown.size() == 1);
    CHECK(w.shown[0]->name == "office");
    REQUIRE(w.others.size() == 1);
    CHECK(w.others[0]->name == "hotline");
    const std::string text = cr::week_text(*c, "r.ini", w);
    CHECK(text.find("to 4921112345.\n") != std::string::npos);
    CHECK(text.find("For other called numbers (not in the table):\n  hotline (line 5): to 0211 99999\n") !=
          std::string::npos);
    CHECK(text.find(
              "The rules route 4921199999, 4921112345, @team and 4930*: --number N shows the week of calls to N.") !=
          std::string::npos);
}

TEST_CASE("week: rules that route by prefix or list alone still hide nothing") {
    auto c = load(
        "[settings]\ncountry_code = 49\n[list team]\nnumbers = 4930111\n"
        "[rule team]\nto = @team\naction = voicemail\n[rule rest]\naction = hangup\n");
    // The week of a number no rule's `to` names: the team's rule is listed, not shown.
    cr::Week w = cr::build_week(*c, 20422, 9, 10, "0");
    REQUIRE(w.shown.size() == 1);
    CHECK(w.shown[0]->name == "rest");
    REQUIRE(w.others.size() == 1);
    CHECK(w.others[0]->name == "team");
}
