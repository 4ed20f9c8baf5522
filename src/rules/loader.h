// Private to the loader (rules/load*.cpp), as kcgi's extern.h is to kcgi: the class
// that checks the sections the INI reader found and fills a RuleSet from them. Its
// members live in one file per kind of section: load.cpp (sections and keys),
// load_settings.cpp, load_lists.cpp, load_rules.cpp ([hours] and [rule]),
// load_menus.cpp and load_notify.cpp. A new kind of section gets a file of its own and a line in run().
//
// Errors: each check adds its problem with error(line, message) and goes on, so that
// one load reports every problem of the file; warning() records what loads but may
// not do what it says. Only std::bad_alloc is thrown, and load.cpp catches it.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/ini.h"
#include "rules/load.h"
#include "rules/model.h"
#include "rules/problems.h"

namespace cr::loader {

// The bounds of what the rule file may name.
constexpr std::size_t kMaxRuleFile = 16u << 20;
constexpr std::size_t kMaxListFile = 512u << 20;
constexpr std::size_t kMaxKeyFile = 64u << 10;
constexpr std::size_t kMaxBodyLimit = 1u << 20;  // max_body
constexpr int kMaxListProblems = 20;             // bad entries reported per list file

// A key a section may hold: its name, whether its value may go on over indented lines,
// and the id the section's code dispatches on.
struct KeySpec {
    const char* key;
    bool multiline;
    int id;
};

// The keys of one kind of section.
struct KeyTable {
    const KeySpec* keys;
    std::size_t size;
    const KeySpec* find(const std::string& key) const;  // null when unknown
    std::string names() const;                          // "a, b, c", for messages
};

template <std::size_t N>
constexpr KeyTable key_table(const KeySpec (&keys)[N]) {
    return {keys, N};
}

// The keys of each kind of section, each defined beside the code that takes them.
enum SettingsKey {
    kCountryCode,
    kTimezone,
    kMaxBody,
    kRequireUser,
    kLog,
    kSignature,
    kSignatureKey,
    kPublicUrl,
    kJournal,
    kSecret,
    kSendmail,
    kMailFrom,
    kNotifyState,
    kNotifyRetry,
    kDigestTo,
    kState
};
enum ListKey { kNumbers, kFile, kUsers };
enum RuleKey { kDirection, kLeg, kFrom, kTo, kDiversion, kUser, kWhen, kAction, kCallerId, kAnonymous, kSwitch };
enum MenuKey { kPrompt, kDigits, kTimeout, kTries, kInvalid, kNone, kOther };
enum NotifyKey { kOn, kNotifyDirection, kNotifyTo, kNotifyWhen, kMail, kWebhook };
enum SwitchKey { kDefault };
enum RotaKey { kIcs, kFallback };
extern const KeyTable kSettingsKeys, kListKeys, kRuleKeys, kMenuKeys, kNotifyKeys, kSwitchKeys, kRotaKeys;

// A section as the loader knows it: its kind and name.
struct Section {
    enum Kind { Bad, Settings, List, Hours, Switch, Rota, Menu, Rule, Notify } kind = Bad;
    std::string name;
    int line = 0;
    const std::vector<IniEntry>* entries = nullptr;
};

// An entry whose key the section's table knows, and that key's id.
struct Keyed {
    const IniEntry* entry;
    int id;
};

// Where a rule's keys stand, for the checks across keys.
struct RuleKeys {
    int action_line = 0, dial_attr_line = 0;
    bool ok = true;  // no problem with the action
};

// A condition's "!NAME": true, and *name without the '!' (trimmed); else false.
bool take_not(std::string* name);
// An action as written, its continuation lines joined with spaces, trimmed.
std::string one_line(std::string text);

class Loader {
public:
    Loader(const IniFile& ini, Problems* problems, LoadReport* report, RuleSet* rules)
        : ini_(ini), problems_(problems), report_(report), rs_(rules) {}

