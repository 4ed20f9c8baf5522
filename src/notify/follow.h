// The journal as --notify follows it: line by line from a place on, through logrotate's
// rename (the rest of the old file first, then the new file from its start) and
// copytruncate (a file shorter than the place is read from its start).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/fd.h"

namespace cr {

// The bytes of a journal's start kept to know it again: an inode number is used again
// once its file is gone (logrotate's compressed copy removed, a new journal made), and
// the first line's time tells the files apart.
constexpr std::size_t kHeadBytes = 32;

// Where in which file: the file's identity (st_dev, st_ino, its first bytes) and the
// offset after the last whole line read.
struct JournalPlace {
    std::uint64_t dev = 0, ino = 0, offset = 0;
    std::string head;  // up to kHeadBytes of the file's start, as far as it was read
};

class JournalFollower {
public:
    explicit JournalFollower(std::string path) : path_(std::move(path)) {}

    // Starts at `place`, or with none (the first run) at the journal's end. When the
    // journal's name leads to another file than the place's (logrotate renamed it while
    // --notify was stopped), the rest of the place's file is read from PATH.1 when that
    // is it, else the new file from its start, and *note says what was done. A journal
    // that does not exist yet is read from its start once it does. *note also says why
    // a journal that exists cannot be read.
    void start(const JournalPlace* place, std::string* note);

    // Hands the whole lines added since the last poll, at most `max_lines` of them, to
    // `on_line`, with the place after each; lines longer than `max_line` are skipped
    // (counted in *skipped). Follows a rename and a truncation. *end: it read to the
    // journal's end (no more lines now). Returns false with *err when the journal
    // cannot be opened (but for not being there yet) or read; tried again at the next
    // poll.
    bool poll(const std::function<void(std::string_view, const JournalPlace&)>& on_line, std::size_t max_line,
              std::size_t max_lines, std::size_t* skipped, bool* end, std::string* err);

    const JournalPlace& place() const { return at_; }

private:
    bool open_path(const std::string& path, JournalPlace* id, int* error);
    bool same_file(const JournalPlace& a, const JournalPlace& b) const;
    bool read_to_end(const std::function<void(std::string_view, const JournalPlace&)>& on_line, std::size_t max_line,
                     std::size_t* left, std::size_t* skipped, std::string* err);

    std::string path_;
    UniqueFd fd_;
    JournalPlace at_;
};

}  // namespace cr
