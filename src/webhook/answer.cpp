#include "webhook/answer.h"

#include <algorithm>
#include <array>
#include <iterator>

#include "base/log.h"
#include "base/text.h"
#include "journal/journal.h"
#include "rules/decide.h"
#include "rules/xml.h"
#include "signature/signature.h"
#include "webhook/form.h"
#include "webhook/switching.h"

namespace cr {

namespace {

const char* const kEvents[] = {"newCall", "answer", "hangup", "dtmf"};

// The fields sipgate.io sends (SPEC section 2). `single`: sent once, so that a second
// copy is ambiguous; `routing`: a newCall's routing needs it, so that only these can
// make a request a 400 (SPEC section 4; a second event is a 400 whatever it is).
struct FieldSpec {
    const char* name;
    bool routing;
    bool single;
};

constexpr FieldSpec kFields[] = {
    {"event", true, true},      {"from", true, true},           {"to", true, true},
    {"direction", true, true},  {"callId", false, true},        {"origCallId", false, true},
    {"xcid", false, true},      {"diversion", false, true},     {"user", false, true},
    {"userId", false, true},    {"fullUserId", false, true},    {"answeringNumber", false, true},
    {"cause", false, true},     {"dtmf", false, true},          {"user[]", false, false},
    {"userId[]", false, false}, {"fullUserId[]", false, false},
};
constexpr std::size_t kFieldCount = std::size(kFields);

// The fields of one request, by name: the value of each single field (null when absent
// or ignored) and every value of a repeated one.
class Form {
public:
    // Takes a decoded field; a second copy of a single field is noted in twice().
    void take(const std::string& name, const std::string& value) {
        std::size_t i = index(name);
        if (i == kFieldCount) return;  // unknown fields are ignored
        if (!kFields[i].single) {
            many_[i].push_back(&value);
            return;
        }
        if (one_[i]) twice_[i] = true;
        one_[i] = &value;
    }
    const std::string* field(const char* name) const { return one_[index(name)]; }
    // The field's value, empty when it is absent (or was ignored).
    std::string value(const char* name) const {
        const std::string* v = field(name);
        return v ? *v : std::string();
    }
    const std::vector<const std::string*>& all(const char* name) const { return many_[index(name)]; }
    bool twice(const char* name) const { return twice_[index(name)]; }
    void drop(const char* name) { one_[index(name)] = nullptr; }

private:
    static std::size_t index(std::string_view name) {
        std::size_t i = 0;
        while (i < kFieldCount && name != kFields[i].name) ++i;
        return i;
    }
    // One more than the fields: an unknown name's slot, always empty.
    std::array<const std::string*, kFieldCount + 1> one_{};
    std::array<bool, kFieldCount + 1> twice_{};
    std::array<std::vector<const std::string*>, kFieldCount + 1> many_;
};

// Treats the optional field `name` as absent, names it for the log line, and says why
// in the trace.
void ignore(CallRecord* r, Form* form, const char* name, const std::string& why, std::vector<std::string>* trace) {
    form->drop(name);
    if (!r->ignored.empty()) r->ignored += ',';
    r->ignored += name;
    if (trace) trace->push_back(std::string("field '") + name + "' ignored: " + why);
}

// Checks the body's length against what check_head said. Returns the body to decode,
// or false with *bad set (400, 413).
bool check_length(std::string_view body, const BodyPlan& plan, std::string_view* out, Outcome* bad) {
    if (plan.to_end) {
        if (body.size() > plan.length) {
            *bad = error_outcome(413, "body too large: more than max_body (" + std::to_string(plan.length) + " bytes)");
            return false;
        }
        *out = body;
    } else if (body.size() < plan.length) {
        *bad = error_outcome(400, "body shorter than Content-Length: got " + std::to_string(body.size()) + " of " +
                                      std::to_string(plan.length) + " bytes");
        return false;
    } else {
        *out = body.substr(0, plan.length);
    }
    return true;
}

// Decodes the body into *form. A second event, or a second from, to or direction of a
// newCall (what routing needs), is a 400 (*bad, with `so_far`); a second copy of any
// other field, ambiguous, is treated as absent and named in so_far->ignored.
bool read_form(std::string_view body, Fields* fields, Form* form, CallRecord* so_far, Outcome* bad,
               std::vector<std::string>* trace) {
    std::string err;
    if (!decode_form(body, fields, &err)) {
        *bad = error_outcome(400, "malformed body: " + err, *so_far);
        return false;
    }
    for (const auto& [name, value] : *fields) form->take(name, value);
    const std::string* event = form->field("event");
    const bool routed = !form->twice("event") && (!event || *event == "newCall");
    for (const FieldSpec& f : kFields) {
        if (!form->twice(f.name)) continue;
        if (f.name == std::string_view("event") || (f.routing && routed)) {
            *bad = error_outcome(400, std::string("field '") + f.name + "' given more than once", *so_far);
            return false;
        }
    }
    for (const FieldSpec& f : kFields)
        if (form->twice(f.name)) ignore(so_far, form, f.name, "given more than once", trace);
    return true;
}

// Notes in the trace whether the onData URLs of an answer are bound to the call.
void trace_tokens(const RuleSet& rules, const Answer& a, const Number* to, const std::string& call_id,
                  std::vector<std::string>* trace) {
    if (!trace) return;
    for (const Hole& h : a.holes) {
        if (h.kind != Hole::Token) continue;
        const std::string what = token_what(h, to);
        trace->push_back(rules.settings.secret
                             ? "token: the onData URL (" + what + ") carries t=, bound to callId '" + call_id + "'"
                             : "token: none (no secret in [settings]): the onData URL (" + what +
                                   ") works for any call");
    }
}

// A newCall: checks its direction and numbers (a 400 names the first that is wrong),
// tells a later leg of a call from its first (rules/model.h, Leg), then the first rule
// that matches decides. `o` holds the request's fields for the log.
Outcome route(const RuleSet& rules, Form& form, std::int64_t now, const SwitchStates* switches,
              const SwitchWriter* writer, std::vector<std::string>* trace, Outcome o) {
    CallRecord& r = o.call;
    auto fail = [&](std::string msg) { return error_outcome(400, std::move(msg), r); };
    Call call;
    call.now = now;
    call.switches = switches;
    std::string err;
    if (!form.field("direction")) return fail("missing field 'direction'");
    if (r.direction != "in" && r.direction != "out") return fail("bad direction: expected 'in' or 'out'");
    call.direction = r.direction == "in" ? Direction::In : Direction::Out;
    const std::string& cc = rules.settings.country_code;
    if (!form.field("from")) return fail("missing field 'from'");
    if (!parse_number(r.from, cc, true, &call.from, &err)) return fail("bad from: " + err);
    if (!form.field("to")) return fail("missing field 'to'");
    if (!parse_number(r.to, cc, false, &call.to, &err)) return fail("bad to: " + err);
    if (const std::string* d = form.field("diversion"); d && !d->empty()) {
        if (parse_number(*d, cc, false, &call.diversion, &err))
            call.has_diversion = true;
        else
            ignore(&r, &form, "diversion", log_text(*d) + ": " + err, trace);
    }
    for (const std::string* u : form.all("user[]")) call.users.push_back(lower(*u));
    call.orig_call_id = form.value("origCallId");
    call.leg = leg_of(r.call_id, call.orig_call_id, call.users);
    if (call.leg != Leg::First) {
        r.leg = leg_name(call.leg);
        if (trace)
            trace->push_back(std::string("leg: ") + r.leg + ", origCallId '" + call.orig_call_id + "' is not callId '" +
                             r.call_id + "'" + (call.leg == Leg::Voicemail ? " and user[] holds voicemail" : ""));
    }
    r.from = call.from.text;
    r.to = call.to.text;
    r.rule = "none";
    r.action = "none";
    o.http.body = rules.no_rule_xml;
    const Rule* rule = decide(rules, call, trace);
    if (!rule) {
        if (call.leg != Leg::First)
            r.detail = std::string("no rule for this ") + r.leg + " leg of " + call.orig_call_id +
                       ": the account's own forward or voicemail goes on";
        return o;
    }
    r.rule = rule->name;
    std::string xml, number;
    const Answer& a = rota_answer(rules, rule->answer, now, &number, trace);
    if (&a != &rule->answer) r.rota = "fallback";
    if (!number.empty()) r.rota = number;
    if (!render(a, &call.to, r.call_id, rules.settings.secret.get(), &xml, &number)) {
        r.detail = "dial $to: 'to' is " + call.to.text + ", not a number to dial";
        if (trace) trace->push_back(r.detail + "; answered with <Response/>");
        return o;
    }
    trace_tokens(rules, a, &call.to, r.call_id, trace);
    o.http.body = std::move(xml);
    r.action = rule->action_text;
    take_switches(rules, rule->switches, now, writer, &o, trace);
    return o;
}

// What a dtmf push's URL says it continues: menu=NAME (try=K) or then=ID, and its token.
struct Continued {
    std::string what;  // as the token covers it: "menu=main", "menu=main&try=2", "then=rule.closed"
    std::string to;    // the called number, in the URL of an announcement before dial $to
    std::string token;
    bool has_token = false;
};

// Reads the query string of a dtmf push into *r (menu, try, then) and *c. A query that
// does not decode names nothing.
Continued read_query(const std::string& query, CallRecord* r) {
    Continued c;
    Fields q;
    std::string err;
    if (!decode_form(query, &q, &err)) q.clear();
    for (const auto& [k, v] : q) {
        if (k == "menu") r->menu = v;
        if (k == "try") r->menu_try = v;
        if (k == "then") r->then = v;
        if (k == "to") c.to = v;
        if (k == "t") {
            c.token = v;
            c.has_token = true;
        }
    }
    if (!r->then.empty()) {
        c.what = "then=" + r->then + (c.to.empty() ? "" : "&to=" + c.to);
        r->menu.clear();  // not covered by the token: an announcement's URL names no menu
        r->menu_try.clear();
    } else if (!r->menu.empty())
        c.what = "menu=" + r->menu + (r->menu_try.empty() ? "" : "&try=" + r->menu_try);
    return c;
}

// The token check of a dtmf push (callrouter(8), TOKENS): with a secret, a URL that
// continues a menu or an announcement must carry the token for this call and what it
// continues. Returns false with *bad (403).
bool check_token(const RuleSet& rules, const Continued& c, CallRecord* r, Outcome* bad,
                 std::vector<std::string>* trace) {
    const Secret* secret = rules.settings.secret.get();
    if (!secret || c.what.empty()) return true;
    if (!c.has_token || c.token.empty()) {
        r->token = "missing";
        *bad = error_outcome(
            403, "forbidden: no token (t=) in the URL of " + log_text(c.what) + ", and a secret binds it to its call",
            *r);
        return false;
    }
    if (r->call_id.empty()) {  // a token for no call would fit every push that names none
        r->token = "bad";
        *bad = error_outcome(
            403, "forbidden: the push names no callId, and a secret binds " + log_text(c.what) + " to its call", *r);
        return false;
    }
    if (!secret->matches(r->call_id, c.what, c.token)) {
        r->token = "bad";
        *bad = error_outcome(403,
                             "forbidden: the token does not fit callId '" + log_text(r->call_id) + "' and " +
                                 log_text(c.what) + " (a push of another call or account replayed, or a URL made up)",
                             *r);
        return false;
    }
    r->token = "ok";
    if (trace) trace->push_back("token: ok, for callId '" + r->call_id + "' and " + c.what);
    return true;
}

// Renders `a` for the call of *o as its answer, with `action` for the log; `to` for
// dial $to (null: none, and an answer that dials $to is not given).
void answer_with(const RuleSet& rules, const Answer& given, const std::string& action, std::int64_t now,
                 std::vector<std::string>* trace, Outcome* o, const Number* to = nullptr) {
    std::string xml, number;
    const Answer& a = rota_answer(rules, given, now, &number, trace);
    if (&a != &given) o->call.rota = "fallback";
    if (!number.empty()) o->call.rota = number;
    if (!render(a, to, o->call.call_id, rules.settings.secret.get(), &xml, &number)) {
        o->call.detail += "; dial $to: the URL names no number to dial";
        if (trace) trace->push_back("dial $to: the URL names no number to dial (to=): answered with <Response/>");
        return;
    }
    trace_tokens(rules, a, to, o->call.call_id, trace);
    o->http.body = std::move(xml);
    o->call.action = action;
}

// The try of a menu's keys (try=K, 1 when absent), at most the menu's tries: a try
// past them (the menu was changed meanwhile) or not a number is its last.
int menu_try(const Menu& m, const std::string& text) {
    if (text.empty()) return 1;
    int k = 0;
    for (char c : text) {
        if (c < '0' || c > '9' || text.size() > 2) return m.tries;
        k = k * 10 + (c - '0');
    }
    return k < 1 ? m.tries : std::min(k, m.tries);
}

// The keys of a menu (event=dtmf, with menu=NAME in the query string, as the menu's
// <Gather onData> asked), or the end of an announcement (then=ID): the menu's choice
// for the keys, or the action that follows. With a secret, the URL's token is checked
// first (403). Anything it cannot follow (no menu named, a menu the rules no longer
// have, keys the menu says nothing for) is answered with no action, so that the call
// goes on as the account is set up.
Outcome dtmf_answer(const RuleSet& rules, const std::string& query, const Form& form, std::int64_t now,
                    const SwitchWriter* writer, std::vector<std::string>* trace, Outcome o) {
    CallRecord& r = o.call;
    const std::string* typed = form.field("dtmf");
    r.dtmf = typed ? *typed : std::string();
    o.http.body = rules.no_rule_xml;
    r.action = "none";
    Continued c = read_query(query, &r);
    if (!check_token(rules, c, &r, &o, trace)) return o;
    if (!r.then.empty()) {
        r.detail = "then=" + r.then + " dtmf=" + r.dtmf;
        const FollowUp* f = rules.find_follow_up(r.then);
        if (!f) {
            r.detail += "; nothing follows it (any more)";
            if (trace) trace->push_back("event dtmf: " + r.detail + ": answered with <Response/>");
            return o;
        }
        if (trace)
            trace->push_back("announcement done (then=" + r.then + ", line " + std::to_string(f->line) + ")" +
                             (r.dtmf.empty() ? "" : ", keys '" + r.dtmf + "' not read") + " -> " + f->action_text);
        // The number of an announcement before dial $to, from its URL: digits only (the
        // token covers it when there is a secret).
        Number to{NumberKind::Digits, c.to};
        const bool digits =
            !c.to.empty() && c.to.size() <= 20 && c.to.find_first_not_of("0123456789") == std::string::npos;
        answer_with(rules, f->answer, f->action_text, now, trace, &o, digits ? &to : nullptr);
        return o;
    }
    r.detail = (r.menu.empty() ? std::string() : "menu=" + r.menu + " ") + "dtmf=" + r.dtmf;
    const Menu* m = r.menu.empty() ? nullptr : rules.find_menu(r.menu);
    if (!m) {
        r.detail += r.menu.empty() ? "; no menu=NAME in the query string" : "; no such menu (any more)";
        if (trace) trace->push_back("event dtmf: " + r.detail + ": answered with <Response/>");
        return o;
    }
    const int k = menu_try(*m, r.menu_try);
    const std::string of = "try " + std::to_string(k) + " of " + std::to_string(m->tries);
    const MenuChoice* ch = m->choose(r.dtmf);
    const bool listed = ch && ch != m->none.get() && ch != m->other.get();
    if (!r.dtmf.empty() && !listed && k < m->tries) {
        r.choice = "invalid";
        r.detail += " choice=invalid " + of;
        const std::string next =
            "menu " + m->name + " (try " + std::to_string(k + 1) + " of " + std::to_string(m->tries) + ")";
        const bool sound = !m->invalid.empty();
        if (trace)
            trace->push_back("menu " + m->name + " (line " + std::to_string(m->line) + "): keys '" + r.dtmf +
                             "' not listed, " + of + " -> " + (sound ? "play " + m->invalid + " then " : "") + next);
        answer_with(rules, sound ? m->invalids[static_cast<std::size_t>(k - 1)] : m->asks[static_cast<std::size_t>(k)],
                    (sound ? "play " + m->invalid + " then " : std::string()) + next, now, trace, &o);
        return o;
    }
    r.choice = !ch ? "" : ch == m->none.get() ? "none" : ch == m->other.get() ? "other" : ch->keys;
    if (m->tries > 1) r.detail += " " + of;
    if (!ch) {
        r.detail += r.dtmf.empty() ? "; the menu has no 'none'" : "; the menu has no 'other'";
        if (trace) trace->push_back("event dtmf: " + r.detail + ": answered with <Response/>");
        return o;
    }
    r.detail += " choice=" + r.choice;
    if (trace)
        trace->push_back("menu " + m->name + " (line " + std::to_string(m->line) + "): keys '" + r.dtmf + "' -> " +
                         r.choice + " (line " + std::to_string(ch->line) + ") -> " + ch->action_text);
    answer_with(rules, ch->answer, ch->action_text, now, trace, &o);
    take_switches(rules, ch->switches, now, writer, &o, trace);
    return o;
}

// An answer or hangup event: taken note of, answered with <Response/>.
void note_event(const RuleSet& rules, Form& form, std::vector<std::string>* trace, Outcome* o) {
    CallRecord& r = o->call;
    if (r.event == "hangup") r.detail = "cause=" + form.value("cause");
    if (r.event == "answer") r.detail = "user=" + form.value("user");
    if (const std::string* a = form.field("answeringNumber"); a && !a->empty()) {
        Number n;
        std::string err;
        if (parse_number(*a, rules.settings.country_code, false, &n, &err)) {
            r.detail += " answeringNumber=" + n.text;
            r.answering = n.text;
        } else {
            ignore(&r, &form, "answeringNumber", log_text(*a) + ": " + err, trace);
        }
    }
    o->http.body = empty_response_xml();
    r.action = "none";
    if (trace) trace->push_back("event " + r.event + ": answered with <Response/>");
}

// The journal's record of an event answered 200.
JournalEvent journal_event(const CallRecord& r, const Form& form, std::int64_t now) {
    JournalEvent e;
    e.time = now;
    auto add = [&](const char* k, const std::string& v) {
        if (!v.empty()) e.fields.emplace_back(k, v);
    };
    auto add_all = [&](const char* k, const char* field) {
        std::vector<std::string> values;
        for (const std::string* v : form.all(field)) values.push_back(*v);
        if (!values.empty()) e.arrays.emplace_back(k, std::move(values));
    };
    add("event", r.event);
    add("callId", r.call_id);
    if (r.event == "newCall") {
        add("origCallId", form.value("origCallId"));
        add("xcid", form.value("xcid"));
        add("leg", r.leg);
        add("direction", r.direction);
        add("from", r.from);
        add("to", r.to);
        add("diversion", form.value("diversion"));
        add("rule", r.rule);
        add("action", r.action);
        add("switch", r.switched);
        add("rota", r.rota);
        add_all("users", "user[]");
        add_all("userIds", "userId[]");
        add_all("fullUserIds", "fullUserId[]");
    } else if (r.event == "dtmf") {
        add("menu", r.menu);
        add("try", r.menu_try);
        add("then", r.then);
        e.fields.emplace_back("dtmf", r.dtmf);
        add("choice", r.choice);
        add("action", r.action);
        add("switch", r.switched);
        add("rota", r.rota);
    } else if (r.event == "answer") {
        add("user", form.value("user"));
        add("userId", form.value("userId"));
        add("fullUserId", form.value("fullUserId"));
        add("answeringNumber", r.answering);
    } else if (r.event == "hangup") {
        add("cause", form.value("cause"));
        add("answeringNumber", r.answering);
    }
    return e;
}

// A push that came to another path than public_url's: said once a process, since the
// follow-ups of its calls go to public_url.
void check_path(const RuleSet& rules, const BodyPlan& plan, Outcome* o, std::vector<std::string>* trace) {
    const std::string& want = rules.settings.public_path;
    if (want.empty() || plan.path.empty() || plan.path == want) return;
    o->notice = "a push came to " + log_text(plan.path) + ", but public_url's path is " + log_text(want) +
                ": sipgate.io sends the keys, answer and hangup events of its calls to public_url";
    if (trace) trace->push_back("path: " + o->notice);
}

}  // namespace

Outcome answer(const RuleSet& rules, std::string_view body, const BodyPlan& plan, std::int64_t now,
               std::vector<std::string>* trace, const SwitchStates* switches, const SwitchWriter* writer) {
    Fields fields;
    Form form;
    Outcome o;
    std::string_view form_body;
    if (!check_length(body, plan, &form_body, &o)) return o;
    CallRecord so_far;
    if (plan.check_signature) {
        std::string why;
        if (!check_signature(*rules.settings.signature_key, &plan.signature, form_body, &why)) {
            so_far.signature = "bad";
            return error_outcome(403, "forbidden: " + why, so_far);
        }
        so_far.signature = "ok";
        if (trace) trace->push_back("signature: verified with " + rules.settings.signature_key_name);
    }
    if (!read_form(form_body, &fields, &form, &so_far, &o, trace)) return o;
    CallRecord& r = so_far;
    r.event = form.field("event") ? form.value("event") : "newCall";
    r.call_id = form.value("callId");
    r.direction = form.value("direction");
    r.from = form.value("from");
    r.to = form.value("to");
    bool known_event = false;
    for (const char* e : kEvents) known_event = known_event || r.event == e;
    if (!known_event) {
        CallRecord bad;  // the log line names only the event (and the signature)
        bad.event = r.event;
        bad.signature = r.signature;
        return error_outcome(400, "unknown event: expected newCall, answer, hangup or dtmf", bad);
    }
    o.call = std::move(so_far);
    o.http.status = 200;
    o.http.content_type = kXmlType;
    if (o.call.event == "newCall")
        o = route(rules, form, now, switches, writer, trace, std::move(o));
    else if (o.call.event == "dtmf")
        o = dtmf_answer(rules, plan.query, form, now, writer, trace, std::move(o));
    else
        note_event(rules, form, trace, &o);
    if (o.http.status == 200 && !rules.settings.journal.empty())
        o.journal = journal_line(journal_event(o.call, form, now));
    check_path(rules, plan, &o, trace);
    return o;
}

Outcome handle(const RuleSet& rules, const HttpHead& head, std::string_view body, std::int64_t now,
               std::vector<std::string>* trace, const SwitchStates* switches, const SwitchWriter* writer) {
    BodyPlan plan;
    Outcome o;
    if (!check_head(rules, head, &plan, &o)) return o;
    return answer(rules, body, plan, now, trace, switches, writer);
}

}  // namespace cr
