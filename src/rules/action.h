// The action grammar: what follows `action =` in a [rule NAME] section, e.g.
// "play URL then dial 0211 123456" (callrouter.ini(5)).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "switches/until.h"

namespace cr {

struct Menu;

// One step of an action: `play URL then ACTION` has two.
struct Step {
    enum Kind { Dial, Voicemail, Play, Reject, Hangup, Pass, Menu } kind = Pass;
    std::vector<std::string> numbers;  // Dial: normalised numbers, "$to", or "@rota:NAME" alone
    std::string url;                   // Play
    std::string reason;                // Reject: "", "busy" or "rejected"
    std::string menu;                  // Menu: its name
    const cr::Menu* target = nullptr;  // Menu: points into RuleSet::menus, set once all are read
};

// `switch NAME on|off|toggle [until TIME] then ...` (callrouter.ini(5)): what a call
// that takes the action does to a switch, before the answer of the steps that follow.
struct SwitchAct {
    std::string name;
    enum Op { On, Off, Toggle } op = On;
    UntilSpec until;
    std::string text;  // "switch closed on until 08:00", for the trace
};

// Whether `u` is an http:// or https:// URL of at most 2000 characters of RFC 3986.
bool is_url(std::string_view u);

// Whether `steps` play an announcement that leads on to an action of its own: the
// answer is then the announcement in a <Gather timeout="0"> whose dtmf push is
// answered with the action (callrouter.ini(5), play URL then ACTION; before dial $to,
// the URL carries the number). Not for then hangup and then pass (one answer, which
// sipgate.io obeys), nor without a public_url to send that push to: those stay one
// answer, <Play> and the action's element.
bool leads_on(const std::vector<Step>& steps, bool have_public_url);

// Whether any step dials the request's `to` ($to).
bool dials_to(const Step& step);

// Parses an action as written after `action =` (e.g. "play URL then hangup") into its
// steps, numbers normalised with `country_code`; its leading `switch ... then` parts go
// to *switches (null: a switch is refused here). Returns false with *err set.
bool parse_action(const std::string& text, const std::string& country_code, std::vector<Step>* steps, std::string* err,
                  std::vector<SwitchAct>* switches = nullptr);

}  // namespace cr
