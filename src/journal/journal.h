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

#include "base/fd.h"

namespace cr {

// One event as the journal holds it: its time (UTC seconds), then string fields in
// order, then arrays of strings in order (the users sipgate.io rang, user[], as
// "users"; userId[] as "userIds"; fullUserId[] as "fullUserIds").
struct JournalEvent {
    std::int64_t time = 0;
    std::vector<std::pair<std::string, std::string>> fields;  // "event", "callId", ...
    std::vector<std::pair<std::string, std::vector<std::string>>> arrays;
    const std::string* field(std::string_view name) const;               // null when absent
    const std::vector<std::string>* array(std::string_view name) const;  // null when absent
};

// The event as one line of JSON, without the newline:
// {"time":"2026-11-30T09:15:02Z","event":"newCall",...,"users":["Alice"]}. Values are
// cut at 200 bytes, arrays at 20 values; bytes that are not UTF-8 become U+FFFD. An
// empty array is left out, and so is a value that would make the line longer than 12
// KiB (escaped control characters take 6 bytes each), so that --calls reads every line.
std::string journal_line(const JournalEvent& e);

// Reads one line written by journal_line (or any JSON object of strings and arrays of
// strings with a "time" as journal_line writes it) into *out, reusing its strings.
// Returns false when it is not one (*out then holds part of it).
bool parse_journal_line(std::string_view line, JournalEvent* out);

// The journal file as a writer holds it: opened with the first line (created mode
// 0640), kept open, and opened anew when its name no longer leads to it (logrotate
// renamed it away: the next line starts a new file). With `reserve`, it also holds a
// descriptor in reserve from its first line on (taken again at each opening, when one
// is free), so that opening the journal anew works when the process has no descriptor
// left (its connections took them).
class JournalFile {
public:
    explicit JournalFile(bool reserve);

    // Appends `line` and a newline to the journal at `path` with one writev(2), so that
    // lines of concurrent processes and threads never interleave. A file that does not
    // end with a newline (a line torn by a full disk, ours or another process's) gets
    // one first, in the same write, so that every line stands alone. Never blocks on a
    // FIFO. Returns false with *err ("cannot append: No space left on device") when the
    // line was not written whole (its torn end is ended with a newline when the disk
    // allows). Logs nothing: the caller says when (CGI: each failure; the FastCGI
    // writer: the first after a success, and the recovery). Allocates nothing but the
    // name of a journal opened anew and the message of a failure.
    bool append(const std::string& path, std::string_view line, std::string* err);

    // Closes the journal held, with the error that close(2) reports (NFS may report a
    // failed write only then). Returns false with *err.
    bool close(std::string* err);

private:
    bool open(const std::string& path, int* error);

    UniqueFd fd_;
    std::string path_;  // what fd_ was opened as
    bool keep_reserve_;
    UniqueFd reserve_;  // /dev/null, given up to open the journal when no descriptor is left
};

// One line with a JournalFile of its own (CGI: one call a process).
bool journal_append(const std::string& path, std::string_view line, std::string* err);

}  // namespace cr
