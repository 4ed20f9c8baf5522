#include "rules/decide.h"

namespace cr {

namespace {

const char* dir_name(Direction d) { return d == Direction::In ? "in" : "out"; }

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
        if (trace) {
            std::string head = "rule " + r.name + " (line " + std::to_string(r.line) + "): ";
            if (ok)
                trace->push_back(head + "match -> " + r.action_text + (r.when ? "; " + when_why : ""));
            else
                trace->push_back(head + "no match: " + why);
        }
        if (ok) return &r;
    }
    if (trace) trace->push_back("no rule matched: <Response/>, the account's own settings apply");
    return nullptr;
}

bool render(const Rule& rule, const Call& call, std::string* xml) {
    if (!rule.dials_to) {
        *xml = rule.xml_parts[0];
        return true;
    }
    if (call.to.kind != NumberKind::Digits) return false;
    std::string out = rule.xml_parts[0];
    for (std::size_t i = 1; i < rule.xml_parts.size(); ++i) {
        out += call.to.text;
        out += rule.xml_parts[i];
    }
    *xml = std::move(out);
    return true;
}

}  // namespace cr
