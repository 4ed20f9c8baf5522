#include "journal/journal.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "base/civil.h"
#include "base/fd.h"
#include "base/text.h"

namespace cr {

namespace {

constexpr std::size_t kMaxValue = 200;   // bytes of a value
constexpr std::size_t kMaxValues = 20;   // values of an array
constexpr std::size_t kMaxLine = 12288;  // bytes of a line: within what --calls reads (16 KiB)

// Writes `v` as a JSON string: made well-formed UTF-8 (a byte that is not becomes
// U+FFFD), cut to at most kMaxValue bytes at a character's end, '"', '\\' and control
// characters escaped. Reading it back and writing it again gives the same text.
void put_string(std::string* out, std::string_view v) {
    std::string clean;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t n = utf8_length(v, i);
        std::string_view ch = n ? v.substr(i, n) : std::string_view("\xef\xbf\xbd", 3);
        if (clean.size() + ch.size() > kMaxValue) break;
        clean.append(ch);
        i += n ? n : 1;
    }
    *out += '"';
    for (char ch : clean) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            *out += '\\';
            *out += ch;
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            *out += buf;
        } else {
            *out += ch;
        }
    }
    *out += '"';
}

// A small JSON reader for the journal's own lines: an object of strings and arrays of strings.
struct Reader {
    std::string_view s;
    std::size_t i = 0;

