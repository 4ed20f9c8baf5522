// The rule file as callrouter holds it (callrouter.ini(5)): settings, lists, hours,
// menus and rules, built once by the loader (rules/load.h) with the XML of every
// answer, and read-only afterwards, so that any number of threads decide with it.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "rules/action.h"
#include "rules/number.h"
#include "signature/signature.h"
#include "signature/token.h"
#include "time/calendar.h"
#include "time/hours.h"
#include "time/tz.h"

namespace cr {

// A mail recipient as written: "Anna Schmidt <anna@example.com>" or "anna@example.com".
struct MailAddress {
    std::string name;     // UTF-8, may be empty
    std::string address;  // local@domain, ASCII
};

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
    std::string public_path;         // its path ("/" when it names none), for the log
    std::string journal;             // the call journal's file; empty: none
    // The secret of secret = FILE, for the tokens of onData URLs; null: none, and menus
    // and announcements work unbound (callrouter(8), TOKENS).
    std::shared_ptr<const Secret> secret;
    // Alerts, the digest (callrouter.ini(5), NOTIFY): the MTA's sendmail, the From of
    // their mails, --notify's state file (empty: beside the journal), the waits
    // between the tries of a failed send, and the digest's recipients.
    std::string sendmail = "/usr/sbin/sendmail";
    MailAddress mail_from;  // an empty address: callrouter@ the host's name
    std::string notify_state;
    std::vector<int> notify_retry = {10, 60, 300, 900, 1800, 3600};  // seconds
    std::vector<MailAddress> digest_to;
    // The switches' state file (switches/state.h): `state = FILE`, else `switches` beside
    // the journal; empty when the rules declare no switch.
    std::string switch_state;
};

// A [switch NAME]: an on/off state that rules test (`switch = NAME`) and calls or the
// command line set (callrouter.ini(5), [switch NAME]).
struct Switch {
    std::string name;
    int line = 0;
    bool default_on = false;
};

struct List {
    std::string name;
    int line = 0;
    NumberSet set;
    std::vector<std::string> users;  // users = ...: names of sipgate users, folded to lower case
};

// A `user` condition: names of its own plus lists, matched without regard to case
// against the names in a newCall's user[].
struct UserMatch {
    std::string text;                // as written, for the trace
    std::vector<std::string> own;    // folded to lower case
    std::vector<const List*> lists;  // point into RuleSet::lists
    // Whether one of `users` (folded to lower case) is named.
    bool matches(const std::vector<std::string>& users) const;
};

// A number condition (`from`, `to`, `diversion`): patterns of its own plus lists.
struct NumberMatch {
    std::string text;  // as written, for the trace
    NumberSet own;
    std::vector<const List*> lists;  // point into RuleSet::lists, which never moves
    bool matches(const Number& n) const;
};

enum class Direction { In, Out };

// Which legs of a call a rule is for (`leg = first | later | voicemail | any`; SPEC
// section 9): a later leg has an origCallId other than its callId (a forward, a
// transfer, the account's voicemail after N seconds); a voicemail leg is a later leg
// whose user[] holds "voicemail". A rule without `leg` is for first legs only.
enum class Leg { First, Later, Voicemail, Any };

// A place in an answer that the request fills in: the called number (`dial $to`), or
// the token of an onData URL for what it continues (`what`, as "menu=main"; an
// announcement before `dial $to` carries the number in its URL, and `what` holds
// kToPlace where it goes: "then=rule.x&to={to}").
inline constexpr const char* kToPlace = "{to}";
struct Hole {
    enum Kind { To, Token, Rota } kind = To;  // Rota: the number of `dial @rota:NAME` (what: NAME)
    std::string what;
};

// An answer as built when the rules load: the XML split where the request fills in,
// so that answering copies strings (rules/decide.h, render). parts.size() is
// holes.size() + 1.
struct Answer {
    std::vector<std::string> parts;
    std::vector<Hole> holes;
    // With a Rota hole: the answer of the rota's fallback, with the action's dial
    // attributes, for when no event names a number.
    std::shared_ptr<const Answer> fallback;
    bool needs_to() const;
};

// What an entry of a [menu NAME] does: an action, as in a rule.
struct MenuChoice {
    std::string keys;  // "1", "1234", "*", "#"; empty for none and other
    int line = 0;
    std::string action_text;
    std::vector<SwitchAct> switches;  // `switch NAME on ... then`, before the steps
    std::vector<Step> steps;
    Answer answer;
};

