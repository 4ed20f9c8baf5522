#include "journal/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <cstdio>
#include <chrono>
#include <cstring>

#include "base/log.h"
#include "base/civil.h"

namespace cr {

namespace {

constexpr std::size_t kMaxValue = 200;

// The length of the well-formed UTF-8 sequence at s[i] (no overlong form, no
// surrogate, nothing past U+10FFFF), or 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned c = b(0);
    std::size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(k) >> 6) != 2) return 0;
    if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f) || (c == 0xf0 && b(1) < 0x90) ||
        (c == 0xf4 && b(1) > 0x8f))
        return 0;
    return n;
}

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
            char c = s[i++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c != '\\') {
                *out += c;
                continue;
            }
            if (i >= s.size()) return false;
            char e = s[i++];
            switch (e) {
            case '"': case '\\': case '/': *out += e; break;
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
                    if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
                    else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
                    else return false;
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

std::atomic<bool> g_failing{false};

// The writer thread's queue (journal_post): lines with their journal's path.
constexpr std::size_t kMaxWaiting = 10000;
std::mutex g_mutex;
std::condition_variable g_wake, g_done;
std::deque<std::pair<std::string, std::string>> g_queue;
bool g_writer = false, g_writing = false, g_dropping = false, g_quit = false;
std::thread g_thread;  // joined by journal_stop: no thread may outlive the globals above

void writer_loop() {
    std::unique_lock<std::mutex> lock(g_mutex);
    for (;;) {
        g_wake.wait(lock, [] { return !g_queue.empty() || g_quit; });
        if (g_queue.empty()) return;  // told to quit, and nothing left
        std::pair<std::string, std::string> item = std::move(g_queue.front());
        g_queue.pop_front();
        g_writing = true;
        lock.unlock();
        journal_append(item.first, item.second);
        lock.lock();
        g_writing = false;
        if (g_queue.empty()) g_done.notify_all();
    }
}

}  // namespace

const std::string* JournalEvent::field(std::string_view name) const {
    for (const auto& f : fields)
        if (f.first == name) return &f.second;
    return nullptr;
}

std::string journal_line(const JournalEvent& e) {
    std::string out = "{\"time\":\"" + utc_stamp(e.time) + "\"";
    for (const auto& [k, v] : e.fields) {
        out += ',';
        put_string(&out, k);
        out += ':';
        put_string(&out, v);
    }
    if (!e.users.empty()) {
        out += ",\"users\":[";
        for (std::size_t i = 0; i < e.users.size() && i < 20; ++i) {
            if (i) out += ',';
            put_string(&out, e.users[i]);
        }
        out += ']';
    }
    out += '}';
    return out;
}

bool parse_journal_line(std::string_view line, JournalEvent* out) {
    *out = JournalEvent();
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
                std::vector<std::string> list;
                if (!r.eat(']')) {
                    do {
                        if (!r.string(&value)) return false;
                        list.push_back(value);
                    } while (r.eat(','));
                    if (!r.eat(']')) return false;
                }
                if (key == "users") out->users = std::move(list);
                continue;
            }
            if (!r.string(&value)) return false;
            if (key == "time") {
                if (!parse_utc_stamp(value, &out->time)) return false;
                have_time = true;
            } else {
                out->fields.emplace_back(key, value);
            }
        } while (r.eat(','));
        if (!r.eat('}')) return false;
    }
    r.space();
    return have_time && r.i == line.size();
}

void journal_post(const std::string& path, std::string_view line) {
    bool dropped = false;
    try {
        std::lock_guard<std::mutex> lock(g_mutex);
        if (!g_writer) {
            g_thread = std::thread(writer_loop);  // joined by journal_stop
            g_writer = true;
        }
        if (g_queue.size() >= kMaxWaiting) {
            dropped = !g_dropping;
            g_dropping = true;
        } else {
            g_queue.emplace_back(path, std::string(line));
            g_dropping = false;
            g_wake.notify_one();
        }
    } catch (...) {
        dropped = true;  // no memory or no thread: the call is answered all the same
    }
    if (dropped)
        log_line(LogLevel::Error, "journal " + log_text(path) + ": " + std::to_string(kMaxWaiting) +
                                      " lines wait to be written; lines are dropped until they are");
}

bool journal_stop() {
    std::unique_lock<std::mutex> lock(g_mutex);
    if (!g_writer) return true;
    bool drained = g_done.wait_for(lock, std::chrono::seconds(10), [] { return g_queue.empty() && !g_writing; });
    g_quit = true;
    g_queue.clear();  // what 10 s did not write (a hung disk) is given up
    g_wake.notify_all();
    if (!drained && g_writing) return false;  // stuck in write(2): cannot be joined
    lock.unlock();
    g_thread.join();
    g_writer = false;
    return true;
}

bool journal_append(const std::string& path, std::string_view line) {
    std::string buf;
    int fd = -1, err = 0;
    try {
        buf.reserve(line.size() + 1);
        buf.append(line);
        buf += '\n';
        const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
        // Twice: a rotation may rename the journal between "it exists" and the open.
        for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
            fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL, 0640);
            if (fd >= 0)
                (void)::fchmod(fd, 0640);  // a new journal is 0640 whatever the umask
            else if (errno == EEXIST)
                fd = ::open(path.c_str(), flags);
            if (fd < 0 && errno != ENOENT) break;
        }
        if (fd < 0) {
            err = errno;
        } else {
            struct stat st;
            ssize_t n = -1;
            if (::fstat(fd, &st) != 0)
                err = errno;
            else if (!S_ISREG(st.st_mode))
                err = EINVAL;  // a FIFO or a device is no journal
            else if ((n = ::write(fd, buf.data(), buf.size())) < 0)
                err = errno;
            else if (static_cast<std::size_t>(n) != buf.size()) {
                err = ENOSPC;  // end the torn line, so that the next one stands alone
                if (::write(fd, "\n", 1) < 0) err = ENOSPC;
            }
            if (::close(fd) != 0 && !err) err = errno;
        }
    } catch (...) {
        err = ENOMEM;
    }
    if (err) {
        if (!g_failing.exchange(true))
            log_line(LogLevel::Error, "journal " + log_text(path) + ": cannot append: " + std::strerror(err) +
                                          "; calls are answered but not recorded (said once, until it works again)");
        return false;
    }
    if (g_failing.exchange(false)) log_line(LogLevel::Info, "journal " + log_text(path) + ": appending again");
    return true;
}

}  // namespace cr
