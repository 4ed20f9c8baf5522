#include "webhook/switching.h"

#include "base/log.h"
#include "rules/decide.h"

namespace cr {

void take_switches(const RuleSet& rules, const std::vector<SwitchAct>& acts, std::int64_t now, Outcome* o,
                   std::vector<std::string>* trace) {
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
        c.by = "call " + (r.call_id.empty() ? std::string("(no callId)") : r.call_id) +
               (r.from.empty() ? std::string() : " from " + r.from);
        std::string said = a.name +
                           (a.op == SwitchAct::On    ? " on"
                            : a.op == SwitchAct::Off ? " off"
                                                     : " toggle") +
                           (c.until ? " until " + local_minute(rules, c.until) : std::string());
        o->call.switched += (o->call.switched.empty() ? "" : ", ") + said;
        if (trace) trace->push_back("switch " + said + " (" + a.text + "), by this call");
        o->switches.push_back(std::move(c));
    }
}

bool apply_switches(const RuleSet& rules, const Outcome& o, std::int64_t now) {
    if (o.switches.empty() || o.http.status != 200) return true;
    std::string err, broken;
    const std::string& path = rules.settings.switch_state;
    if (!change_switch_states(path, o.switches, now, nullptr, &err, &broken)) {
        log_line(LogLevel::Error, "switches " + log_text(path) + ": " + err + ": the call's switch (" +
                                      log_text(o.call.switched) + ") is not set");
        return false;
    }
    if (!broken.empty()) log_line(LogLevel::Warn, "switches " + log_text(broken));
    return true;
}

}  // namespace cr
