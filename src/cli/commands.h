// The commands that answer on the terminal and exit (callrouter(8), OPTIONS): each loads
// the rule file at `path` (its problems and warnings on stderr) and returns the exit
// status.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "rules/model.h"
#include "switches/state.h"

namespace cr {

// Which warnings a command prints beside the problems of the rules.
enum class Warn { None, Rules, All };

// Loads the rules; prints each problem, and the warnings `warn` says, on stderr.
// Rules: those of what the rules do; All: also those for the process that answers
// calls (RuleSet::serving_warnings). Null when they do not load.
// `anchor`: where the calendars' window starts (rules/load.h; 0: now).
std::shared_ptr<const RuleSet> load_or_report(const std::string& path, Warn warn, std::int64_t anchor = 0);

// The rules `c` again, with the calendars' window at `t`, when they name a calendar
// and `t` is more than a day from where its window starts; else `c`. Null (the
// problems said) when that load fails.
std::shared_ptr<const RuleSet> calendars_at(const std::string& path, std::shared_ptr<const RuleSet> c, std::int64_t t);

// The switches' states of the rules `c` for a command that only reads them: a file
// that cannot be read is said on stderr, and every switch is then at its default.
SwitchStates read_switches_or_say(const RuleSet& c);

// The time of the command into *now: `at` (--at, in the rules' time zone) when given,
// else the clock. Returns false when `at` cannot be read, having said why on stderr.
bool now_or_at(const std::string& at, const TimeZone& tz, std::int64_t* now);

// --check: one summary line on stdout; 0, or 1 when the rule file does not load.
int run_check(const std::string& path);

// --test: answers `body` as if POSTed at `at` (empty: now), with `signature` (when not
// null) as its X-Sipgate-Signature header and `query` as its query string: the XML on
// stdout, the rules tried and the log line on stderr. 0 for a 200, 1 for any other
// answer (or rules that do not load), 2 for a bad --at.
int run_test(const std::string& path, const std::string& body, const std::string& at, const std::string* signature,
             const std::string& query);

// --calls: the journal's calls that started at `since` or later ('YYYY-MM-DD[ HH:MM]';
// empty: the 7 days before `at`) as a table on stdout, open calls told from lost ones as
// at `at` (--at's grammar; empty: now). 1 when there is no journal to read, 2 for a bad
// --since or --at.
int run_calls(const std::string& path, const std::string& since, const std::string& at);

// --week: the table (or with `html` the page) of the seven days from `date` (empty:
// today in the rule file's zone), hours from_hour to to_hour. 0, or 1 when the rule
// file does not load or stdout cannot be written.
int run_week(const std::string& path, const std::string& date, const std::string& number, int from_hour, int to_hour,
             bool html);

// --digest (cli/digest.cpp): the calls that started from `since` (empty: the 24 hours
// before `at`) to `at` (empty: now) summed up on stdout, or with `mail` sent to
// [settings] digest_to. 0; 1 when there is no journal, no digest_to for `mail`, or the
// MTA refused the mail; 2 for a bad --since or --at.
int run_digest(const std::string& path, const std::string& since, const std::string& at, bool mail);

// --metrics (cli/digest.cpp): the journal as Prometheus exposition text on stdout. 0, or
// 1 when there is no journal to read.
int run_metrics(const std::string& path);

// --switch NAME=on|off [--until TIME]: sets a switch of the rule file's [switch NAME]
// sections, as a call's action does (switches/state.h), and prints its state. 0, 1
// (the rules or the state file), 2 (usage: no such switch, a bad TIME).
int run_switch(const std::string& path, const std::string& setting, const std::string& until);

// --switches: each switch, its state now, since when, by whom and until when.
int run_switches(const std::string& path);

}  // namespace cr
