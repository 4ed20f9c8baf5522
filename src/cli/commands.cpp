#include "cli/commands.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <vector>

#include "base/civil.h"
#include "base/log.h"
#include "cli/at.h"
#include "cli/week.h"
#include "journal/calls.h"
#include "rules/load.h"
#include "rules/number.h"
#include "webhook/answer.h"

namespace cr {

std::shared_ptr<const RuleSet> load_or_report(const std::string& path, Warn warn, std::int64_t anchor) {
    std::vector<std::string> errors;
    std::shared_ptr<const RuleSet> c = load_rule_set(path, &errors, nullptr, anchor);
    for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    if (c && warn != Warn::None)
        for (const std::string& w : c->warnings) std::fprintf(stderr, "%s\n", w.c_str());
    if (c && warn == Warn::All)
        for (const std::string& w : c->serving_warnings) std::fprintf(stderr, "%s\n", w.c_str());
    return c;
}

std::shared_ptr<const RuleSet> calendars_at(const std::string& path, std::shared_ptr<const RuleSet> c, std::int64_t t) {
    if (!c || !c->refresh_at || (t >= c->calendar_anchor - 86400 && t <= c->calendar_anchor + 86400)) return c;
    return load_or_report(path, Warn::None, t);
}

SwitchStates read_switches_or_say(const RuleSet& c) {
    SwitchStates s;
    std::string err;
    if (!c.settings.switch_state.empty() && !read_switch_states(c.settings.switch_state, &s, &err))
        std::fprintf(stderr, "callrouter: switches %s: %s: every switch is at its default\n",
                     c.settings.switch_state.c_str(), err.c_str());
    return s;
}

bool now_or_at(const std::string& at, const TimeZone& tz, std::int64_t* now) {
    *now = std::time(nullptr);
    if (at.empty()) return true;
    std::string err;
    if (parse_at(at, tz, now, &err)) return true;
    std::fprintf(stderr, "callrouter: --at: %s\n", err.c_str());
    return false;
}

int run_check(const std::string& path) {
    auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::All);
    if (!c) return 1;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::size_t entries = 0;
    for (const auto& l : c->lists) entries += l->set.size() + l->users.size();
    std::string menus = c->menus.empty() ? "" : ", " + std::to_string(c->menus.size()) + " menus";
    std::printf("%s: ok: %zu rules, %zu lists (%zu entries), %zu hours%s, time zone %s; loaded in %.1f ms\n",
                path.c_str(), c->rules.size(), c->lists.size(), entries, c->hours.size(), menus.c_str(),
                c->tz.name().c_str(), ms);
    return 0;
}

int run_test(const std::string& path, const std::string& body, const std::string& at, const std::string* signature,
             const std::string& query) {
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::Rules);
    if (!c) return 1;
    std::int64_t now = 0;
    if (!now_or_at(at, c->tz, &now)) return 2;
    if (!(c = calendars_at(path, c, now))) return 1;
    const SwitchStates switches = read_switches_or_say(*c);
    HttpHead head = form_post(body);
    if (!c->settings.require_user.empty()) {
        head.has_remote_user = true;
        head.remote_user = c->settings.require_user;
    }
    if (signature) {
        head.has_signature = true;
        head.signature = *signature;
    }
    head.query = query;
    std::vector<std::string> trace;
    auto t0 = std::chrono::steady_clock::now();
    Outcome o = handle(*c, head, body, now, &trace, &switches);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    for (const std::string& t : trace) std::fprintf(stderr, "%s\n", log_text(t).c_str());
    std::fprintf(stderr, "%s\n", request_log_line(o, ms).c_str());
    if (!o.journal.empty())  // --test writes no journal: it says what would be written
        std::fprintf(stderr, "journal (not written by --test): %s\n", log_text(o.journal).c_str());
    if (!o.switches.empty())  // nor does it set a switch
        std::fprintf(stderr, "switch (not set by --test): %s\n", log_text(o.call.switched).c_str());
    std::fwrite(o.http.body.data(), 1, o.http.body.size(), stdout);
    return o.http.status == 200 ? 0 : 1;
}

