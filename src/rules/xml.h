// The XML answers sipgate.io obeys (<Response> with <Dial>, <Play>, <Gather> ...),
// built with libxml2 once, when the rules load, so that answering a call only copies
// a string (and puts the number in where a rule dials $to).
#pragma once
#include <string>

namespace cr {

struct RuleSet;

// Initialises libxml2; call once, before any thread starts and before the first load.
void xml_init();

// Builds the answer of every rule (Rule::xml_parts, split where `to` goes), menu and
// menu entry of rules just loaded, and the answer when no rule matches (no_rule_xml).
// With a journal, every <Response> asks for the answer and hangup events (onAnswer,
// onHangup at public_url). Throws std::bad_alloc when libxml2 runs out of memory; the
// loader (rules/load.h) then refuses the rules.
void build_xml(RuleSet* rules);

// The serialised <Response/>: no action, the account's own settings apply.
const std::string& empty_response_xml();

// Where sipgate.io sends the keys typed in menu `name`.
std::string menu_url(const std::string& public_url, const std::string& name);

}  // namespace cr
