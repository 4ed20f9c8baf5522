// The pure core: a request's head and body in, its outcome out (webhook/outcome.h).
// Knows nothing of FastCGI or CGI and does no I/O; the CGI path, the FastCGI engine,
// --test and the unit tests all call it. Safe to call from any number of threads with
// the same rules.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"
#include "webhook/head.h"
#include "webhook/outcome.h"

namespace cr {

// The second step, after check_head (webhook/head.h): answers the body read. A body
// shorter than plan.length (the client hung up) is a 400; with plan.to_end, one longer
// is a 413. Then the signature, when the plan asks for it (403), before the body is
// decoded. `now` is the time (UTC seconds) the rules decide at; `switches` the states
// of the switches (switches/cache.h; null: each at its default). With `trace`, one
// line per rule tried and per decision. What the action switches is set by `writer`
// (switches/state.h) before the answer is made; without one (--test) it is left in
// the outcome's `switches`.
Outcome answer(const RuleSet& rules, std::string_view body, const BodyPlan& plan, std::int64_t now,
               std::vector<std::string>* trace, const SwitchStates* switches = nullptr,
               const SwitchWriter* writer = nullptr);

// Both steps at once, for --test and the unit tests.
Outcome handle(const RuleSet& rules, const HttpHead& head, std::string_view body, std::int64_t now,
               std::vector<std::string>* trace, const SwitchStates* switches = nullptr,
               const SwitchWriter* writer = nullptr);

}  // namespace cr
