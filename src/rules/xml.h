// The XML answers sipgate.io obeys (<Response> with <Dial>, <Play>, <Gather> ...),
// built with libxml2 once, when the rules load, so that answering a call only copies
// a string (and puts the number in where a rule dials $to).
#pragma once
#include <string>

namespace cr {

struct RuleSet;

// Initialises libxml2; call once, before any thread starts and before the first load.
void xml_init();

// Builds the answer of every rule, menu and menu entry of rules just loaded (split
// where the request fills in: rules/model.h, Answer), the follow-ups of announcements
// that lead on and of menus' invalid sounds (RuleSet::follow_ups), and the answer when
// no rule matches (no_rule_xml). With a journal, every <Response> asks for the answer
// and hangup events (onAnswer, onHangup at public_url). Throws std::bad_alloc when
// libxml2 runs out of memory; the loader (rules/load.h) then refuses the rules.
void build_xml(RuleSet* rules);

// The serialised <Response/>: no action, the account's own settings apply.
const std::string& empty_response_xml();

// public_url with `query` added ("menu=main"): where sipgate.io sends a dtmf push.
std::string continue_url(const std::string& public_url, const std::string& query);

}  // namespace cr
