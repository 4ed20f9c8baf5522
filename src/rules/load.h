// Loading the rule file: one entry point, which reads the file and every file it
// names, checks all of it, and builds the XML of every answer, so that what it returns
// is ready to answer with (rules/decide.h) and read-only from then on.
//
//   std::vector<std::string> errors;
//   LoadReport report;
//   std::shared_ptr<const RuleSet> rules = load_rule_set(path, &errors, &report);
//
// Returns the rules, with what loads but may not do what it says in rules->warnings;
// or null with each problem in *errors as "FILE:LINE: message" (callrouter.ini(5),
// ERRORS), sorted by line, at most 50 and then "FILE: N more problems". A file
// that cannot be read at all is the one line "FILE: why".
//
// Throws nothing. Memory running out at any point (libxml2 and libinih included)
// refuses the rules with the one line "FILE: cannot load: out of memory", keeps
// nothing of the half-built rules, and sets report->transient.
//
// *report, when not null, gets what a reload must watch, failed load or not: the files
// read or tried (the rule file first), each with its stamp as read (from the open file,
// or from before an open that failed), and `transient` when a file could not be read
// for a cause that may pass with nothing changed on disk (no descriptor or memory
// left, an I/O error): the caller should try again later.
//
// Call xml_init() (rules/xml.h) once, before any thread starts, before the first load.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "rules/model.h"

namespace cr {

struct LoadReport {
    std::vector<std::string> files;
    std::vector<FileStamp> stamps;
    bool transient = false;
};

// `anchor` (UTC seconds; 0: now) is where the window of the calendars it names begins
// (RuleSet::calendar_anchor): --test --at and --week load at the time they show.
std::shared_ptr<const RuleSet> load_rule_set(const std::string& path, std::vector<std::string>* errors,
                                             LoadReport* report = nullptr, std::int64_t anchor = 0);

// The same for a rule file given as its text: `name` stands for the file in messages
// and in the report (whose stamp is that of no file); list and key files are read
// relative to `name`'s folder.
std::shared_ptr<const RuleSet> load_rule_set_text(const std::string& name, std::string_view text,
                                                  std::vector<std::string>* errors, LoadReport* report = nullptr,
                                                  std::int64_t anchor = 0);

}  // namespace cr