int run_calls(const std::string& path, const std::string& since, const std::string& at) {
    // What the rules do to calls is not what --calls is asked: their warnings are --check's.
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::None);
    if (!c) return 1;
    const std::string& journal = c->settings.journal;
    if (journal.empty()) {
        std::fprintf(stderr, "callrouter: --calls: %s sets no journal ([settings] journal = FILE)\n", path.c_str());
        return 1;
    }
    std::int64_t now = 0;
    if (!now_or_at(at, c->tz, &now)) return 2;
    std::int64_t from = now - 7 * 86400;
    if (!since.empty()) {
        std::string err;
        if (!parse_since(since, c->tz, &from, &err)) {
            std::fprintf(stderr, "callrouter: --since: %s\n", err.c_str());
            return 2;
        }
    }
    // Twice through the journal, joining its calls as they come: first the widths of the
    // columns, then the rows; nothing but the calls open at once is held.
    JournalReader reader;
    JournalRead read;
    std::string err;
    CallsTable table(c->tz, from, now);
    std::size_t without_id = 0;
    auto pass = [&](const std::function<void(CallRow &&)>& out) {
        CallJoiner joiner(out);
        if (!reader.read([&](const JournalEvent& e) { joiner.add(e); }, &read, &err)) return false;
        joiner.finish();
        without_id = joiner.without_call_id();
        return true;
    };
    if (!reader.open(journal, &err) || !pass([&](CallRow&& row) { table.measure(row); })) {
        std::fprintf(stderr, "callrouter: --calls: %s: cannot read: %s\n", journal.c_str(), err.c_str());
        return 1;
    }
    if (read.skipped)
        std::fprintf(stderr, "callrouter: --calls: %s: %zu lines are no event of the journal; skipped\n",
                     journal.c_str(), read.skipped);
    if (read.too_long)
        std::fprintf(stderr, "callrouter: --calls: %s: %zu lines longer than %zu KiB; skipped\n", journal.c_str(),
                     read.too_long, kMaxJournalLine >> 10);
    if (without_id)
        std::fprintf(stderr,
                     "callrouter: --calls: %s: %zu %s without a callId (a push of the oldest form, such as a curl "
                     "with from, to and direction only): no call to join %s to; not in the table\n",
                     journal.c_str(), without_id, without_id == 1 ? "event" : "events",
                     without_id == 1 ? "it" : "them");
    std::fputs(table.head().c_str(), stdout);
    if (!pass([&](CallRow&& row) { std::fputs(table.row(row).c_str(), stdout); })) {
        std::fprintf(stderr, "callrouter: --calls: %s: cannot read: %s\n", journal.c_str(), err.c_str());
        return 1;
    }
    std::fputs(table.tail().c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_week(const std::string& path, const std::string& date, const std::string& number, int from_hour, int to_hour,
             bool html) {
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::Rules);
    if (!c) return 1;
    // The called number: --number's, else the first exact number a rule's `to` names,
    // else the digits of its first prefix, else (lists alone) a number no rule names.
    std::string called, label;
    if (!number.empty()) {
        std::string err;
        if (!normalise_digits(number, c->settings.country_code, &called, &err)) {
            std::fprintf(stderr, "callrouter: --number: '%s': %s\n", log_text(number).c_str(), err.c_str());
            return 2;
        }
    } else {
        const std::vector<std::string> routed = routed_numbers(*c);
        for (const std::string& n : routed)
            if (called.empty() && n[0] != '@' && n.back() != '*') called = n;
        for (const std::string& n : routed)
            if (called.empty() && n[0] != '@') called = n.substr(0, n.size() - 1);
        if (called.empty() && !routed.empty()) {
            called = "0";  // no pattern but * matches it
            label = "a number no rule's 'to' names";
        }
    }
    std::int64_t day = 0;
    if (date.empty()) {
        const LocalTime now = c->tz.to_local(std::time(nullptr));
        day = days_from_civil(now.year, now.month, now.day);
    } else if (!parse_week_date(date, &day)) {
        return 2;  // checked with the arguments already
    }
    std::int64_t y = 0;
    int m = 0, d = 0;
    civil_from_days(day, &y, &m, &d);
    if (!(c = calendars_at(path, c, c->tz.from_local(static_cast<int>(y), m, d, 0, 0)))) return 1;
    const SwitchStates switches = read_switches_or_say(*c);
    Week week = build_week(*c, day, from_hour, to_hour, called, &switches);
    if (!label.empty()) week.number = label;
    const std::string out = html ? week_html(*c, path, week) : week_text(*c, path, week);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace cr
