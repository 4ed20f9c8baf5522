// The call journal ([settings] journal, callrouter.ini(5) JOURNAL): one JSON object a
// line per event (newCall with its rule and action, dtmf with the keys and choice,
// answer, hangup with its cause), appended with one write(2) to a file opened
// O_APPEND, so that lines of concurrent CGI processes and event loops never interleave.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cr {

// One event as the journal holds it: its time (UTC seconds), then string fields in
// order, and the users sipgate.io rang (user[]), if any.
struct JournalEvent {
    std::int64_t time = 0;
    std::vector<std::pair<std::string, std::string>> fields;  // "event", "callId", ...
    std::vector<std::string> users;
    const std::string* field(std::string_view name) const;  // null when absent
};

// The event as one line of JSON, without the newline:
// {"time":"2026-11-30T09:15:02Z","event":"newCall",...,"users":["Alice"]}. Values are
// cut at 200 bytes; bytes that are not UTF-8 become U+FFFD.
std::string journal_line(const JournalEvent& e);

// Reads one line written by journal_line (or any JSON object of strings and arrays of
// strings with a "time" as journal_line writes it). Returns false when it is not one.
bool parse_journal_line(std::string_view line, JournalEvent* out);

// Appends `line` and a newline to the file at `path` (created mode 0640) with one
// write(2), so that lines of concurrent processes and threads never interleave. Never
// blocks on a FIFO. Returns false with *err ("cannot append: No space left on
// device") when the line was not written whole; a torn line is ended with a newline,
// so that the next one stands alone. Logs nothing: the caller says when (CGI: each
// failure; the FastCGI writer: the first after a success, and the recovery). Allocates
// nothing but the message of a failure.
bool journal_append(const std::string& path, std::string_view line, std::string* err);

}  // namespace cr
