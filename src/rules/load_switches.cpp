// [switch NAME] and [rota NAME], the calendars of [hours] (closed_ics, open_ics), a
// rule's `switch = [!]NAME` and an action's `switch NAME on ... then` (callrouter.ini(5)).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/text.h"
#include "rules/loader.h"
#include "switches/state.h"

namespace cr::loader {

namespace {

const KeySpec kSwitchSection[] = {{"default", false, kDefault}};
const KeySpec kRotaSection[] = {{"ics", false, kIcs}, {"fallback", true, kFallback}};

// The calendar's window around the load's anchor: a week back (for --week), about three
// months ahead; a process that answers calls loads again a day later to move it on.
constexpr std::int64_t kWindowBack = 8 * 86400;
constexpr std::int64_t kWindowAhead = 100 * 86400;
constexpr std::int64_t kRefresh = 86400;

bool dial_char(char c) {
    return (c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '-' || c == '/' || c == '(' || c == ')';
}

// The first phone number in `text`: a run of digits, blanks, '-', '/' and parentheses
// that begins a word with '+' or '0' (international or national, as people write
// numbers) and holds at least 6 digits; a "(0)" after a country code is dropped (+49 (0)171 ...).
// Normalised into *out; false when there is none. "Raum 1234", "2026" and "08:00-16:00"
// are no number.
bool number_in(const std::string& text, const std::string& country_code, std::string* out) {
    for (std::size_t i = 0; i < text.size();) {
        // A number begins with '+' or '0' at the start of a word, or after a label's ':'
        // '.' or '/' (tel:+49..., Tel.:0171, Handy/0171); not inside another run of
        // digits, a time (08:00-16:00) or a date (12/08/2026).
        const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.'; };
        const bool word =
            i == 0 || std::string_view("0123456789:-./").find(text[i - 1]) == std::string_view::npos ||
            (std::string_view(":./").find(text[i - 1]) != std::string_view::npos && i >= 2 && letter(text[i - 2]));
        if (!word || (text[i] != '+' && text[i] != '0')) {
            ++i;
            continue;
        }
        std::size_t j = i;
        // " / " parts two numbers (0171 123456 / 0172 654321).
        while (j < text.size() && dial_char(text[j]) && !(text[j] == '/' && j > i && text[j - 1] == ' ')) ++j;
        std::string run(trim(std::string_view(text).substr(i, j - i)));
        for (std::size_t p; (p = run.find("(0)")) != std::string::npos;) run.erase(p, 3);
        int digits = 0;
        for (char c : run) digits += c >= '0' && c <= '9';
        std::string err;
        if (digits >= 6 && normalise_digits(run, country_code, out, &err)) return true;
        i = j;
    }
    return false;
}

}  // namespace

const KeyTable kSwitchKeys = key_table(kSwitchSection);
const KeyTable kRotaKeys = key_table(kRotaSection);

void Loader::switch_section(const Section& s) {
    if (rs_->switches.size() == kMaxSwitches) {
        error(s.line, "more than " + std::to_string(kMaxSwitches) + " [switch NAME] sections");
        return;
    }
    auto sw = std::make_unique<Switch>();
    sw->name = s.name;
    sw->line = s.line;
    for (const Keyed& k : keyed(s, kSwitchKeys, "[switch]")) {
        const std::string v(trim(k.entry->value));
        if (v == "on" || v == "off")
            sw->default_on = v == "on";
        else
            error(k.entry->line, "default must be 'on' or 'off', not " + quote(v));
    }
    rs_->switches.push_back(std::move(sw));
}

// Reads and expands the calendar file `name` (relative to the rule file) of entry `e`.
// Null, with the problem reported at the calendar's own line, when it is broken.
std::shared_ptr<const Calendar> Loader::calendar(const IniEntry& e, const std::string& name) {
    if (name.empty()) {
        error(e.line, e.key + " is empty: name an iCalendar file (.ics)");
        return nullptr;
    }
    const std::string path = beside_rules(name);
    std::string text;
    if (!read_named(path, Calendar::kMaxBytes, "calendar", e.line, &text)) return nullptr;
    auto c = std::make_shared<Calendar>();
    const std::int64_t anchor = rs_->calendar_anchor;
    int line = 0;
    std::string err;
    if (!c->load(path, text, rs_->tz, anchor - kWindowBack, anchor + kWindowAhead, &line, &err)) {
        if (line)  // the calendar's own line
            problems_->list.push_back({e.line, 1, path + ":" + std::to_string(line) + ": " + err});
        else  // no line of its own (libical missing): the rule file's
            error(e.line, e.key + " " + path + ": " + err);
        return nullptr;
    }
    if (!rs_->refresh_at) rs_->refresh_at = anchor + kRefresh;
    return c;
}

// closed_ics and open_ics of [hours]: true when `e` is one of them (and taken).
bool Loader::hours_calendar(cr::Hours* h, const IniEntry& e) {
    const std::string key = lower(e.key);  // as the other keys of [hours]
    if (key != "closed_ics" && key != "open_ics") return false;
    if (e.value.find('\n') != std::string::npos) {
        error(e.line, "the value of '" + e.key + "' goes on over an indented line; give one file a key");
        return true;
    }
    if (auto c = calendar(e, std::string(trim(e.value)))) h->add_calendar(std::move(c), key == "open_ics");
    return true;
}

void Loader::rota(const Section& s) {
    auto r = std::make_unique<Rota>();
    r->name = s.name;
    r->line = s.line;
    bool have_ics = false, have_fallback = false;
    for (const Keyed& k : keyed(s, kRotaKeys, "[rota]")) {
        const IniEntry& e = *k.entry;
        if (k.id == kIcs) {
            have_ics = true;
            r->calendar = calendar(e, std::string(trim(e.value)));
            continue;
        }
        have_fallback = true;
        r->fallback_text = one_line(e.value);
        std::string err;
        if (!parse_action(r->fallback_text, rs_->settings.country_code, &r->fallback_steps, &err)) {
            error(e.line, "fallback: " + err);
            continue;
        }
        for (const Step& st : r->fallback_steps) {
            for (const std::string& n : st.numbers)
                if (n == "$to" || n.compare(0, 6, "@rota:") == 0) error(e.line, "fallback cannot dial " + n);
            if (st.kind == Step::Menu) error(e.line, "fallback cannot be a menu");
        }
    }
    if (!have_ics) error(s.line, "[rota " + s.name + "] has no 'ics' (the calendar of who is on call)");
    if (!have_fallback)
        error(s.line, "[rota " + s.name + "] has no 'fallback' (what answers when no event runs, as voicemail)");
    if (r->calendar) {
        int unnamed = 0, first = 0;
        for (const CalendarEvent& ev : r->calendar->events()) {
            std::string n;
            if (!number_in(ev.location, rs_->settings.country_code, &n))
                number_in(ev.summary, rs_->settings.country_code, &n);
            if (n.empty() && unnamed++ == 0) first = ev.line;
            r->numbers.push_back(std::move(n));
        }
        if (unnamed)
            warning(s.line, "[rota " + s.name + "]: " + std::to_string(unnamed) + " event(s) of " +
                                r->calendar->path() + " name no number in LOCATION or SUMMARY (the first at its line " +
                                std::to_string(first) + "): while one runs, the fallback answers");
    }
    rs_->rotas.push_back(std::move(r));
}

// `switch = NAME` or `switch = !NAME`: the rule holds while the switch is on (off).
void Loader::switch_condition(Rule* r, const IniEntry& e, std::string name) {
    r->sw_negated = take_not(&name);
    r->sw = rs_->find_switch(name);
    if (!r->sw) error(e.line, "unknown switch " + quote(name) + " (no [switch " + name + "])");
}

// The switches an action sets must be declared. False, reported, when one is not.
bool Loader::switch_acts(const std::vector<SwitchAct>& acts, int line) {
    bool ok = true;
    for (const SwitchAct& a : acts) {
        if (!rs_->find_switch(a.name)) {
            error(line, "unknown switch " + quote(a.name) + " (no [switch " + a.name + "])");
            ok = false;
        }
        if (a.until.kind == UntilSpec::Stamp && resolve_until(a.until, rs_->tz, 0) <= std::time(nullptr))
            warning(line, a.text + ": that time has passed: the switch goes back to its default at once");
    }
    return ok;
}

// Where the switches' states live: `state = FILE`, else `switches` beside the journal.
// Rules that declare a switch need one of them; the folder must be writable for an
// action or --switch to set it (a warning for a process that answers calls).
void Loader::switch_state() {
    std::string& st = rs_->settings.switch_state;
    if (rs_->switches.empty()) {
        if (state_line_) warning(state_line_, "state names a file, but there is no [switch NAME]");
        st.clear();
        return;
    }
    if (st.empty()) {
        const std::string& j = rs_->settings.journal;
        if (j.empty()) {
            error(rs_->switches.front()->line,
                  "[switch " + rs_->switches.front()->name +
                      "] needs a file for the switches' states: state = FILE in [settings] (or a journal, beside "
                      "which the file switches lies)");
            return;
        }
        const std::size_t slash = j.rfind('/');
        st = slash == std::string::npos ? "switches" : j.substr(0, slash + 1) + "switches";
    }
    const std::string dir = folder_of(st);
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        warning(state_line_ ? state_line_ : rs_->switches.front()->line,
                "switches " + st + ": cannot write in " + dir + " (" + std::strerror(errno) +
                    "); the switches are read, but a call cannot set one",
                true);
}

}  // namespace cr::loader