    // Checks every section, in the order their kinds depend on one another (settings,
    // lists, switches, hours, rotas, menus, rules, notify), and fills the RuleSet.
    void run();

private:
    // load.cpp: sections, keys, problems, the files named.
    void classify_sections();
    void classify(const std::string& header, Section* s, std::map<std::string, int>* seen);
    std::vector<Keyed> keyed(const Section& s, const KeyTable& table, const char* what);
    void error(int line, std::string message) { problems_->add(line, std::move(message)); }
    // A warning at `line`; `serving`: one for RuleSet::serving_warnings.
    void warning(int line, const std::string& message, bool serving = false);
    long bounded_number(const IniEntry& e, const std::string& v, long lo, long hi, const char* unit);
    std::string beside_rules(const std::string& name) const;
    // Reads a file the rule file names into *out, reporting at `line` why not.
    bool read_named(const std::string& path, std::size_t limit, const std::string& what, int line, std::string* out);

    // load_settings.cpp
    void settings(const Section& s);
    void country_code(const IniEntry& e);
    void log_level(const IniEntry& e, const std::string& v);
    void public_url(const IniEntry& e, const std::string& v);
    void time_zone();
    void signature_key();
    void secret();
    void mail_settings(const IniEntry& e, int id, const std::string& v);

    // load_lists.cpp
    void list(const Section& s);
    void add_patterns(NumberSet* set, const std::string& value, int line, const char* what);
    bool user_names(const IniEntry& e, std::vector<std::string>* names, std::vector<const List*>* lists);
    void list_file(NumberSet* set, const std::string& name, int line);
    void list_entries(NumberSet* set, const std::string& path, std::string_view data, int line);

    // load_rules.cpp
    void hours(const Section& s);
    void rule(const Section& s);
    void rule_key(Rule* r, const Keyed& k, RuleKeys* at);
    std::unique_ptr<NumberMatch> number_match(const IniEntry& e);
    std::unique_ptr<UserMatch> user_match(const IniEntry& e);
    void leg(Rule* r, const IniEntry& e, const std::string& v);
    void when(const Hours** hours, bool* negated, const IniEntry& e, std::string name);
    void action(Rule* r, const IniEntry& e, RuleKeys* at);
    void after_play(const std::vector<Step>& steps, int line, bool in_menu);
    bool link_menu(std::vector<Step>* steps, int line);

    // load_menus.cpp
    void menu(const Section& s);
    std::unique_ptr<MenuChoice> choice(const IniEntry& e, const std::string& keys);
    void link_menus();
    void journal();
    void unbound();

    // load_switches.cpp: [switch NAME], [rota NAME], calendars, `switch` in rules and actions.
    void switch_section(const Section& s);
    void rota(const Section& s);
    std::shared_ptr<const Calendar> calendar(const IniEntry& e, const std::string& name);
    void switch_condition(Rule* r, const IniEntry& e, std::string name);
    bool switch_acts(const std::vector<SwitchAct>& acts, int line);
    void switch_state();
    bool hours_calendar(cr::Hours* h, const IniEntry& e);

    // load_notify.cpp
    void notify(const Section& s);
    void notify_key(Notify* n, const Keyed& k);

    const IniFile& ini_;
    Problems* problems_;
    LoadReport* report_;
    RuleSet* rs_;
    std::vector<Section> sections_;
    std::vector<std::pair<int, std::string>> warnings_;  // by line, sorted once the file is read
    std::vector<std::string> serving_warnings_;
    int timezone_line_ = 0, signature_line_ = 0, signature_key_line_ = 0, journal_line_ = 0, secret_line_ = 0;
    std::string signature_key_file_, secret_file_;
    int first_gather_line_ = 0;
    int state_line_ =
        0;  // `state = FILE` in [settings]  // the first action that writes an onData URL (a menu, a play that leads on)
};

}  // namespace cr::loader
