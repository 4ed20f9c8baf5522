// The switches' state file (callrouter.ini(5), [switch NAME]; callrouter(8), SWITCHES):
// which switch was set on or off, when, by whom and until when. One small text file,
// `state = FILE` in [settings] (by default `switches` beside the journal), written
// only by rename under a lock (FILE.lock), so that readers never see half of it and
// several processes switching at once lose no change:
//
//   # callrouter switches: written by callrouter --switch and by calls; see callrouter(8)
//   closed on at=1765206000 until=1765263600 by=call 7f3a91c2 from 4921112345
//
// A switch the file does not name is at its default. So is every switch when the file
// cannot be read or is broken: the caller logs that once.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cr {

struct SwitchEntry {
    std::string name;
    bool on = false;
    std::int64_t at = 0;     // UTC seconds it was set
    std::int64_t until = 0;  // UTC seconds it ends (back to the default); 0: none
    std::string by;          // who set it: "call ID from NUMBER", "callrouter --switch (root)"
};

struct SwitchStates {
    std::vector<SwitchEntry> entries;  // in file order, each name once
    const SwitchEntry* find(const std::string& name) const;
};

// Whether a switch whose default is `default_on` is on at `t`: its entry's value from
// its `at` to its `until`, else the default. `entry` may be null.
bool switch_on(const SwitchEntry* entry, bool default_on, std::int64_t t);

// The bounds of the file: 256 entries of the longest (a name of 64, two times, a `by`
// of 200 bytes) fit in it.
constexpr std::size_t kMaxSwitches = 256;
constexpr std::size_t kMaxSwitchFile = 128u << 10;

// Parses the text of a state file. Returns false with *err ("line N: why") when a
// line is not of the form above; *out is then unchanged.
bool parse_switch_states(std::string_view text, SwitchStates* out, std::string* err);

// The text of a state file for `s`.
std::string format_switch_states(const SwitchStates& s);

// Reads the state file `path`: a file that does not exist is no entry. Returns false
// with *err when it cannot be read (*unreadable, when given, set) or is broken (a line
// not of the form above, or too large: *unreadable false).
bool read_switch_states(const std::string& path, SwitchStates* out, std::string* err, bool* unreadable = nullptr);

// One change a call or the command line makes.
struct SwitchChange {
    std::string name;
    enum Op { On, Off, Toggle } op = On;
    bool default_on = false;  // for Toggle: the state it is in without an entry
    std::int64_t until = 0;   // UTC seconds, 0: none
    std::string by;
};

// Applies `changes` at `now` to the state file `path`: takes FILE.lock (flock, trying
// for at most `wait_ms`), reads the file, applies, and replaces it (base/file.h,
// replace_file; mode 0640). A broken file is started afresh, which *err_broken says,
// when given; one that cannot be read is not (its other switches would be lost). When
// run as root, the file and its lock are given to the owner of their folder (the
// service's user), so that the service can go on writing them. *after, when given,
// gets the states written. Returns false with *err; the file is then as it was.
bool change_switch_states(const std::string& path, const std::vector<SwitchChange>& changes, std::int64_t now,
                          SwitchStates* after, std::string* err, std::string* err_broken = nullptr, int wait_ms = 5000);

// What sets the switches a call's action names (webhook/answer.h): given the changes
// and the time, returns false with *err when they are not set. A function, not a
// class with virtual members: it is made for every request, and a process out of
// descriptors must not trip -fsanitize=vptr, whose check needs one.
using SwitchWriter = std::function<bool(const std::vector<SwitchChange>& changes, std::int64_t now, std::string* err)>;

// The writer of a process that answers calls: the state file `path`, its lock waited
// for at most `wait_ms` (a FastCGI event loop must not wait long); a change not set
// (error) and a broken file written afresh (warn) are logged. It refers to `path`,
// which must outlive it (the rules' setting): made for every request, it allocates
// nothing.
SwitchWriter state_file_writer(const std::string& path, int wait_ms);

}  // namespace cr
