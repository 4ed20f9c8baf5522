// What an action's `switch NAME on|off|toggle [until TIME] then ...` asks of the
// switches (callrouter.ini(5)): the changes, for the caller to apply.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rules/model.h"
#include "webhook/outcome.h"

namespace cr {

// Adds the changes of `acts`, taken at `now` by the call of *o, to o->switches (each
// `until` resolved in the rules' zone), says them in o->call.switched, and with
// `trace` in one line each.
void take_switches(const RuleSet& rules, const std::vector<SwitchAct>& acts, std::int64_t now, Outcome* o,
                   std::vector<std::string>* trace);

// Applies o->switches to the rules' state file at `now`; a failure, or a broken file
// written afresh, is logged (the call is answered all the same). Returns whether
// they were applied.
bool apply_switches(const RuleSet& rules, const Outcome& o, std::int64_t now);

}  // namespace cr
