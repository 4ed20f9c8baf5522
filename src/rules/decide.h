// Deciding a call: the rules in file order, the first whose conditions all hold wins;
// and its answer for this call.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rules/model.h"
#include "switches/state.h"

namespace cr {

// A call as the rules see it: numbers already normalised.
struct Call {
    Direction direction = Direction::In;
    Number from, to;
    bool has_diversion = false;
    Number diversion;
    std::int64_t now = 0;                    // UTC seconds, for `when`
    Leg leg = Leg::First;                    // First, Later or Voicemail
    std::string orig_call_id;                // of a later leg, for the trace
    std::vector<std::string> users;          // user[], folded to lower case
    const SwitchStates* switches = nullptr;  // null: every switch at its default
};

// "switch closed is on (set 2026-12-08 15:02 by call 7f3a, until 2026-12-09 08:00)":
// switch `sw`'s state at `now` as the trace and --switches say it.
std::string switch_text(const RuleSet& rules, const Switch& sw, const SwitchStates* states, std::int64_t now);

// Whether switch `sw` is on at `t` by `states` (null: at its default).
bool switch_is_on(const Switch& sw, const SwitchStates* states, std::int64_t t);

// "2026-12-09 08:00" in the rules' zone.
std::string local_minute(const RuleSet& rules, std::int64_t utc);

// Which leg a newCall is (rules/model.h, Leg): Later when `orig_call_id` is set and not
// `call_id`, Voicemail when then `users` (folded to lower case) hold "voicemail".
Leg leg_of(const std::string& call_id, const std::string& orig_call_id, const std::vector<std::string>& users);
const char* leg_name(Leg leg);

// Returns the first rule whose conditions all hold, or null. With `trace`, appends
// one line per rule tried: matched, or which condition failed and why.
const Rule* decide(const RuleSet& rules, const Call& call, std::vector<std::string>* trace);

// An answer for the call `call_id`: `to` where it dials $to, and the token of each
// onData URL when there is a secret (none without: the URLs work unbound). Returns
// false, leaving *xml alone, when the answer dials $to and `to` is null or not a
// number it can dial.
// `rota` is the number of its `dial @rota:NAME` (rota_answer); without one, such an
// answer is not given either.
bool render(const Answer& answer, const Number* to, const std::string& call_id, const Secret* secret, std::string* xml,
            const std::string* rota = nullptr);

// The answer to give for `a` at `now`: `a` itself, with *number the number of the
// event running in its rota when it dials @rota:NAME; or the rota's fallback when no
// event runs or it names no number. With `trace`, says which event decided.
const Answer& rota_answer(const RuleSet& rules, const Answer& a, std::int64_t now, std::string* number,
                          std::vector<std::string>* trace);

// What the token of `h` covers, with the called number `to` in its place (as render
// writes it); `to` may be null when the hole names no number.
std::string token_what(const Hole& h, const Number* to);

}  // namespace cr
