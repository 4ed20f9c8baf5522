#include "notify/mail.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/fd.h"
#include "base/text.h"

namespace cr {

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        auto byte = [&](std::size_t k) {
            return k < in.size() ? static_cast<unsigned>(static_cast<unsigned char>(in[k])) : 0u;
        };
        const unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? kB64[v & 63] : '=';
    }
    return out;
}

bool printable_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
    return true;
}

// `s` with control characters as blanks and bytes that are not UTF-8 as U+FFFD.
std::string clean_line(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_length(s, i);
        if (!n) {
            out += "\xef\xbf\xbd";
            ++i;
        } else if (n == 1 && (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7f)) {
            out += ' ';
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

// Appends "Name: value" folded at blanks so that lines stay under 78 columns where a
// word allows.
void header(std::string* out, const char* name, const std::string& value) {
    std::string line = std::string(name) + ": ";
    std::size_t col = line.size();
    std::size_t i = 0;
    while (i < value.size()) {
        std::size_t sp = value.find(' ', i + 1);
        if (sp == std::string::npos) sp = value.size();
        std::string_view word(value.data() + i, sp - i);  // with its leading blank, but the first
        if (col + word.size() > 78 && col > std::strlen(name) + 2 && word[0] == ' ') {
            line += "\n";
            col = 0;
        }
        line.append(word);
        col += word.size();
        i = sp;
    }
    *out += line + "\n";
}

}  // namespace

std::string header_words(std::string_view text) {
    std::string clean = clean_line(text);
    if (printable_ascii(clean)) return clean;
    // Encoded words of whole characters, at most 45 bytes (60 of base64) each:
    // "=?UTF-8?B?" + 60 + "?=" is 72 characters.
    std::string out;
    for (std::size_t i = 0; i < clean.size();) {
        std::size_t end = i;
        while (end < clean.size()) {
            std::size_t n = utf8_length(clean, end);
            if (end + n - i > 45) break;
            end += n;
        }
        if (!out.empty()) out += ' ';
        out += "=?UTF-8?B?" + base64(std::string_view(clean).substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

std::string format_address(const MailAddress& a) {
    if (a.name.empty()) return a.address;
    std::string name;
    if (!printable_ascii(a.name)) {
        name = header_words(a.name);
    } else {
        bool atoms = true;  // letters, digits, blanks and atext: no quotes needed
        for (char c : a.name)
            atoms = atoms && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr(" !#$%&'*+-/=?^_`{|}~", c));
        name = atoms ? a.name : "\"" + a.name + "\"";  // the loader refused '"' and '\\'
    }
    return name + " <" + a.address + ">";
}

std::string mail_date(std::int64_t t, const TimeZone& tz) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    LocalTime l = tz.to_local(t);
    int off = l.utc_offset / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", days[l.wday], l.day,
                  months[l.month - 1], l.year, l.hour, l.minute, l.second, sign, off / 60, off % 60);
    return buf;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
    std::string h = buf;
    for (char c : h)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return "localhost";
    return h;
}

std::string mail_text(const Mail& m, const TimeZone& tz) {
    std::string out;
    MailAddress from = m.from;
    if (from.address.empty()) from = MailAddress{"callrouter", "callrouter@" + host_name()};
    header(&out, "From", format_address(from));
    std::string to;
    for (const MailAddress& a : m.to) to += (to.empty() ? "" : ", ") + format_address(a);
    header(&out, "To", to);
    header(&out, "Subject", header_words(m.subject));
    header(&out, "Date", mail_date(m.date, tz));
    header(&out, "Message-ID", "<" + m.message_id + ">");
    out +=
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "Auto-Submitted: auto-generated\n"
        "\n";
    std::string_view body = m.body;
    while (!body.empty()) {
        std::size_t nl = body.find('\n');
        std::string line = clean_line(body.substr(0, nl));
        if (line.size() > 900) {  // RFC 5322 allows 998 bytes: cut at a character's end
            std::size_t end = 0;
            for (std::size_t n;
                 end < line.size() && end + (n = std::max<std::size_t>(1, utf8_length(line, end))) <= 900;)
                end += n;
            line.resize(end);
        }
        // sendmail -oi: a line of one dot is a line like any other.
        out += line + "\n";
        if (nl == std::string_view::npos) break;
        body.remove_prefix(nl + 1);
    }
    return out;
}

bool run_sendmail(const std::string& sendmail, const std::string& text, int timeout, std::string* err) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) {
        *err = std::string("cannot make a pipe: ") + std::strerror(errno);
        return false;
    }
    UniqueFd in_r(in[0]), in_w(in[1]);
    if (::pipe2(out, O_CLOEXEC) != 0) {
        *err = std::string("cannot make a pipe: ") + std::strerror(errno);
        return false;
    }
    UniqueFd out_r(out[0]), out_w(out[1]);
    // A sendmail that exits before it read the whole mail must not end this process by
    // SIGPIPE (--digest --mail does not ignore it): blocked while writing, and any one
    // raised taken away before it is unblocked.
    sigset_t pipe_set, old_mask;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    struct MaskBack {
        sigset_t set, old;
        ~MaskBack() {
            const timespec zero = {0, 0};
            while (::sigtimedwait(&set, nullptr, &zero) > 0) {
            }
            ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        }
    } mask_back{pipe_set, old_mask};
    const pid_t pid = ::fork();
    if (pid < 0) {
        *err = std::string("cannot fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        // The child: stdin from the message, stdout and stderr to the parent, signals
        // as an MTA expects them; only async-signal-safe calls until exec.
        ::dup2(in_r.get(), 0);
        ::dup2(out_w.get(), 1);
        ::dup2(out_w.get(), 2);
        ::close_range(3, ~0u, 0);  // nothing else of this process: libcurl's sockets, the journal
        ::setpgid(0, 0);           // a group of its own, all of which a timeout kills
        struct sigaction sa = {};
        sa.sa_handler = SIG_DFL;
        for (int s : {SIGPIPE, SIGTERM, SIGHUP, SIGINT, SIGCHLD}) ::sigaction(s, &sa, nullptr);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        const char* argv[] = {sendmail.c_str(), "-t", "-oi", nullptr};
        const char* envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", nullptr};
        ::execve(sendmail.c_str(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
        const char msg[] = "cannot run it: ";
        (void)!::write(2, msg, sizeof msg - 1);
        const char* e = std::strerror(errno);
        (void)!::write(2, e, std::strlen(e));
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // as the child does, whichever runs first
    in_r.reset();
    out_w.reset();
    ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
    const std::int64_t deadline = static_cast<std::int64_t>(std::time(nullptr)) + timeout;
    std::size_t sent = 0;
    std::string said;
    bool timed_out = false;
    int status = 0;
    auto read_out = [&] {
        char buf[1024];
        for (;;) {
            ssize_t got = ::read(out_r.get(), buf, sizeof buf);
            if (got > 0 && said.size() < 4096) said.append(buf, static_cast<std::size_t>(got));
            if (got > 0) continue;
            if (got == 0 || (errno != EAGAIN && errno != EINTR)) out_r.reset();
            return;
        }
    };
    // Until it exits, not until its pipes close: an MTA may leave a process behind that
    // holds them (a delivery in the background) after it took the mail. The wait runs
    // in steps from 0.1 ms to 10 ms, so that a sendmail that exits at once costs no
    // more than it takes.
    bool waited = false;
    for (unsigned spin = 0;; ++spin) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            waited = true;
            break;
        }
        if (w < 0 && errno != EINTR) break;  // ECHILD: SIGCHLD ignored, the status is gone
        if (static_cast<std::int64_t>(std::time(nullptr)) >= deadline) {
            timed_out = true;
            ::kill(-pid, SIGKILL);
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            waited = true;
            break;
        }
        const int wait_us = std::min(10000, 100 << std::min(spin, 7u));
        pollfd p[2];
        nfds_t n = 0;
        if (in_w) p[n++] = {in_w.get(), POLLOUT, 0};
        if (out_r) p[n++] = {out_r.get(), POLLIN, 0};
        if (n == 0) {
            ::usleep(static_cast<useconds_t>(wait_us));
            continue;
        }
        if (::poll(p, n, (wait_us + 999) / 1000) <= 0) continue;
        spin = 0;
        for (nfds_t i = 0; i < n; ++i) {
            if (!p[i].revents) continue;
            if (in_w && p[i].fd == in_w.get()) {
                ssize_t put = ::write(in_w.get(), text.data() + sent, text.size() - sent);
                if (put > 0) sent += static_cast<std::size_t>(put);
                if ((put < 0 && errno != EAGAIN && errno != EINTR) || sent == text.size()) in_w.reset();
            } else if (out_r && p[i].fd == out_r.get()) {
                read_out();
            }
        }
    }
    if (out_r) read_out();  // what it said before it exited, without waiting for more
    if (!waited) {
        *err = "sendmail " + sendmail + ": cannot learn how it ended: " + std::strerror(errno);
        return false;
    }
    if (timed_out) {
        *err = "sendmail " + sendmail + " timed out after " + std::to_string(timeout) + " s (killed)";
        return false;
    }
    // What it said, its lines joined ("msmtp: server message: 451 ..." comes second).
    std::string first;
    for (std::size_t i = 0; i < said.size() && first.size() < 300;) {
        std::size_t nl = std::min(said.find('\n', i), said.size());
        std::string_view line = trim(std::string_view(said).substr(i, nl - i));
        if (!line.empty()) first += (first.empty() ? "" : "; ") + std::string(line);
        i = nl + 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (sent == text.size()) return true;
        *err = "sendmail " + sendmail + " exited 0 before it read the whole mail";
        return false;
    }
    *err = "sendmail " + sendmail +
           (WIFEXITED(status) ? " exited " + std::to_string(WEXITSTATUS(status))
                              : " was killed by signal " + std::to_string(WTERMSIG(status))) +
           (first.empty() ? "" : ": " + escape(first, 300, Backslash::Hex));
    return false;
}

}  // namespace cr
