#include "rules/decide.h"

#include "base/civil.h"

namespace cr {

namespace {

const char* dir_name(Direction d) { return d == Direction::In ? "in" : "out"; }

// Whether rule `r` is for the call's leg; on a miss, and with `why`, says why not.
bool leg_holds(const Rule& r, const Call& call, std::string* why) {
    bool ok = r.leg == Leg::Any || r.leg == call.leg || (r.leg == Leg::Later && call.leg == Leg::Voicemail);
    if (!ok && why) {
        if (!r.has_leg)
            *why = std::string("a ") + leg_name(call.leg) + " leg (origCallId " + call.orig_call_id +
                   "), and the rule names no leg (it is for first legs)";
        else
            *why = std::string("a ") + leg_name(call.leg) + " leg, not " + leg_name(r.leg);
    }
    return ok;
}

// Whether `m` holds for `n`; on a miss, and with `why`, says so.
bool number_holds(const char* field, const NumberMatch* m, const Number& n, std::string* why) {
    if (!m || m->matches(n)) return true;
    if (why) *why = std::string(field) + " " + n.text + " is not in '" + m->text + "'";
    return false;
}

}  // namespace

const Rule* decide(const RuleSet& rules, const Call& call, std::vector<std::string>* trace) {
    LocalTime local{};
    bool have_local = false;
    std::string why, when_why;
    std::string* w = trace ? &why : nullptr;
    for (const Rule& r : rules.rules) {
        bool ok = true;
        if (r.has_direction && r.direction != call.direction) {
            ok = false;
            if (w) *w = std::string("direction is ") + dir_name(call.direction) + ", not " + dir_name(r.direction);
        }
        ok = ok && leg_holds(r, call, w);
        ok = ok && number_holds("from", r.from.get(), call.from, w);
        ok = ok && number_holds("to", r.to.get(), call.to, w);
        if (ok && r.diversion) {
            if (!call.has_diversion) {
                ok = false;
                if (w) *w = "no diversion in the request";
            } else {
                ok = number_holds("diversion", r.diversion.get(), call.diversion, w);
            }
        }
        if (ok && r.user && !r.user->matches(call.users)) {
            ok = false;
            if (w) {
                std::string names;
                for (const std::string& u : call.users) names += (names.empty() ? "" : ", ") + u;
                *w = "user[] (" + (names.empty() ? std::string("none") : names) + ") names nobody of '" + r.user->text +
                     "'";
            }
        }
        if (ok && r.when) {
            if (!have_local) {
                local = rules.tz.to_local(call.now);
                have_local = true;
            }
            bool open = r.when->open_at(local, trace ? &when_why : nullptr);
            if (trace) when_why = r.when_negated ? "when !" + r.when->name() + ": " + when_why : "when " + when_why;
            if (open == r.when_negated) {
                ok = false;
                if (w) *w = when_why;
            }
        }
        if (ok && r.sw) {
            if (switch_is_on(*r.sw, call.switches, call.now) == r.sw_negated) {
                ok = false;
                if (w)
                    *w = (r.sw_negated ? "switch !" : "switch ") + r.sw->name + ": " +
                         switch_text(rules, *r.sw, call.switches, call.now);
            } else if (trace) {
                when_why = switch_text(rules, *r.sw, call.switches, call.now) + (r.when ? "; " + when_why : "");
            }
        }
        if (trace) {
            std::string head = "rule " + r.name + " (line " + std::to_string(r.line) + "): ";
            if (ok)
                trace->push_back(head + "match -> " + r.action_text + (r.when || r.sw ? "; " + when_why : ""));
            else
                trace->push_back(head + "no match: " + why);
        }
        if (ok) return &r;
    }
    if (trace) {
        if (call.leg != Leg::First)
            trace->push_back(std::string("no rule matched this ") + leg_name(call.leg) + " leg of " +
                             call.orig_call_id +
                             ": <Response/>, so that the account's own forward or voicemail goes on");
        else
            trace->push_back("no rule matched: <Response/>, the account's own settings apply");
    }
    return nullptr;
}

Leg leg_of(const std::string& call_id, const std::string& orig_call_id, const std::vector<std::string>& users) {
    if (orig_call_id.empty() || orig_call_id == call_id) return Leg::First;
    for (const std::string& u : users)
        if (u == "voicemail") return Leg::Voicemail;
    return Leg::Later;
}

const char* leg_name(Leg leg) {
    switch (leg) {
    case Leg::First: return "first";
    case Leg::Later: return "later";
    case Leg::Voicemail: return "voicemail";
    case Leg::Any: return "any";
    }
    return "first";
}

std::string token_what(const Hole& h, const Number* to) {
    std::size_t at = h.what.find(kToPlace);
    if (at == std::string::npos || !to) return h.what;
    return h.what.substr(0, at) + to->text + h.what.substr(at + std::char_traits<char>::length(kToPlace));
}

bool render(const Answer& answer, const Number* to, const std::string& call_id, const Secret* secret, std::string* xml,
            const std::string* rota) {
    if (answer.holes.empty()) {
        *xml = answer.parts[0];
        return true;
    }
    if (answer.needs_to() && (!to || to->kind != NumberKind::Digits)) return false;
    std::string out = answer.parts[0];
    for (std::size_t i = 0; i < answer.holes.size(); ++i) {
        const Hole& h = answer.holes[i];
        if (h.kind == Hole::To) {
            out += to->text;
        } else if (h.kind == Hole::Rota) {
            if (!rota) return false;
            out += *rota;
        } else if (secret) {
            out += "&amp;t=";  // in an attribute: the URL's '&' is written &amp;
            out += secret->token(call_id, token_what(h, to));
        }
        out += answer.parts[i + 1];
    }
    *xml = std::move(out);
    return true;
}

std::string local_minute(const RuleSet& rules, std::int64_t utc) {
    const LocalTime t = rules.tz.to_local(utc);
    return date_text(days_from_civil(t.year, t.month, t.day)) + " " + clock_text(t.hour * 60 + t.minute);
}

bool switch_is_on(const Switch& sw, const SwitchStates* states, std::int64_t t) {
    return switch_on(states ? states->find(sw.name) : nullptr, sw.default_on, t);
}

std::string switch_text(const RuleSet& rules, const Switch& sw, const SwitchStates* states, std::int64_t now) {
    const SwitchEntry* e = states ? states->find(sw.name) : nullptr;
    const bool on = switch_on(e, sw.default_on, now);
    std::string out = "switch " + sw.name + " is " + (on ? "on" : "off");
    if (!e || now < e->at || (e->until && now >= e->until)) {
        out += " (its default";
        if (e && e->until && now >= e->until)
            out += "; set " + std::string(e->on ? "on" : "off") + " until " + local_minute(rules, e->until);
        return out + ")";
    }
    out += " (set " + local_minute(rules, e->at) + (e->by.empty() ? "" : " by " + e->by);
    out += e->until ? ", until " + local_minute(rules, e->until) + ")" : ", until switched again)";
    return out;
}

const Answer& rota_answer(const RuleSet& rules, const Answer& a, std::int64_t now, std::string* number,
                          std::vector<std::string>* trace) {
    const Hole* h = nullptr;
    for (const Hole& x : a.holes)
        if (x.kind == Hole::Rota) h = &x;
    if (!h) return a;
    const Rota* r = rules.find_rota(h->what);
    if (!r) return a;  // the loader links every rota; render gives no answer without one
    const CalendarEvent* ev = r->calendar ? r->calendar->at(wall_seconds(rules.tz.to_local(now))) : nullptr;
    if (ev) {
        const std::size_t i = static_cast<std::size_t>(ev - r->calendar->events().data());
        if (i < r->numbers.size() && !r->numbers[i].empty()) {
            *number = r->numbers[i];
            if (trace)
                trace->push_back("rota " + r->name + ": event \"" + ev->summary + "\" (" + r->calendar->path() +
                                 " line " + std::to_string(ev->line) + ") -> " + *number);
            return a;
        }
        if (trace)
            trace->push_back("rota " + r->name + ": event \"" + ev->summary + "\" (" + r->calendar->path() + " line " +
                             std::to_string(ev->line) + ") names no number -> fallback " + r->fallback_text);
        return a.fallback ? *a.fallback : a;
    }
    if (trace) trace->push_back("rota " + r->name + ": no event runs now -> fallback " + r->fallback_text);
    return a.fallback ? *a.fallback : a;
}

}  // namespace cr
