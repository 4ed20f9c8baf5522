// The XML answers sipgate.io obeys, built with libxml2.
#pragma once
#include <string>
#include <vector>

namespace cr {

struct Config;
struct Rule;

// Builds a rule's <Response> document once, after the rules have loaded. Returns it serialised and
// split where the request's `to` goes (`dial $to`): N places give N+1 parts, and
// the answer is parts[0] + to + parts[1] + ... The number is digits only, so it
// needs no escaping. Throws std::bad_alloc when libxml2 runs out of memory.
std::vector<std::string> build_answer(const Rule& rule);

// Builds the answer of every rule of a config just loaded (Rule::answer). Throws
// std::bad_alloc as build_answer does; load_rules (rules.h) refuses the load then.
void build_answers(Config* config);

// The serialised <Response/>: no action, the account's own settings apply.
const std::string& empty_answer();

// Initialises libxml2; call once, before any thread starts.
void answer_init();

}  // namespace cr
