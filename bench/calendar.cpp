// The cost of a calendar (closed_ics, open_ics, [rota]): a file of 10,000 VEVENTs
// (9,000 single events spread over 2026-2028, 500 weekly series with two EXDATEs each,
// 500 overrides moving one of their occurrences), in Europe/Berlin with its VTIMEZONE,
// loaded into the window 2026-01-01 to 2029-01-01. Prints the time of libical's dlopen,
// the median load time and memory of 5 loads (each in a child process: the peak
// resident memory it added, VmHWM, and what the loaded calendar keeps), and at() and
// between() per second. Absolute figures depend on the machine.
// usage: bench-calendar
#include "time/calendar.h"

#include <sys/wait.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/civil.h"
#include "time/ical.h"
#include "time/tz.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string ical_time(std::int64_t day, int minutes) {
    std::int64_t y;
    int m, d;
    cr::civil_from_days(day, &y, &m, &d);
    return std::to_string(y) + two(m) + two(d) + "T" + two(minutes / 60) + two(minutes % 60) + "00";
}

// The file: Nextcloud's layout, 10,000 VEVENTs.
std::string make_calendar() {
    std::mt19937 rng(1);
    std::string s =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sabre//Sabre VObject 4.4.2//EN\r\nCALSCALE:GREGORIAN\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
        "TZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
    const std::int64_t first = cr::days_from_civil(2026, 1, 1);
    auto event = [&](int i, std::int64_t day, int start, int length, const std::string& extra) {
        s += "BEGIN:VEVENT\r\nUID:event-" + std::to_string(i) + "@bench\r\nDTSTAMP:20260101T000000Z\r\n";
        s += "DTSTART;TZID=Europe/Berlin:" + ical_time(day, start) + "\r\n";
        s += "DTEND;TZID=Europe/Berlin:" + ical_time(day, start + length) + "\r\n";
        s += "SUMMARY:Termin " + std::to_string(i) + "\r\nLOCATION:Raum " + std::to_string(i % 20) + "\r\n" + extra;
        s += "END:VEVENT\r\n";
    };
    for (int i = 0; i < 9000; ++i)
        event(i, first + static_cast<std::int64_t>(rng() % (3 * 365)), 8 * 60 + static_cast<int>(rng() % 20) * 30,
              30 + static_cast<int>(rng() % 4) * 30, "");
    for (int i = 9000; i < 9500; ++i) {
        std::int64_t day = first + static_cast<std::int64_t>(rng() % 365);
        int start = 8 * 60 + static_cast<int>(rng() % 16) * 30;
        std::string extra = "RRULE:FREQ=WEEKLY;UNTIL=20281231T230000Z\r\n";
        for (int k : {3, 10}) extra += "EXDATE;TZID=Europe/Berlin:" + ical_time(day + 7 * k, start) + "\r\n";
        event(i, day, start, 60, extra);
        // The override: the 6th occurrence two hours later.
        s += "BEGIN:VEVENT\r\nUID:event-" + std::to_string(i) + "@bench\r\nDTSTAMP:20260101T000000Z\r\n";
        s += "RECURRENCE-ID;TZID=Europe/Berlin:" + ical_time(day + 35, start) + "\r\n";
        s += "DTSTART;TZID=Europe/Berlin:" + ical_time(day + 35, start + 120) + "\r\n";
        s += "DTEND;TZID=Europe/Berlin:" + ical_time(day + 35, start + 180) + "\r\n";
        s += "SUMMARY:Termin " + std::to_string(i) + " (verschoben)\r\nEND:VEVENT\r\n";
    }
    return s + "END:VCALENDAR\r\n";
}

long status_kib(const char* key) {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    long v = 0;
    std::size_t n = std::strlen(key);
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, key, n) == 0) v = std::atol(line + n);
    std::fclose(f);
    return v;
}

