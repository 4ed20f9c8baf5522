#include "journal/calls.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/fd.h"
#include "base/text.h"

namespace cr {

namespace {

// Appends `v` in at least `width` digits (v >= 0), without printf: the table has a
// million rows to write twice.
void digits(std::string* out, std::int64_t v, int width) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < 20);
    while (n < width) buf[n++] = '0';
    while (n > 0) *out += buf[--n];
}

// "12s", "3m04s", "1h02m05s"; "-" for an unknown length.
std::string duration(std::int64_t from, std::int64_t to) {
    if (from < 0 || to < 0 || to < from) return "-";
    std::int64_t s = to - from;
    std::string out;
    if (s >= 3600) {
        digits(&out, s / 3600, 1);
        out += 'h';
    }
    if (s >= 60) {
        digits(&out, s / 60 % 60, s >= 3600 ? 2 : 1);
        out += 'm';
    }
    digits(&out, s % 60, s >= 60 ? 2 : 1);
    out += 's';
    return out;
}

// "2026-11-27 09:59:58", local to `tz`; "-" for an unknown time.
std::string local_time(const TimeZone& tz, std::int64_t t) {
    if (t < 0) return "-";
    LocalTime l = tz.to_local(t);
    std::string out;
    out.reserve(19);
    digits(&out, l.year, 4);
    out += '-';
    digits(&out, l.month, 2);
    out += '-';
    digits(&out, l.day, 2);
    out += ' ';
    digits(&out, l.hour, 2);
    out += ':';
    digits(&out, l.minute, 2);
    out += ':';
    digits(&out, l.second, 2);
    return out;
}

