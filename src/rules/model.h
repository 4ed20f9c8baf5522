// The rule file: its data model (callrouter.ini(5)), and the loader that checks all of
// it. The loader reads the text with the INI reader (inifile.h) and the actions with the
// action grammar (action.h); it builds no answer (answer.h does, see load_rules).
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/log.h"
#include "rules/action.h"
#include "rules/number.h"
#include "time/hours.h"
#include "signature/signature.h"
#include "time/tz.h"

namespace cr {

struct Settings {
    std::string country_code;          // digits, or empty
    std::string timezone;              // IANA name; empty: the system's
    std::size_t max_body = 8192;       // bytes
    std::string require_user;          // REMOTE_USER that must be set; empty: none
    LogLevel log = LogLevel::Info;
    bool signature_required = false;   // signature = require
    // The key of signature_key, else sipgate.io's built-in one; loaded when signature =
    // require or signature_key is given, else null.
    std::shared_ptr<const PublicKey> signature_key;
    std::string signature_key_name;    // for messages: the file, or "sipgate.io's key"
    std::string public_url;            // how sipgate.io reaches callrouter (menus, events)
    std::string journal;               // the call journal's file; empty: none
};

struct List {
    std::string name;
    int line = 0;
    NumberSet set;
};

// A number condition (`from`, `to`, `diversion`): patterns of its own plus lists.
struct NumberMatch {
    std::string text;                  // as written, for the trace
    NumberSet own;
    std::vector<const List*> lists;    // point into Config::lists, which never moves
    bool matches(const Number& n) const;
};

enum class Direction { In, Out };

struct Menu;

// What an entry of a [menu NAME] does: an action, as in a rule.
struct MenuChoice {
    std::string keys;                  // "1", "1234", "*", "#"; empty for none and other
    int line = 0;
    std::string action_text;
    std::vector<Step> steps;
    std::vector<std::string> answer;   // the XML, built after the load (build_answers)
};

// A [menu NAME]: a prompt, then the keys the caller types choose an action
// (callrouter.ini(5), MENUS); sipgate.io's <Gather>.
struct Menu {
    std::string name;
    int line = 0;
    std::string prompt;                // URL of the sound played while waiting for keys
    int digits = 1;                    // Gather maxDigits
    int timeout = 5;                   // seconds after the prompt (Gather timeout, in ms)
    std::vector<MenuChoice> keys;      // in file order
    std::unique_ptr<MenuChoice> none;  // no key pressed
    std::unique_ptr<MenuChoice> other; // keys no entry names
    std::vector<std::string> answer;   // the <Gather> document, built after the load

    // The choice for what the caller typed (empty: none), or null when the menu says nothing for it.
    const MenuChoice* choose(const std::string& typed) const;
};

struct Rule {
    std::string name;
    int line = 0;
    bool has_direction = false;
    Direction direction = Direction::In;
    std::unique_ptr<NumberMatch> from, to, diversion;
    const Hours* when = nullptr;       // points into Config::hours
    bool when_negated = false;
    std::string action_text;           // as written, for the log
    std::vector<Step> steps;
    std::string caller_id;
    int anonymous = -1;                // -1 unset, 0 false, 1 true
    bool dials_to = false;             // the answer needs the request's `to`
    std::vector<std::string> answer;   // the XML, split where `to` goes: built after the
                                       // load (build_answers), empty until then
};

struct Config {
    std::string path;
    Settings settings;
    TimeZone tz;
    std::vector<std::unique_ptr<List>> lists;
    std::vector<std::unique_ptr<Hours>> hours;
    std::vector<std::unique_ptr<Menu>> menus;
    std::vector<Rule> rules;
    std::string no_action;             // <Response/> as answered (build_answers); empty until then
    std::vector<std::string> files;    // the rule file and every list or key file it read
    // "FILE:LINE: warning: message" for what loads but may not do what it says (see
    // callrouter.ini(5)); --check prints them, a FastCGI process logs them once.
    std::vector<std::string> warnings;

    const List* find_list(const std::string& name) const;
    const Hours* find_hours(const std::string& name) const;
    const Menu* find_menu(const std::string& name) const;
};

// What a load leaves to know besides its result, failed or not: the files it read or
// tried to read (the rule file first), each with its stamp as it was read (taken
// from the open file, or before a failed open), and whether a file could not be read
// for a reason that may pass by itself (no file descriptor or memory left, an I/O
// error), so that the same load may succeed later with nothing changed on disk.
struct LoadInfo {
    std::vector<std::string> files;
    std::vector<FileStamp> stamps;
    bool passing = false;
};

// Loads and checks the rule file at `path` and every file it names. Returns the
// config, or null with each problem in *errors as "FILE:LINE: message". Throws
// nothing: an exception while loading (memory running out included) refuses the
// rules with the one line "FILE: cannot load: out of memory" (or the exception's
// message instead of "out of memory"), nothing of the half-built rules kept; running
// out of memory counts as a cause that may pass (info->passing).
// `finish`, when given, is run on the config once it has loaded without a problem
// (the rules layer builds the answers with it); what it throws refuses the load as
// above.
using FinishLoad = void (*)(Config* config);
std::shared_ptr<const Config> load_config(const std::string& path, std::vector<std::string>* errors,
                                          LoadInfo* info = nullptr, FinishLoad finish = nullptr);

// The same for a rule file given as its text: `name` stands for the file in messages
// and Config::files (its stamp is that of no file); the list files it names are read
// relative to `name`'s directory.
std::shared_ptr<const Config> load_config_text(const std::string& name, std::string_view text,
                                               std::vector<std::string>* errors, LoadInfo* info = nullptr,
                                               FinishLoad finish = nullptr);

}  // namespace cr
