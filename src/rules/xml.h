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
std::vector<std::string> build_answer(const Config& config, const Rule& rule);

// Builds the answer of every rule, menu and menu entry of a config just loaded, and
// its no-action answer (Config::no_action). Throws
// std::bad_alloc as build_answer does; load_rules (rules.h) refuses the load then.
void build_answers(Config* config);

// The serialised <Response/>: no action, the account's own settings apply.
const std::string& empty_answer();

// The answer when no rule decides: `config.no_action` (with onAnswer and onHangup when
// it keeps a journal), or <Response/> for rules loaded without their answers.
const std::string& no_action(const Config& config);

// Where sipgate.io sends the keys typed in menu `name`.
std::string menu_url(const std::string& public_url, const std::string& name);

// Initialises libxml2; call once, before any thread starts.
void answer_init();

}  // namespace cr