// A [menu NAME]: a prompt, then the keys the caller types choose an action
// (callrouter.ini(5), [menu NAME]); sipgate.io's <Gather>.
struct Menu {
    std::string name;
    int line = 0;
    std::string prompt;                 // URL of the sound played while waiting for keys
    int digits = 1;                     // Gather maxDigits
    int timeout = 5;                    // seconds after the prompt (Gather timeout, in ms)
    int tries = 1;                      // asks in all for keys it lists (`tries = N` is N + 1)
    std::string invalid;                // URL of the sound played before asking again; empty: none
    std::vector<MenuChoice> keys;       // in file order
    std::unique_ptr<MenuChoice> none;   // no key pressed
    std::unique_ptr<MenuChoice> other;  // keys no entry names
    // The <Gather> answers that ask for the keys: asks[K - 1] for try K (1 to tries).
    std::vector<Answer> asks;
    // With `invalid`: the invalid sound in a <Gather timeout="0">, whose dtmf push is
    // answered with try K: invalids[K - 2] (K = 2 to tries).
    std::vector<Answer> invalids;

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
    Leg leg = Leg::First;
    bool has_leg = false;
    std::unique_ptr<NumberMatch> from, to, diversion;
    std::unique_ptr<UserMatch> user;
    const Hours* when = nullptr;  // points into RuleSet::hours
    bool when_negated = false;
    const Switch* sw = nullptr;  // `switch = [!]NAME`: points into RuleSet::switches
    bool sw_negated = false;
    std::string action_text;          // as written, for the log
    std::vector<SwitchAct> switches;  // `switch NAME on ... then`, before the steps
    std::vector<Step> steps;
    std::string caller_id;
    int anonymous = -1;  // -1 unset, 0 false, 1 true
    Answer answer;
};

// What the dtmf push after an announcement (`play URL then ACTION`: a <Gather
// timeout="0"> around the <Play>) or after a menu's `invalid` sound is answered with;
// its id is the URL's then=ID: "rule.NAME", "menu.NAME.KEYS" (KEYS: the keys, none or
// other), "invalid.NAME.TRY".
struct FollowUp {
    std::string id;
    int line = 0;
    std::string action_text;  // for the log and the journal
    Answer answer;
};

// What a [notify NAME] tells of (SPEC section 10): the outcomes of calls (journal/calls.h,
// call_outcome), as bits. A call that is lost (its hangup never came) and nobody
// answered is told as missed; `every` also takes a call forwarded out of sight.
enum NotifyOn : unsigned { kOnMissed = 1, kOnVoicemail = 2, kOnAnswered = 4, kOnEvery = 15 };

// A [notify NAME]: which calls (their outcome, direction, called number, the hours
// they came in) are told to whom (mail, a webhook).
struct Notify {
    std::string name;
    int line = 0;
    unsigned on = 0;                       // NotifyOn bits
    enum { In, Out, Any } direction = In;  // without `direction`: incoming calls
    std::unique_ptr<NumberMatch> to;
    const Hours* when = nullptr;  // points into RuleSet::hours
    bool when_negated = false;
    std::vector<MailAddress> mail;
    std::string webhook;  // https://, or http:// to a loopback address
};

// A [rota NAME]: who is on call, from a calendar whose running event names the number
// that `dial @rota:NAME` rings; `fallback` answers when no event runs.
struct Rota {
    std::string name;
    int line = 0;
    std::shared_ptr<const Calendar> calendar;
    std::string fallback_text;
    std::vector<Step> fallback_steps;  // built into the answer of each action that dials it
    // The number of each event of the calendar (by its index in calendar->events()),
    // normalised; empty for an event that names none.
    std::vector<std::string> numbers;
};

struct RuleSet {
    std::string path;
    Settings settings;
    TimeZone tz;
    std::vector<std::unique_ptr<List>> lists;
    std::vector<std::unique_ptr<Hours>> hours;
    std::vector<std::unique_ptr<Switch>> switches;
    std::vector<std::unique_ptr<Rota>> rotas;
    std::vector<std::unique_ptr<Menu>> menus;
    std::vector<Rule> rules;
    std::map<std::string, FollowUp> follow_ups;  // by id
    std::vector<Notify> notifies;
    std::string no_rule_xml;         // the answer when no rule matches: <Response/>, with
                                     // onAnswer and onHangup when there is a journal
    std::string switch_failed_xml;   // the answer when a call's switch cannot be set:
                                     // <Hangup/>, so that the caller hears no confirmation
    std::vector<std::string> files;  // the rule file and every list, key or calendar file it read
    // With a calendar: the UTC instant its window was expanded from (the load's, or
    // --at's), and when a process that answers calls loads the rules again to move it on.
    std::int64_t calendar_anchor = 0, refresh_at = 0;
    // "FILE:LINE: warning: message" for what loads but may not do what it says (see
    // callrouter.ini(5)); --check prints them, a FastCGI process logs them once.
    std::vector<std::string> warnings;
    // Warnings that concern only a process that answers calls (a journal it cannot
    // write): --check prints them and a FastCGI process logs them, with the others;
    // --test and --week, which write nothing, leave them out.
    std::vector<std::string> serving_warnings;

    const List* find_list(const std::string& name) const;
    const Hours* find_hours(const std::string& name) const;
    const Menu* find_menu(const std::string& name) const;
    const FollowUp* find_follow_up(const std::string& id) const;
    const Notify* find_notify(const std::string& name) const;
    const Switch* find_switch(const std::string& name) const;
    const Rota* find_rota(const std::string& name) const;
};

}  // namespace cr