    void space() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    }
    bool eat(char c) {
        space();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    static void put_utf8(std::string* out, unsigned cp) {
        if (cp < 0x80) {
            *out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            *out += static_cast<char>(0xc0 | (cp >> 6));
            *out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            *out += static_cast<char>(0xe0 | (cp >> 12));
            *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            *out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }
    bool string(std::string* out) {
        out->clear();
        if (!eat('"')) return false;
        while (i < s.size()) {
            // The run of plain characters up to the next quote, backslash or control, at once.
            std::size_t run = i;
            while (run < s.size() && s[run] != '"' && s[run] != '\\' && static_cast<unsigned char>(s[run]) >= 0x20)
                ++run;
            out->append(s.data() + i, run - i);
            i = run;
            if (i >= s.size()) return false;
            char c = s[i++];
            if (c == '"') return true;
            if (c != '\\') return false;  // a control character
            if (i >= s.size()) return false;
            char e = s[i++];
            switch (e) {
            case '"':
            case '\\':
            case '/': *out += e; break;
            case 'b': *out += '\b'; break;
            case 'f': *out += '\f'; break;
            case 'n': *out += '\n'; break;
            case 'r': *out += '\r'; break;
            case 't': *out += '\t'; break;
            case 'u': {
                if (i + 4 > s.size()) return false;
                unsigned cp = 0;
                for (int k = 0; k < 4; ++k) {
                    char h = s[i++];
                    cp <<= 4;
                    if (h >= '0' && h <= '9')
                        cp |= static_cast<unsigned>(h - '0');
                    else if (h >= 'a' && h <= 'f')
                        cp |= static_cast<unsigned>(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F')
                        cp |= static_cast<unsigned>(h - 'A' + 10);
                    else
                        return false;
                }
                if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;  // the journal writes no surrogate
                put_utf8(out, cp);
                break;
            }
            default: return false;
            }
        }
        return false;
    }
};

}  // namespace

const std::string* JournalEvent::field(std::string_view name) const {
    for (const auto& f : fields)
        if (f.first == name) return &f.second;
    return nullptr;
}

const std::vector<std::string>* JournalEvent::array(std::string_view name) const {
    for (const auto& a : arrays)
        if (a.first == name) return &a.second;
    return nullptr;
}

std::string journal_line(const JournalEvent& e) {
    std::string out = "{\"time\":\"" + utc_stamp(e.time) + "\"";
    std::string piece;
    // Appends `piece` when the line stays within kMaxLine (with the closing brackets).
    auto fits = [&] { return out.size() + piece.size() + 2 <= kMaxLine; };
    for (const auto& [k, v] : e.fields) {
        piece = ",";
        put_string(&piece, k);
        piece += ':';
        put_string(&piece, v);
        if (fits()) out += piece;
    }
    for (const auto& [k, values] : e.arrays) {
        if (values.empty()) continue;
        piece = ",";
        put_string(&piece, k);
        piece += ":[";
        if (!fits()) continue;
        out += piece;
        bool first = true;
        for (std::size_t i = 0; i < values.size() && i < kMaxValues; ++i) {
            piece = first ? "" : ",";
            put_string(&piece, values[i]);
            if (!fits()) break;
            out += piece;
            first = false;
        }
        out += ']';
    }
    out += '}';
    return out;
}

bool parse_journal_line(std::string_view line, JournalEvent* out) {
    // The event's strings are reused from the last line read into it: a reader of a
    // large journal then allocates little.
    out->time = 0;
    std::size_t fields = 0, arrays = 0;
    Reader r{line};
    if (!r.eat('{')) return false;
    bool have_time = false;
    std::string key, value;
    if (!r.eat('}')) {
        do {
            if (!r.string(&key) || !r.eat(':')) return false;
            r.space();
            if (r.i < line.size() && line[r.i] == '[') {
                ++r.i;
                if (arrays == out->arrays.size()) out->arrays.emplace_back();
                auto& a = out->arrays[arrays++];
                a.first.swap(key);
                std::size_t n = 0;
                if (!r.eat(']')) {
                    do {
                        if (!r.string(&value)) return false;
                        if (n >= kMaxValues) continue;
                        if (n == a.second.size()) a.second.emplace_back();
                        a.second[n++].swap(value);
                    } while (r.eat(','));
                    if (!r.eat(']')) return false;
                }
                a.second.resize(n);
                continue;
            }
            if (key == "time") {
                if (!r.string(&value) || !parse_utc_stamp(value, &out->time)) return false;
                have_time = true;
                continue;
            }
            if (fields == out->fields.size()) out->fields.emplace_back();
            auto& f = out->fields[fields++];
            f.first.swap(key);
            if (!r.string(&f.second)) return false;
        } while (r.eat(','));
        if (!r.eat('}')) return false;
    }
    out->fields.resize(fields);
    out->arrays.resize(arrays);
    r.space();
    return have_time && r.i == line.size();
}

JournalFile::JournalFile(bool reserve) : keep_reserve_(reserve) {}

// Opens the journal at `path` (created 0640), in place of the one held. Returns false
// with *error set to the errno when it cannot.
bool JournalFile::open(const std::string& path, int* error) {
    fd_.reset();
    if (keep_reserve_ && !reserve_) reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    // Read too, for the last byte (a torn end): a journal we may only write to is
    // written all the same.
    const int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    // Twice: a rotation may rename the journal between "it exists" and the open; and
    // once more with the reserve descriptor given up, when none was left.
    for (int attempt = 0; attempt < 3 && !fd_; ++attempt) {
        fd_.reset(::open(path.c_str(), flags | O_CREAT | O_EXCL, 0640));
        if (fd_) {
            (void)::fchmod(fd_.get(), 0640);  // a new journal is 0640 whatever the umask
        } else if (errno == EEXIST) {
            fd_.reset(::open(path.c_str(), flags));
            if (!fd_ && errno == EACCES) fd_.reset(::open(path.c_str(), (flags & ~O_RDWR) | O_WRONLY));
        }
        if (fd_) break;
        if ((errno == EMFILE || errno == ENFILE) && reserve_) {
            reserve_.reset();
            continue;
        }
        if (errno != ENOENT && errno != EEXIST) break;
    }
    if (!fd_) {
        *error = errno;
        return false;
    }
    path_ = path;
    return true;
}

bool JournalFile::append(const std::string& path, std::string_view line, std::string* err) {
    int e = 0;
    struct stat named, held;
    // The file held is still the journal unless its name leads elsewhere, or nowhere.
    if (fd_ && (path != path_ || ::stat(path.c_str(), &named) != 0 || ::fstat(fd_.get(), &held) != 0 ||
                named.st_dev != held.st_dev || named.st_ino != held.st_ino))
        fd_.reset();
    if (!fd_) open(path, &e);
    // Its last byte is read and the line written under an advisory lock, which every
    // callrouter process takes, so that no other line lands in between (one half written
    // would look like a torn end). A lock not had within 20 ms is done without.
    bool locked = false;
    for (int i = 0; !e && i < 20 && !(locked = ::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0); ++i) ::usleep(1000);
    struct stat st;
    if (!e && ::fstat(fd_.get(), &st) != 0) e = errno;
    if (!e && !S_ISREG(st.st_mode)) e = EINVAL;  // a FIFO or a device is no journal
    if (!e) {
        // A torn end (no newline) is ended first, in the same write as the line.
        char last = '\n', newline = '\n';
        if (st.st_size > 0 && ::pread(fd_.get(), &last, 1, st.st_size - 1) != 1) last = '\n';
        iovec parts[3] = {
            {&newline, last == '\n' ? 0u : 1u}, {const_cast<char*>(line.data()), line.size()}, {&newline, 1}};
        const std::size_t whole = parts[0].iov_len + line.size() + 1;
        ssize_t n = ::writev(fd_.get(), parts, 3);
        if (n < 0) {
            e = errno;
        } else if (static_cast<std::size_t>(n) != whole) {
            e = ENOSPC;  // end the torn line when the disk allows, so that the next one stands alone
            if (::write(fd_.get(), "\n", 1) < 0) e = ENOSPC;
        }
    }
    if (locked) ::flock(fd_.get(), LOCK_UN);
    if (!e) return true;
    fd_.reset();  // opened anew for the next line: the disk or the file may have changed
    *err = std::string("cannot append: ") + std::strerror(e);
    return false;
}

bool JournalFile::close(std::string* err) {
    if (!fd_ || ::close(fd_.release()) == 0) return true;
    *err = std::string("cannot append: ") + std::strerror(errno);
    return false;
}

bool journal_append(const std::string& path, std::string_view line, std::string* err) {
    JournalFile file(false);
    return file.append(path, line, err) && file.close(err);
}

}  // namespace cr
