// --calls: the call journal (journal.h) as a table, one row a call, joined by callId.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "time/tz.h"

namespace cr {

// One call as its events tell it. A time of -1 means that event is not in the journal.
struct CallRow {
    std::string call_id;
    std::int64_t start = -1;     // newCall (else the first event seen)
    std::int64_t answered = -1;  // answer
    std::int64_t ended = -1;     // hangup
    std::string direction, from, to, rule, action, answered_by, cause;
    std::vector<std::string> path;  // the menus walked: "main:1", "support:none", ...
};

// Joins events by callId, in the order their calls started. Events without a callId
// are left out.
std::vector<CallRow> join_calls(const std::vector<JournalEvent>& events);

// Reads the journal at `path` (at most its last 64 MiB). Returns false with *err
// when it cannot be read; lines that are not events are counted in *skipped.
bool read_journal(const std::string& path, std::vector<JournalEvent>* events, std::size_t* skipped, std::string* err);

// The table of the calls that started at `since` or later, times local to `tz`:
// start, direction, from, to, rule, action, who answered, ring time, talk time,
// hangup cause.
std::string calls_table(const std::vector<CallRow>& calls, const TimeZone& tz, std::int64_t since);

}  // namespace cr
