// What an action's `switch NAME on|off|toggle [until TIME] then ...` asks of the
// switches (callrouter.ini(5)): the changes, for the caller to apply.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rules/model.h"
#include "webhook/outcome.h"

namespace cr {

// The switches of `acts`, taken at `now` by the call of *o: each `until` resolved in the
// rules' zone, said in o->call.switched and, with `trace`, in one line each; then set by
// `writer` (null: --test, which sets nothing and keeps them in o->switches to say so).
// When the writer fails, the call is hung up instead of hearing the action's
// announcement, and the log line and the journal say the switch was not set.
void take_switches(const RuleSet& rules, const std::vector<SwitchAct>& acts, std::int64_t now,
                   const SwitchWriter* writer, Outcome* o, std::vector<std::string>* trace);

}  // namespace cr
