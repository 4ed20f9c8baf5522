#include "webhook/switching.h"

#include "base/log.h"
#include "rules/decide.h"

namespace cr {

void take_switches(const RuleSet& rules, const std::vector<SwitchAct>& acts, std::int64_t now,
                   const SwitchWriter* writer, Outcome* o, std::vector<std::string>* trace) {
    std::vector<SwitchChange> changes;
    for (const SwitchAct& a : acts) {
        const Switch* sw = rules.find_switch(a.name);
        if (!sw) continue;  // the loader refuses an action that names no [switch]
        SwitchChange c;
        c.name = a.name;
        c.op = a.op == SwitchAct::On    ? SwitchChange::On
               : a.op == SwitchAct::Off ? SwitchChange::Off
                                        : SwitchChange::Toggle;
        c.default_on = sw->default_on;
        c.until = resolve_until(a.until, rules.tz, now);
        const CallRecord& r = o->call;
        c.by = "call " + (r.call_id.empty() ? std::string("(no callId)") : log_text(r.call_id.substr(0, 80))) +
               (r.from.empty() ? std::string() : " from " + log_text(r.from.substr(0, 40)));
        std::string said = a.name +
                           (a.op == SwitchAct::On    ? " on"
                            : a.op == SwitchAct::Off ? " off"
                                                     : " toggle") +
                           (c.until ? " until " + local_minute(rules, c.until) : std::string());
        o->call.switched += (o->call.switched.empty() ? "" : ", ") + said;
        if (trace) trace->push_back("switch " + said + " (" + a.text + "), by this call");
        changes.push_back(std::move(c));
    }
    if (changes.empty()) return;
    if (!writer) {
        o->switches = std::move(changes);
        return;
    }
    std::string err;
    if ((*writer)(changes, now, &err)) return;
    o->call.switched += " (not set: " + err + ")";
    o->call.action = "hangup (the switch was not set)";
    o->http.body = rules.switch_failed_xml;
    if (trace)
        trace->push_back("switch not set: " + err + ": answered <Hangup/>, so that the caller hears no confirmation");
}

}  // namespace cr