struct Run {
    double ms;
    long peak_kib;  // VmHWM over the resident size before the load
    long kept_kib;  // the heap the loaded calendar holds
    long events;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main() {
    std::string text = make_calendar();
    cr::TimeZone tz;
    std::string err;
    bool transient = false;
    if (!tz.load("Europe/Berlin", &err, &transient)) {
        std::fprintf(stderr, "bench-calendar: %s\n", err.c_str());
        return 1;
    }
    auto t0 = Clock::now();
    if (!cr::ical_table(&err)) {
        std::fprintf(stderr, "bench-calendar: %s\n", err.c_str());
        return 1;
    }
    double dlopen_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const std::int64_t from = cr::days_from_civil(2026, 1, 1) * 86400, to = cr::days_from_civil(2029, 1, 1) * 86400;

    // Five loads of the file into [wfrom, wto), each in a child; false when one fails.
    auto measure = [&](std::int64_t wfrom, std::int64_t wto, double* med_ms, double* med_peak, double* med_kept,
                       long* occurrences) {
        std::vector<Run> runs;
        for (int r = 0; r < 5; ++r) {
            int fds[2];
            if (pipe(fds) != 0) return false;
            pid_t pid = fork();
            if (pid == 0) {
                close(fds[0]);
                long rss = status_kib("VmRSS:");
                struct mallinfo2 before = mallinfo2();
                std::size_t heap = before.uordblks + before.hblkhd;
                Run run{};
                cr::Calendar cal;
                int line = 0;
                auto a = Clock::now();
                bool ok = cal.load("bench.ics", text, tz, wfrom, wto, &line, &err);
                run.ms = std::chrono::duration<double, std::milli>(Clock::now() - a).count();
                if (!ok) std::fprintf(stderr, "bench-calendar: line %d: %s\n", line, err.c_str());
                run.peak_kib = status_kib("VmHWM:") - rss;
                struct mallinfo2 mi = mallinfo2();
                run.kept_kib = static_cast<long>((mi.uordblks + mi.hblkhd - heap) >> 10);
                run.events = ok ? static_cast<long>(cal.size()) : -1;
                ssize_t w = write(fds[1], &run, sizeof run);
                _exit(w == static_cast<ssize_t>(sizeof run) && ok ? 0 : 1);
            }
            close(fds[1]);
            Run run{};
            ssize_t got = read(fds[0], &run, sizeof run);
            close(fds[0]);
            int status = 0;
            waitpid(pid, &status, 0);
            if (got != static_cast<ssize_t>(sizeof run) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                std::fprintf(stderr, "bench-calendar: the load failed\n");
                return false;
            }
            runs.push_back(run);
        }
        std::vector<double> ms, peak, kept;
        for (const Run& r : runs) {
            ms.push_back(r.ms);
            peak.push_back(static_cast<double>(r.peak_kib));
            kept.push_back(static_cast<double>(r.kept_kib));
        }

        *med_ms = median(ms);
        *med_peak = median(peak) / 1024;
        *med_kept = median(kept) / 1024;
        *occurrences = runs[0].events;
        return true;
    };
    // The window the rules expand (rules/load_switches.cpp): 8 days back, 100 ahead.
    const std::int64_t anchor = cr::days_from_civil(2026, 12, 1) * 86400;
    double rules_ms = 0, rules_peak = 0, rules_kept = 0, year_ms = 0, year_peak = 0, year_kept = 0;
    long rules_n = 0, year_n = 0;
    if (!measure(anchor - 8 * 86400, anchor + 100 * 86400, &rules_ms, &rules_peak, &rules_kept, &rules_n) ||
        !measure(from, to, &year_ms, &year_peak, &year_kept, &year_n))
        return 1;
    cr::Calendar cal;
    int line = 0;
    cal.load("bench.ics", text, tz, from, to, &line, &err);
    std::mt19937 rng(2);
    const std::int64_t wf = cr::wall_seconds(tz.to_local(from)), span = cr::wall_seconds(tz.to_local(to)) - wf;
    std::vector<std::int64_t> asks(1 << 16);
    for (std::int64_t& t : asks) t = wf + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span));
    const int lookups = 10000000;
    long found = 0;
    auto a = Clock::now();
    for (int i = 0; i < lookups; ++i) found += cal.at(asks[static_cast<std::size_t>(i) & 0xffff]) != nullptr;
    double at_s = std::chrono::duration<double>(Clock::now() - a).count();
    const int ranges = 1000000;
    std::size_t listed = 0;
    a = Clock::now();
    for (int i = 0; i < ranges; ++i) {
        std::int64_t t = asks[static_cast<std::size_t>(i) & 0xffff];
        listed += cal.between(t, t + 86400).size();
    }
    double between_s = std::chrono::duration<double>(Clock::now() - a).count();

    std::printf(
        "calendar of 10,000 VEVENTs (%zu KiB; 500 weekly series with EXDATEs and overrides), window 3 years: "
        "%zu occurrences\n",
        text.size() >> 10, cal.size());
    std::printf("  %-44s %10.1f ms\n", "dlopen libical.so.3 (once per process)", dlopen_ms);
    std::printf("  %-44s %10.1f ms, %ld occurrences\n", "load into the rules' window (108 days), median", rules_ms,
                rules_n);
    std::printf("  %-44s %10.1f MiB\n", "  peak memory added by that load, median", rules_peak);
    std::printf("  %-44s %10.1f MiB\n", "  memory that calendar keeps", rules_kept);
    std::printf("  %-44s %10.1f ms, %ld occurrences\n", "load into 3 years, median", year_ms, year_n);
    std::printf("  %-44s %10.1f MiB\n", "  peak memory added by that load, median", year_peak);
    std::printf("  %-44s %10.1f MiB\n", "  memory that calendar keeps", year_kept);
    std::printf("  %-44s %10.1f M/s (%.0f ns each, %ld%% hit)\n", "at() lookups", lookups / at_s / 1e6,
                at_s * 1e9 / lookups, found * 100 / lookups);
    std::printf("  %-44s %10.1f M/s (%.1f events each)\n", "between() over a day", ranges / between_s / 1e6,
                static_cast<double>(listed) / ranges);
    return 0;
}
