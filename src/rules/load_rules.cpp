// [hours NAME] and [rule NAME]: the conditions of a rule and its action
// (callrouter.ini(5), [hours NAME] and [rule NAME]).
#include <algorithm>

#include "base/text.h"
#include "rules/loader.h"

namespace cr::loader {

namespace {

const KeySpec kRule[] = {{"direction", false, kDirection},
                         {"leg", false, kLeg},
                         {"from", true, kFrom},
                         {"to", true, kTo},
                         {"diversion", true, kDiversion},
                         {"user", true, kUser},
                         {"when", false, kWhen},
                         {"action", true, kAction},
                         {"caller_id", false, kCallerId},
                         {"anonymous", false, kAnonymous},
                         {"switch", false, kSwitch}};

}  // namespace

const KeyTable kRuleKeys = key_table(kRule);

// The keys of [hours] are the schedule's own (Hours::add checks them).
void Loader::hours(const Section& s) {
    auto h = std::make_unique<Hours>(s.name);
    const std::size_t before = problems_->list.size();
    for (const IniEntry& e : *s.entries) {
        std::string v = e.value;
        for (std::size_t i = 0; (i = v.find('\n', i)) != std::string::npos;) v.replace(i, 1, ", ");
        std::string err;
        if (hours_calendar(h.get(), e)) continue;
        if (!h->add(e.key, v, e.line, &err)) error(e.line, err);
    }
    // A section whose keys were all refused is not empty to its writer: their own
    // errors say what is wrong.
    std::string err;
    if (!h->finish(&err) && problems_->list.size() == before) error(s.line, err);
    rs_->hours.push_back(std::move(h));
}

void Loader::rule(const Section& s) {
    const std::vector<Keyed> keys = keyed(s, kRuleKeys, "[rule]");
    Rule r;
    r.name = s.name;
    r.line = s.line;
    RuleKeys at;
    std::size_t before = problems_->list.size();
    for (const Keyed& k : keys) rule_key(&r, k, &at);
    if (!at.action_line) {
        error(s.line, "[rule " + s.name + "] has no 'action'");
        at.ok = false;
    }
    if (at.ok && at.dial_attr_line) {
        bool dials = std::any_of(r.steps.begin(), r.steps.end(),
                                 [](const Step& st) { return st.kind == Step::Dial || st.kind == Step::Voicemail; });
        if (!dials) error(at.dial_attr_line, "caller_id and anonymous apply only to 'dial' and 'voicemail'");
    }
    if (problems_->list.size() != before) return;
    rs_->rules.push_back(std::move(r));
}

void Loader::rule_key(Rule* r, const Keyed& k, RuleKeys* at) {
    const IniEntry& e = *k.entry;
    std::string v(trim(e.value)), err;
    switch (k.id) {
    case kDirection:
        if (v == "in" || v == "out") {
            r->has_direction = true;
            r->direction = v == "in" ? Direction::In : Direction::Out;
        } else {
            error(e.line, "direction must be 'in' or 'out', not " + quote(v));
        }
        break;
    case kLeg: leg(r, e, v); break;
    case kFrom: r->from = number_match(e); break;
    case kTo: r->to = number_match(e); break;
    case kDiversion: r->diversion = number_match(e); break;
    case kUser: r->user = user_match(e); break;
    case kWhen: when(&r->when, &r->when_negated, e, v); break;
    case kAction: action(r, e, at); break;
    case kSwitch: switch_condition(r, e, v); break;
    case kCallerId:
        if (!normalise_digits(v, rs_->settings.country_code, &r->caller_id, &err))
            error(e.line, "caller_id: " + quote(v) + ": " + err);
        at->dial_attr_line = e.line;
        break;
    case kAnonymous:
        if (v == "true" || v == "false")
            r->anonymous = v == "true";
        else
            error(e.line, "anonymous must be 'true' or 'false', not " + quote(v));
        at->dial_attr_line = e.line;
        break;
    }
}

std::unique_ptr<NumberMatch> Loader::number_match(const IniEntry& e) {
    auto m = std::make_unique<NumberMatch>();
    m->text = std::string(trim(e.value));
    std::replace(m->text.begin(), m->text.end(), '\n', ' ');
    std::string flat = e.value;
    std::replace(flat.begin(), flat.end(), '\n', ',');
    std::vector<std::string> pats = split_patterns(flat);
    if (pats.empty()) error(e.line, e.key + " is empty (leave the key out to match every call)");
    for (const std::string& pat : pats) {
        if (pat[0] == '@') {
            const List* l = rs_->find_list(pat.substr(1));
            if (!l)
                error(e.line, "unknown list " + quote(pat.substr(1)) + " (no [list " + pat.substr(1) + "])");
            else if (l->set.empty() && !l->users.empty())
                error(e.line,
                      "list " + quote(l->name) + " names users, not numbers: use it with 'user = @" + l->name + "'");
            else
                m->lists.push_back(l);
            continue;
        }
        std::string err;
        if (!m->own.add(pat, rs_->settings.country_code, &err)) {
            // "from = spam" meant the list: a list is named with its @.
            if (rs_->find_list(pat)) err += " (the list " + pat + " is written @" + pat + ")";
            error(e.line, "bad number pattern " + quote(pat) + ": " + err);
        }
    }
    m->own.seal();
    return m;
}

std::unique_ptr<UserMatch> Loader::user_match(const IniEntry& e) {
    auto m = std::make_unique<UserMatch>();
    m->text = one_line(e.value);
    if (!user_names(e, &m->own, &m->lists)) return nullptr;
    return m;
}

void Loader::leg(Rule* r, const IniEntry& e, const std::string& v) {
    static const std::pair<const char*, Leg> legs[] = {
        {"first", Leg::First}, {"later", Leg::Later}, {"voicemail", Leg::Voicemail}, {"any", Leg::Any}};
    for (const auto& [name, l] : legs)
        if (v == name) {
            r->leg = l;
            r->has_leg = true;
            return;
        }
    error(e.line, "leg must be first, later, voicemail or any, not " + quote(v));
}

bool take_not(std::string* name) {
    if (name->empty() || (*name)[0] != '!') return false;
    *name = std::string(trim(name->substr(1)));
    return true;
}

// `when = NAME` or `when = !NAME` (of a rule or a [notify]): the [hours NAME] into *hours.
void Loader::when(const Hours** hours, bool* negated, const IniEntry& e, std::string name) {
    *negated = take_not(&name);
    *hours = rs_->find_hours(name);
    if (!*hours) error(e.line, "unknown hours " + quote(name) + " (no [hours " + name + "])");
}

void Loader::action(Rule* r, const IniEntry& e, RuleKeys* at) {
    at->action_line = e.line;
    r->action_text = one_line(e.value);
    std::string err;
    if (!parse_action(r->action_text, rs_->settings.country_code, &r->steps, &err, &r->switches)) {
        error(e.line, err);
        at->ok = false;
        return;
    }
    if (!switch_acts(r->switches, e.line)) at->ok = false;
    after_play(r->steps, e.line, false);
    if (!link_menu(&r->steps, e.line)) at->ok = false;
}

// Notes the first action that writes an onData URL (a menu, an announcement that
// leads on), and warns of `play URL then ACTION` that cannot lead on (rules/action.h,
// leads_on) for want of public_url: it stays one answer, as it always was, which
// sipgate.io is not known to obey. In a menu, a missing public_url is the menus' own
// problem.
void Loader::after_play(const std::vector<Step>& steps, int line, bool in_menu) {
    const bool have_url = !rs_->settings.public_url.empty();
    const bool menu = std::any_of(steps.begin(), steps.end(), [](const Step& st) { return st.kind == Step::Menu; });
    const bool lead = leads_on(steps, have_url);
    if ((menu || lead) && (!first_gather_line_ || line < first_gather_line_)) first_gather_line_ = line;
    const bool more = steps.size() > 1 && steps[1].kind != Step::Hangup && steps[1].kind != Step::Pass;
    if (!more || lead || (in_menu && !have_url)) return;
    warning(line,
            "'play URL then ACTION' leads on only with public_url in [settings] (sipgate.io asks there for what "
            "follows the announcement): without it, <Play> and the action stay in one answer, which sipgate.io is "
            "not known to obey");
}

// Points a `menu NAME` step at its menu. Returns false, with the problem reported,
// when there is no such menu, or a dial names a rota there is not.
bool Loader::link_menu(std::vector<Step>* steps, int line) {
    for (Step& st : *steps) {
        for (const std::string& n : st.numbers)
            if (n.compare(0, 6, "@rota:") == 0 && !rs_->find_rota(n.substr(6))) {
                error(line, "unknown rota " + quote(n.substr(6)) + " (no [rota " + n.substr(6) + "])");
                return false;
            }
        if (st.kind != Step::Menu) continue;
        st.target = rs_->find_menu(st.menu);
        if (!st.target) {
            error(line, "unknown menu " + quote(st.menu) + " (no [menu " + st.menu + "])");
            return false;
        }
    }
    return true;
}

}  // namespace cr::loader
