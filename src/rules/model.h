// The rule file as callrouter holds it (callrouter.ini(5)): settings, lists, hours,
// menus and rules, built once by the loader (rules/load.h) with the XML of every
// answer, and read-only afterwards, so that any number of threads decide with it.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "rules/action.h"
#include "rules/number.h"
#include "signature/signature.h"
#include "time/hours.h"
#include "time/tz.h"

namespace cr {

struct Settings {
    std::string country_code;     // digits, or empty
    std::string timezone;         // IANA name; empty: the system's
    std::size_t max_body = 8192;  // bytes
    std::string require_user;     // REMOTE_USER that must be set; empty: none
    LogLevel log = LogLevel::Info;
    bool signature_required = false;  // signature = require
    // The key of signature_key, else sipgate.io's built-in one; loaded when signature =
    // require or signature_key is given, else null.
    std::shared_ptr<const PublicKey> signature_key;
    std::string signature_key_name;  // for messages: the file, or "sipgate.io's key"
    std::string public_url;          // how sipgate.io reaches callrouter (menus, events)
    std::string journal;             // the call journal's file; empty: none
};

struct List {
    std::string name;
    int line = 0;
    NumberSet set;
};

// A number condition (`from`, `to`, `diversion`): patterns of its own plus lists.
struct NumberMatch {
    std::string text;  // as written, for the trace
    NumberSet own;
    std::vector<const List*> lists;  // point into RuleSet::lists, which never moves
    bool matches(const Number& n) const;
};

enum class Direction { In, Out };

// What an entry of a [menu NAME] does: an action, as in a rule.
struct MenuChoice {
    std::string keys;  // "1", "1234", "*", "#"; empty for none and other
    int line = 0;
    std::string action_text;
    std::vector<Step> steps;
    std::string xml;  // the answer
};

// A [menu NAME]: a prompt, then the keys the caller types choose an action
// (callrouter.ini(5), [menu NAME]); sipgate.io's <Gather>.
struct Menu {
    std::string name;
    int line = 0;
    std::string prompt;                 // URL of the sound played while waiting for keys
    int digits = 1;                     // Gather maxDigits
    int timeout = 5;                    // seconds after the prompt (Gather timeout, in ms)
    std::vector<MenuChoice> keys;       // in file order
    std::unique_ptr<MenuChoice> none;   // no key pressed
    std::unique_ptr<MenuChoice> other;  // keys no entry names
    std::string xml;                    // the <Gather> document that asks for the keys

    // The choice for what the caller typed (empty: none), or null when the menu says nothing for it.
    const MenuChoice* choose(const std::string& typed) const;

    // Calls f on every choice: the keys in file order, then none, then other.
    template <typename F>
    void each_choice(F f) {
        for (MenuChoice& c : keys) f(c);
        if (none) f(*none);
        if (other) f(*other);
    }
};

struct Rule {
    std::string name;
    int line = 0;
    bool has_direction = false;
    Direction direction = Direction::In;
    std::unique_ptr<NumberMatch> from, to, diversion;
    const Hours* when = nullptr;  // points into RuleSet::hours
    bool when_negated = false;
    std::string action_text;  // as written, for the log
    std::vector<Step> steps;
    std::string caller_id;
    int anonymous = -1;     // -1 unset, 0 false, 1 true
    bool dials_to = false;  // the answer needs the request's `to`
    // The answer split where the request's `to` goes (dial $to): N places give N+1
    // parts, and the answer is parts[0] + to + parts[1] + ... (render, rules/decide.h).
    std::vector<std::string> xml_parts;
};

struct RuleSet {
    std::string path;
    Settings settings;
    TimeZone tz;
    std::vector<std::unique_ptr<List>> lists;
    std::vector<std::unique_ptr<Hours>> hours;
    std::vector<std::unique_ptr<Menu>> menus;
    std::vector<Rule> rules;
    std::string no_rule_xml;         // the answer when no rule matches: <Response/>, with
                                     // onAnswer and onHangup when there is a journal
    std::vector<std::string> files;  // the rule file and every list or key file it read
    // "FILE:LINE: warning: message" for what loads but may not do what it says (see
    // callrouter.ini(5)); --check prints them, a FastCGI process logs them once.
    std::vector<std::string> warnings;

    const List* find_list(const std::string& name) const;
    const Hours* find_hours(const std::string& name) const;
    const Menu* find_menu(const std::string& name) const;
};

}  // namespace cr
