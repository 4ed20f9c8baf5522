// Deciding a call: the rules in file order, the first whose conditions all hold wins;
// and its answer for this call.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rules/model.h"

namespace cr {

// A call as the rules see it: numbers already normalised.
struct Call {
    Direction direction = Direction::In;
    Number from, to;
    bool has_diversion = false;
    Number diversion;
    std::int64_t now = 0;            // UTC seconds, for `when`
    Leg leg = Leg::First;            // First, Later or Voicemail
    std::string orig_call_id;        // of a later leg, for the trace
    std::vector<std::string> users;  // user[], folded to lower case
};

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
bool render(const Answer& answer, const Number* to, const std::string& call_id, const Secret* secret, std::string* xml);

// What the token of `h` covers, with the called number `to` in its place (as render
// writes it); `to` may be null when the hole names no number.
std::string token_what(const Hole& h, const Number* to);

}  // namespace cr
