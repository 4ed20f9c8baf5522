#include "base/log.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <new>

#include "base/civil.h"
#include "base/file.h"
#include "base/text.h"
#include "base/writer_thread.h"

namespace cr {

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};

// The LogThread's writer while one lives (log_line hands it the lines). It lives on the
// heap and is never freed: a detached thread may still log while the process exits.
std::shared_ptr<WriterThread>& writer() {
    static auto* slot = new std::shared_ptr<WriterThread>();
    return *slot;
}

// The lines dropped since one was last written or queued.
std::atomic<unsigned long> g_dropped{0};

// How a line may be written at once, without waiting, while a LogThread lives: to a
// pipe through a non-blocking descriptor of its own (opened anew from /proc: the flag
// is then ours alone), to a socket with MSG_DONTWAIT, to a file as it is; to a terminal
// never (the thread writes every line).
enum class Direct { Never, Pipe, Socket, File };
std::atomic<Direct> g_direct{Direct::Never};
std::atomic<int> g_pipe{-1};  // the non-blocking descriptor of the pipe
std::mutex g_writing;         // who writes to standard error now: the thread, or a log_line

// A line written at once is at most this long: a pipe takes PIPE_BUF bytes whole or not at all.
constexpr std::size_t kDirectLine = 4096;

const char* level_name(LogLevel l) {
    switch (l) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warn";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
    }
    return "?";
}

// "TIME callrouter[PID]: LEVEL: ".
std::string head(LogLevel level) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s callrouter[%ld]: %s: ", utc_stamp(std::time(nullptr)).c_str(),
                  static_cast<long>(getpid()), level_name(level));
    return buf;
}

// Writes the whole line to standard error, or as much as it takes: nowhere to log to
// must never fail the caller.
void write_stderr(const std::string& line) { write_fully(2, line); }

// Writes `line` without waiting, as g_direct says. Returns how much was written (all, or
// for a socket a part; none when it would have to wait), or -1 when it cannot be written
// this way at all.
long write_now(const std::string& line) {
    for (;;) {
        ssize_t n = -1;
        switch (g_direct.load()) {
        case Direct::Never: return -1;
        case Direct::Pipe: n = ::write(g_pipe.load(), line.data(), line.size()); break;
        case Direct::Socket: n = ::send(2, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL); break;
        case Direct::File: n = ::write(2, line.data(), line.size()); break;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        return n;
    }
}

// The line preceded, when lines were dropped, by the line that says how many: so the
// count stands where the lines are missing.
std::string with_dropped(std::string line, unsigned long* taken) {
    *taken = g_dropped.exchange(0);
    if (*taken)
        line =
            head(LogLevel::Warn) + std::to_string(*taken) + " log lines dropped: standard error was not read\n" + line;
    return line;
}

}  // namespace

void log_set_level(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

void log_line(LogLevel level, std::string_view message) {
    if (static_cast<int>(level) > g_level.load()) return;
    std::string line = head(level);
    line.append(message);
    line += '\n';
    unsigned long dropped = 0;
    std::shared_ptr<WriterThread> t = std::atomic_load(&writer());
    if (!t) {
        write_stderr(with_dropped(std::move(line), &dropped));
        return;
    }
    line = with_dropped(std::move(line), &dropped);
    {
        // At once when nothing waits before it and standard error takes it without
        // waiting: the lines keep their order and come when they happen. What it does not
        // take goes to the thread.
        std::unique_lock<std::mutex> lock(g_writing, std::try_to_lock);
        if (lock && line.size() <= kDirectLine && t->idle()) {
            long n = write_now(line);
            if (n == static_cast<long>(line.size())) return;
            if (n > 0) line.erase(0, static_cast<std::size_t>(n));  // the rest, next in the queue
        }
    }
    if (t->post({}, line) != WriterThread::Posted::Queued) g_dropped.fetch_add(dropped + 1);
}

LogThread::LogThread() {
    auto t = std::make_shared<WriterThread>(
        [](const WriterThread::Item& item) {
            std::lock_guard<std::mutex> lock(g_writing);  // may wait long: log_line then posts
            write_stderr(item.text);
        },
        kMaxLines, std::size_t{1} << 20);
    struct stat st;
    Direct direct = Direct::Never;
    if (::fstat(2, &st) == 0 && S_ISFIFO(st.st_mode)) {
        int fd = ::open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            g_pipe = fd;
            direct = Direct::Pipe;
        }
    } else if (::fstat(2, &st) == 0) {
        direct = S_ISSOCK(st.st_mode) ? Direct::Socket : S_ISREG(st.st_mode) ? Direct::File : Direct::Never;
    }
    g_direct = direct;
    std::atomic_store(&writer(), t);
}

void LogThread::stop(std::chrono::steady_clock::time_point deadline) {
    std::shared_ptr<WriterThread> t = std::atomic_exchange(&writer(), std::shared_ptr<WriterThread>());
    if (!t) return;
    if (std::size_t lost = t->stop(deadline)) g_dropped.fetch_add(lost);  // said by the next line, if one comes
    std::lock_guard<std::mutex> lock(g_writing);
    g_direct = Direct::Never;
    if (int fd = g_pipe.exchange(-1); fd >= 0) ::close(fd);
}

std::string log_text(std::string_view v) { return escape(v, 1000, Backslash::Doubled); }

std::string log_value(std::string_view v) {
    constexpr std::size_t kMax = 200;
    std::string out = log_text(v.substr(0, kMax));
    if (v.size() > kMax) out += "...";
    if (!v.empty() && out.find_first_of(" =\"") == std::string::npos) return out;
    std::string q = "\"";
    for (char c : out) {
        if (c == '"') q += '\\';
        q += c;
    }
    return q + "\"";
}

}  // namespace cr
