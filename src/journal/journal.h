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
    std::vector<std::pair<std::string, std::string>> fields;   // "event", "callId", ...
    std::vector<std::string> users;
    const std::string* field(std::string_view name) const;     // null when absent
};

// The event as one line of JSON, without the newline:
// {"time":"2026-11-30T09:15:02Z","event":"newCall",...,"users":["Alice"]}. Values are
// cut at 200 bytes; bytes that are not UTF-8 become U+FFFD.
std::string journal_line(const JournalEvent& e);

// Reads one line written by journal_line (or any JSON object of strings and arrays of
// strings with a "time" as journal_line writes it). Returns false when it is not one.
bool parse_journal_line(std::string_view line, JournalEvent* out);

// Appends `line` and a newline to the file at `path` (created mode 0640) with one
// write(2). Never blocks on a FIFO, never throws. Returns false when the line was not
// written whole; the first failure after a success is logged (error level), the
// first success after a failure too, so that a broken journal logs once per process, not
// per call (as CGI, every call is a process of its own: one line each).
bool journal_append(const std::string& path, std::string_view line);

// For the FastCGI event loops, which must never wait for a disk: hands the line to one
// writer thread (started by the first line), which appends it with journal_append.
// When 10,000 lines wait, the line is dropped, logged once. Never blocks, never throws.
void journal_post(const std::string& path, std::string_view line);

// At the stop of a FastCGI process: waits until the lines posted so far are written
// (10 s at most), then ends the writer thread and joins it, so that no thread waits on
// the queue while exit() destroys it. Returns false when the thread is still inside
// a write after 10 s (a hung disk) and cannot be joined: the caller must then end the
// process with _Exit. No line may be posted after it.
bool journal_stop();

}  // namespace cr