// Printable for a terminal: C0 and C1 control characters (U+0080-U+009F; U+009B is a
// CSI to some terminals) and the bidirectional overrides and isolates (U+202A-U+202E,
// U+2066-U+2069) become '?', since the fields are the requester's to choose.
std::string printable(const std::string& s) {
    // Most fields hold none of those: no byte below 0x20, 0x7f, nor the first byte of one.
    if (std::none_of(s.begin(), s.end(), [](char ch) {
            auto c = static_cast<unsigned char>(ch);
            return c < 0x20 || c == 0x7f || c == 0xc2 || c == 0xe2;
        }))
        return s;
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        auto next = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
        if (c < 0x20 || c == 0x7f) {
            out += '?';
        } else if (c == 0xc2 && next(1) >= 0x80 && next(1) <= 0x9f) {
            out += '?';
            i += 1;
        } else if (c == 0xe2 && ((next(1) == 0x80 && next(2) >= 0xaa && next(2) <= 0xae) ||
                                 (next(1) == 0x81 && next(2) >= 0xa6 && next(2) <= 0xa9))) {
            out += '?';
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// The columns, and the widths they are cut to (display columns).
constexpr const char* kHead[] = {"start",   "dir",         "from", "to",   "legs", "action",
                                 "outcome", "answered by", "ring", "talk", "cause"};
constexpr std::size_t kCut[] = {19, 8, 24, 24, 40, 40, 9, 32, 10, 10, 32};
constexpr std::size_t kRing = 8, kTalk = 9;  // the durations, right-aligned

}  // namespace

std::string format_duration(std::int64_t from, std::int64_t to) { return duration(from, to); }
std::string format_local_time(const TimeZone& tz, std::int64_t t) { return local_time(tz, t); }

const char* call_outcome(const CallRow& c, std::int64_t now) {
    if (c.by_person) return "answered";
    if (c.by_voicemail) return "voicemail";
    // A forward whose leg the journal has not (yet) is not a miss: that leg is to come.
    if (!c.open && c.cause != "forwarded") return "missed";
    return c.last < now - kLostAfter ? "lost" : "open";
}

bool CallJoiner::Held::ended() const {
    if (quiet) return true;
    for (const LegState& l : legs)
        if (!l.ended) return false;
    return !legs.empty();
}

void CallJoiner::add(const JournalEvent& e) {
    static const std::string none;
    auto field = [&](const char* name) -> const std::string& {
        const std::string* v = e.field(name);
        return v ? *v : none;
    };
    const std::string& id = field("callId");
    if (id.empty()) {
        ++without_id_;
        return;
    }
    const std::string& orig = field("origCallId");
    std::string first = id;
    if (field("event") == "newCall" && !orig.empty() && orig != id)
        first = orig;
    else if (auto l = later_.find(id); l != later_.end())
        first = l->second;
    auto it = held_.find(first);
    if (it != held_.end() && id != first && it->second.legs.size() >= kMaxLegs &&
        std::none_of(it->second.legs.begin(), it->second.legs.end(),
                     [&](const LegState& l) { return l.call_id == id; })) {
        // A call of more legs than it may hold: this leg is a call of its own.
        first = id;
        it = held_.find(first);
    }
    if (it == held_.end()) {
        Held h;
        h.row.call_id = first;
        h.row.start = e.time;
        h.row.last = e.time;
        h.seq = seq_++;
        order_.emplace(key(h), first);
        it = held_.emplace(first, std::move(h)).first;
    }
    Held& h = it->second;
    LegState* leg = nullptr;
    for (LegState& l : h.legs)
        if (l.call_id == id) leg = &l;
    if (!leg) {  // room is made above: a call's own first leg is always taken
        h.legs.push_back(LegState{id});
        leg = &h.legs.back();
        if (id != first) later_.emplace(id, first);
    }
    on_event(&h, leg, id == first, e);
    // The journal's time is the event's, not the latest seen: one line stamped far ahead
    // must not end the calls around it. Calls quiet for too long are looked for now and
    // then (held calls are few).
    if (++added_ % 4096 == 0)
        for (auto& [hid, hh] : held_)
            if (hh.row.last < e.time - kQuiet) hh.quiet = true;
    release(e.time, false);
}

// Notes who answered `leg` of call `c`: the voicemail (user voicemail, or neither user
// nor number, or a voicemail leg), or a person or a number, whose names are kept up to
// kMaxAnswered bytes.
void CallJoiner::answered_by(CallRow& c, const LegState& leg, const std::string& user, const std::string& number) {
    if (leg.voicemail || lower(user) == "voicemail" || (user.empty() && number.empty())) {
        c.by_voicemail = true;
        return;
    }
    std::string who = !user.empty() && !number.empty() ? user + " (" + number + ")" : user + number;
    if (c.by_person && c.answered_by.find(who) != std::string::npos) return;
    if (c.answered_by.size() + who.size() > kMaxAnswered) {
        if (c.answered_by.size() < kMaxAnswered + 4) c.answered_by += ", \xe2\x80\xa6";  // and more
        c.by_person = true;
        return;
    }
    c.answered_by += (c.by_person ? ", " : "") + who;
    c.by_person = true;
}

// What one event of `leg` (the call's first leg when `first`) tells of the call.
void CallJoiner::on_event(Held* h, LegState* leg, bool first, const JournalEvent& e) {
    static const std::string none;
    auto field = [&](const char* name) -> const std::string& {
        const std::string* v = e.field(name);
        return v ? *v : none;
    };
    CallRow& c = h->row;
    c.last = std::max(c.last, e.time);
    const std::string& ev = field("event");
    if (ev == "newCall") {
        if (first) {
            order_.erase(key(*h));
            c.start = e.time;
            order_.emplace(key(*h), c.call_id);
        }
        if (first || c.direction.empty()) {
            c.direction = field("direction");
            c.from = field("from");
            c.to = field("to");
        }
        const std::vector<std::string>* users = e.array("users");
        leg->voicemail = field("leg") == "voicemail";
        if (users)
            for (const std::string& u : *users) leg->voicemail = leg->voicemail || lower(u) == "voicemail";
        const std::string& rule = field("rule");
        std::string label = !rule.empty() && rule != "none" ? rule
                            : leg->voicemail                ? "voicemail"
                            : users && !users->empty()      ? users->front()
                                                            : "-";
        // Labels in the order the legs were first seen (a later leg written before the
        // first leg's newCall comes first).
        std::size_t at = static_cast<std::size_t>(leg - h->legs.data());
        if (c.legs.size() <= at) c.legs.resize(at + 1);
        c.legs[at] = std::move(label);
        if (first || c.action.empty() || c.action == "none") c.action = field("action");
    } else if (ev == "dtmf") {
        // The keys of a menu: the menus walked, and the action they led to. The push
        // after an announcement adds nothing: the newCall's action names what follows.
        const std::string& keys = field("dtmf");
        const std::string& menu = field("menu");
        if (!menu.empty()) {
            if (c.path.size() < kMaxPath)
                c.path.push_back(menu + ":" + (keys.empty() ? "none" : keys));
            else if (c.path.size() == kMaxPath)
                c.path.push_back("\xe2\x80\xa6");  // and more
            if (first) c.action = field("action");
        }
    } else if (ev == "answer") {
        if (c.answered < 0) c.answered = e.time;
        answered_by(c, *leg, field("user"), field("answeringNumber"));
    } else if (ev == "hangup") {
        leg->ended = true;
        const std::string& cause = field("cause");
        // sipgate.io sometimes sends no answer push: a hangup that names who answered,
        // after a call that went through, tells it instead (the time of the answer is
        // then unknown).
        const std::string& number = field("answeringNumber");
        // A voicemail leg that ended normally was taken by the voicemail likewise.
        if ((!number.empty() || leg->voicemail) && cause == "normalClearing" && !c.by_person && !c.by_voicemail)
            answered_by(c, *leg, "", number);
        // The cause of the last hangup; a forward's ("forwarded") only when none else came.
        if (e.time >= c.ended && (cause != "forwarded" || c.cause.empty() || c.cause == "forwarded")) c.cause = cause;
        c.ended = std::max(c.ended, e.time);
    }
}

// Hands on the first calls held while they may go: ended kGrace ago (or all of them, or
// too many held).
void CallJoiner::release(std::int64_t now, bool all) {
    while (!order_.empty()) {
        auto first = order_.begin();
        auto it = held_.find(first->second);
        Held& h = it->second;
        if (!all && held_.size() <= kMaxHeld && !(h.ended() && h.row.last <= now - kGrace)) return;
        for (const LegState& l : h.legs)
            if (l.call_id != first->second) later_.erase(l.call_id);
        CallRow row = std::move(h.row);
        row.open = false;
        for (const LegState& l : h.legs) row.open = row.open || !l.ended;
        held_.erase(it);
        order_.erase(first);
        out_(std::move(row));
    }
}

void CallJoiner::finish() { release(0, true); }

bool JournalReader::open(const std::string& path, std::string* err) {
    fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    struct stat st;
    if (!fd_ || ::fstat(fd_.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        *err = !fd_ ? std::strerror(errno) : "not a regular file";
        fd_.reset();
        return false;
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
    return true;
}

bool JournalReader::read(const std::function<void(const JournalEvent&)>& on_event, JournalRead* read,
                         std::string* err) const {
    *read = JournalRead();
    std::string line;  // at most kMaxJournalLine bytes
    bool too_long = false;
    JournalEvent e;
    auto take = [&] {
        if (too_long)
            ++read->too_long;
        else if (parse_journal_line(line, &e))
            on_event(e);
        else
            ++read->skipped;
        line.clear();
        too_long = false;
    };
    char buf[65536];
    for (std::uint64_t at = 0; at < size_;) {
        ssize_t n = ::pread(fd_.get(), buf, static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, size_ - at)),
                            static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            *err = std::strerror(errno);
            return false;
        }
        if (n == 0) break;  // truncated while we read: what is there
        at += static_cast<std::uint64_t>(n);
        for (std::string_view rest(buf, static_cast<std::size_t>(n)); !rest.empty();) {
            std::size_t nl = rest.find('\n');
            std::string_view piece = rest.substr(0, nl);
            if (!too_long && line.size() + piece.size() <= kMaxJournalLine)
                line.append(piece);
            else
                too_long = true;
            if (nl == std::string_view::npos) break;
            if (!line.empty() || too_long) take();
            rest.remove_prefix(nl + 1);
        }
    }
    if (!line.empty() || too_long) take();  // a last line without its newline
    return true;
}

CallsTable::CallsTable(const TimeZone& tz, std::int64_t since, std::int64_t now) : tz_(tz), since_(since), now_(now) {
    for (std::size_t i = 0; i < kCols; ++i) width_[i] = utf8_columns(kHead[i]);
}

// The cells of a call's row, printable and cut; false for a call before `since`.
bool CallsTable::cells(const CallRow& c, std::string (&out)[kCols]) const {
    if (c.start < since_) return false;
    std::string action = c.action;
    if (!c.path.empty()) {
        std::string walk;
        for (const std::string& p : c.path) walk += (walk.empty() ? "" : " ") + p;
        action = "[" + walk + "] " + action;
    }
    std::string legs;
    for (const std::string& l : c.legs) legs += (legs.empty() ? "" : " -> ") + (l.empty() ? std::string("-") : l);
    const char* outcome = call_outcome(c, now_);
    // Answered with no answer push (known from the hangup): when is not known.
    std::int64_t rang_until = c.answered >= 0 ? c.answered : c.by_person || c.by_voicemail ? -1 : c.ended;
    const std::string raw[kCols] = {local_time(tz_, c.start),
                                    c.direction,
                                    c.from,
                                    c.to,
                                    legs,
                                    action,
                                    outcome,
                                    c.by_person      ? c.answered_by
                                    : c.by_voicemail ? "voicemail"
                                                     : "",
                                    duration(c.start, rang_until),
                                    duration(c.answered, c.answered >= 0 && !c.open ? c.ended : -1),
                                    c.cause};
    for (std::size_t i = 0; i < kCols; ++i) out[i] = utf8_cut(printable(raw[i].empty() ? "-" : raw[i]), kCut[i]);
    return true;
}

void CallsTable::measure(const CallRow& c) {
    std::string cell[kCols];
    if (!cells(c, cell)) return;
    ++rows_;
    for (std::size_t i = 0; i < kCols; ++i) width_[i] = std::max(width_[i], utf8_columns(cell[i]));
}

// One line of the table: the cells padded to the widths measured, the durations to the right.
std::string CallsTable::line(const std::string (&cell)[kCols]) const {
    std::string out;
    for (std::size_t i = 0; i < kCols; ++i) {
        bool right = i == kRing || i == kTalk;
        std::string pad(width_[i] - std::min(width_[i], utf8_columns(cell[i])), ' ');
        out += right ? pad + cell[i] : cell[i] + (i + 1 < kCols ? pad : "");
        if (i + 1 < kCols) out += "  ";
    }
    return out + "\n";
}

std::string CallsTable::head() const {
    std::string cell[kCols];
    for (std::size_t i = 0; i < kCols; ++i) cell[i] = kHead[i];
    return line(cell);
}

std::string CallsTable::row(const CallRow& c) const {
    std::string cell[kCols];
    return cells(c, cell) ? line(cell) : std::string();
}

std::string CallsTable::tail() const { return std::to_string(rows_) + (rows_ == 1 ? " call\n" : " calls\n"); }

std::vector<CallRow> join_calls(const std::vector<JournalEvent>& events) {
    std::vector<CallRow> rows;
    CallJoiner joiner([&](CallRow&& c) { rows.push_back(std::move(c)); });
    for (const JournalEvent& e : events) joiner.add(e);
    joiner.finish();
    return rows;
}

std::string calls_table(const std::vector<CallRow>& calls, const TimeZone& tz, std::int64_t since, std::int64_t now) {
    CallsTable table(tz, since, now);
    for (const CallRow& c : calls) table.measure(c);
    std::string out = table.head();
    for (const CallRow& c : calls) out += table.row(c);
    return out + table.tail();
}

}  // namespace cr
