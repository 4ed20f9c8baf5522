#include "time/tz.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "base/civil.h"
#include "base/file.h"

namespace cr {

namespace {

constexpr std::int64_t kDay = 86400;
// Instants beyond this (about 34,000 years) are clamped, so that every year fits an int.
constexpr std::int64_t kMaxInstant = std::int64_t{1} << 40;
constexpr std::size_t kMaxTzifBytes = 1 << 20;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::int64_t be64(const unsigned char* p) {
    std::uint64_t v = (std::uint64_t{be32(p)} << 32) | be32(p + 4);
    return static_cast<std::int64_t>(v);
}

// Reads a whole regular file of at most kMaxTzifBytes (base/file.h). Returns false with errno
// set (ENOENT, EISDIR, EFBIG, ...) on failure.
bool read_file(const std::string& path, std::string* out) {
    errno = cr::read_file(path, kMaxTzifBytes, out).error;
    return errno == 0;
}

// An IANA name is relative, made of [A-Za-z0-9._+-] components, none "." or "..": it can
// never leave the zone directory.
bool valid_zone_name(const std::string& name) {
    if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find('/', start);
        if (end == std::string::npos) end = name.size();
        std::string part = name.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        for (char c : part) {
            bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || c == '+' || c == '.';
            if (!ok) return false;
        }
        start = end + 1;
    }
    return true;
}

// Parses [+-]hh[:mm[:ss]] at *p with hours up to max_hours; returns seconds (signed).
bool parse_hms(const char** p, int max_hours, int* out) {
    const char* s = *p;
    int sign = 1;
    if (*s == '+' || *s == '-') {
        if (*s == '-') sign = -1;
        ++s;
    }
    auto number = [&s](int max, int* v) {
        if (*s < '0' || *s > '9') return false;
        int n = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            n = n * 10 + (*s - '0');
            ++s;
            if (++digits > 3 || n > max) return false;
        }
        *v = n;
        return true;
    };
    int h = 0, m = 0, sec = 0;
    if (!number(max_hours, &h)) return false;
    if (*s == ':') {
        ++s;
        if (!number(59, &m)) return false;
        if (*s == ':') {
            ++s;
            if (!number(59, &sec)) return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *p = s;
    return true;
}

// Zone abbreviation: <...> or at least three letters.
bool parse_tz_name(const char** p) {
    const char* s = *p;
    if (*s == '<') {
        ++s;
        const char* begin = s;
        while (*s && *s != '>') ++s;
        if (*s != '>' || s - begin < 3) return false;
        *p = s + 1;
        return true;
    }
    const char* begin = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) ++s;
    if (s - begin < 3) return false;
    *p = s;
    return true;
}

bool parse_rule_date(const char** p, TzRuleDate* r) {
    const char* s = *p;
    auto number = [&s](int lo, int hi, int* v) {
        if (*s < '0' || *s > '9') return false;
        int n = 0;
        while (*s >= '0' && *s <= '9') {
            n = n * 10 + (*s - '0');
            ++s;
            if (n > hi) return false;
        }
        if (n < lo) return false;
        *v = n;
        return true;
    };
    if (*s == 'J') {
        ++s;
        r->kind = 'J';
        if (!number(1, 365, &r->day)) return false;
    } else if (*s == 'M') {
        ++s;
        r->kind = 'M';
        if (!number(1, 12, &r->month) || *s++ != '.') return false;
        if (!number(1, 5, &r->week) || *s++ != '.') return false;
        if (!number(0, 6, &r->day)) return false;
    } else {
        r->kind = 'N';
        if (!number(0, 365, &r->day)) return false;
    }
    r->time = 7200;
    if (*s == '/') {
        ++s;
        if (!parse_hms(&s, 167, &r->time)) return false;
    }
    *p = s;
    return true;
}

// Seconds from 1970-01-01 00:00 (as if UTC) to the local time when `r` happens in year y.
std::int64_t rule_local_seconds(const TzRuleDate& r, std::int64_t y) {
    std::int64_t day = 0;
    if (r.kind == 'J') {
        int doy = r.day - 1;
        if (is_leap_year(y) && r.day >= 60) ++doy;
        day = days_from_civil(y, 1, 1) + doy;
    } else if (r.kind == 'N') {
        day = days_from_civil(y, 1, 1) + r.day;
    } else {
        std::int64_t first = days_from_civil(y, r.month, 1);
        int delta = (r.day - weekday_from_days(first) + 7) % 7;
        day = first + delta + (r.week - 1) * 7;
        std::int64_t last = first + days_in_month(y, r.month) - 1;
        while (day > last) day -= 7;
    }
    return day * kDay + r.time;
}

}  // namespace

bool parse_posix_tz(const std::string& text, PosixTz* out) {
    PosixTz tz;
    const char* s = text.c_str();
    if (text.size() != std::strlen(s)) return false;
    int west = 0;
    if (!parse_tz_name(&s) || !parse_hms(&s, 24, &west)) return false;
    tz.std_offset = -west;
    if (*s == '\0') {
        *out = tz;
        return true;
    }
    if (!parse_tz_name(&s)) return false;
    tz.has_dst = true;
    tz.dst_offset = tz.std_offset + 3600;
    if (*s != ',' && *s != '\0') {
        if (!parse_hms(&s, 24, &west)) return false;
        tz.dst_offset = -west;
    }
    if (*s == '\0') {
        // No rule given: POSIX leaves it to the implementation; glibc uses the US rule.
        tz.start = TzRuleDate{'M', 0, 3, 2, 7200};
        tz.end = TzRuleDate{'M', 0, 11, 1, 7200};
    } else {
        if (*s++ != ',' || !parse_rule_date(&s, &tz.start)) return false;
        if (*s++ != ',' || !parse_rule_date(&s, &tz.end)) return false;
        if (*s != '\0') return false;
    }
    *out = tz;
    return true;
}

TimeZone::TimeZone() : name_("UTC"), types_{Type{0, false}} {}

const std::string& TimeZone::name() const { return name_; }

bool TimeZone::load_tzif(const std::string& bytes, const std::string& label, std::string* err) {
    auto fail = [&](const char* what) {
        *err = "time zone '" + label + "': " + what;
        return false;
    };
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t size = bytes.size();
    if (size < 44 || std::memcmp(data, "TZif", 4) != 0) return fail("not a TZif file");
    const unsigned char version = data[4];
    struct Counts {
        std::uint32_t isut, isstd, leap, time, type, chars;
    };
    auto counts_at = [&](std::size_t off) {
        const unsigned char* h = data + off + 20;
        return Counts{be32(h), be32(h + 4), be32(h + 8), be32(h + 12), be32(h + 16), be32(h + 20)};
    };
    auto block_size = [](const Counts& c, std::size_t time_size) {
        return std::uint64_t{c.time} * time_size + c.time + std::uint64_t{c.type} * 6 + c.chars +
               std::uint64_t{c.leap} * (time_size + 4) + c.isstd + c.isut;
    };
    Counts c = counts_at(0);
    std::size_t off = 44;
    std::size_t time_size = 4;
    if (version >= '2') {
        const std::uint64_t v1 = block_size(c, 4);
        if (v1 > size - 44 || size - 44 - v1 < 44) return fail("truncated TZif file");
        off = 44 + static_cast<std::size_t>(v1);
        if (std::memcmp(data + off, "TZif", 4) != 0) return fail("bad second TZif header");
        c = counts_at(off);
        off += 44;
        time_size = 8;
    } else if (version != 0) {
        return fail("unknown TZif version");
    }
    if (c.type == 0 || c.type > 256) return fail("bad TZif type count");
    if (c.leap != 0) return fail("zones counting leap seconds (right/...) are not supported");
    const std::uint64_t need = block_size(c, time_size);
    if (need > size - off) return fail("truncated TZif file");

    std::vector<std::int64_t> times(c.time);
    std::vector<std::uint8_t> indexes(c.time);
    std::vector<Type> types(c.type);
    const unsigned char* p = data + off;
    for (std::uint32_t i = 0; i < c.time; ++i, p += time_size) {
        times[i] = time_size == 8 ? be64(p) : static_cast<std::int32_t>(be32(p));
        if (i > 0 && times[i] <= times[i - 1]) return fail("TZif transitions out of order");
    }
    for (std::uint32_t i = 0; i < c.time; ++i, ++p) {
        if (*p >= c.type) return fail("bad TZif type index");
        indexes[i] = *p;
    }
    for (std::uint32_t i = 0; i < c.type; ++i, p += 6) {
        const auto utoff = static_cast<std::int32_t>(be32(p));
        if (utoff <= -89999 || utoff >= 93599) return fail("bad TZif UTC offset");
        types[i] = Type{utoff, p[4] != 0};
    }
    p += c.chars + std::uint64_t{c.leap} * (time_size + 4) + c.isstd + c.isut;

    bool has_footer = false;
    PosixTz footer;
    if (version >= '2') {
        const std::size_t rest = size - static_cast<std::size_t>(p - data);
        if (rest < 2 || p[0] != '\n') return fail("missing TZif footer");
        const auto* nl = static_cast<const unsigned char*>(std::memchr(p + 1, '\n', rest - 1));
        if (nl == nullptr) return fail("unterminated TZif footer");
        std::string text(reinterpret_cast<const char*>(p + 1), static_cast<std::size_t>(nl - p - 1));
        if (!text.empty()) {
            if (!parse_posix_tz(text, &footer)) return fail("bad TZ string in TZif footer");
            has_footer = true;
        }
    }
    name_ = label;
    times_ = std::move(times);
    indexes_ = std::move(indexes);
    types_ = std::move(types);
    has_footer_ = has_footer;
    footer_ = footer;
    return true;
}

bool TimeZone::load(const std::string& name, std::string* err, bool* transient) {
    *transient = false;
    std::string bytes;
    if (name.empty()) {
        const char* path = "/etc/localtime";
        if (!read_file(path, &bytes)) {
            *transient = is_transient(errno);
            if (errno != ENOENT) {
                *err = std::string("cannot read ") + path + ": " + std::strerror(errno);
                return false;
            }
            *this = TimeZone();
            name_ = "system (UTC)";
            return true;
        }
        std::string label = "system (/etc/localtime)";
        char link[PATH_MAX];
        ssize_t n = ::readlink(path, link, sizeof link - 1);
        if (n > 0) {
            std::string target(link, static_cast<std::size_t>(n));
            std::size_t at = target.find("zoneinfo/");
            if (at != std::string::npos) label = "system (" + target.substr(at + 9) + ")";
        }
        return load_tzif(bytes, label, err);
    }
    if (!valid_zone_name(name)) {
        *err = "unknown time zone '" + name + "' (not an IANA name like Europe/Berlin)";
        return false;
    }
    const char* env = std::getenv("TZDIR");
    std::string dir = env && *env ? env : "/usr/share/zoneinfo";
    std::string path = dir + "/" + name;
    if (!read_file(path, &bytes)) {
        *transient = is_transient(errno);
        if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR || errno == EINVAL) {
            if (name == "UTC" || name == "Etc/UTC") {
                *this = TimeZone();
                return true;
            }
            *err = "unknown time zone '" + name + "' (no such zone in " + dir + ")";
        } else {
            *err = "time zone '" + name + "': cannot read " + path + ": " + std::strerror(errno);
        }
        return false;
    }
    return load_tzif(bytes, name, err);
}

int TimeZone::footer_offset(std::int64_t t) const {
    const PosixTz& z = footer_;
    if (!z.has_dst) return z.std_offset;
    std::int64_t y = 0;
    int m = 0, d = 0;
    civil_from_days(floor_div(t + z.std_offset, kDay), &y, &m, &d);
    const std::int64_t start = rule_local_seconds(z.start, y) - z.std_offset;
    const std::int64_t end = rule_local_seconds(z.end, y) - z.dst_offset;
    const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? z.dst_offset : z.std_offset;
}

int TimeZone::offset_at(std::int64_t t) const {
    t = std::clamp(t, -kMaxInstant, kMaxInstant);
    if (times_.empty() || t >= times_.back()) {
        if (has_footer_) return footer_offset(t);
        return types_[times_.empty() ? 0 : indexes_.back()].offset;
    }
    if (t < times_.front()) return types_[0].offset;
    auto it = std::upper_bound(times_.begin(), times_.end(), t);
    return types_[indexes_[static_cast<std::size_t>(it - times_.begin() - 1)]].offset;
}

LocalTime TimeZone::to_local(std::int64_t t) const {
    t = std::clamp(t, -kMaxInstant, kMaxInstant);
    LocalTime lt{};
    lt.utc_offset = offset_at(t);
    const std::int64_t local = t + lt.utc_offset;
    const std::int64_t days = floor_div(local, kDay);
    const auto secs = static_cast<int>(local - days * kDay);
    std::int64_t y = 0;
    civil_from_days(days, &y, &lt.month, &lt.day);
    lt.year = static_cast<int>(y);
    lt.hour = secs / 3600;
    lt.minute = secs / 60 % 60;
    lt.second = secs % 60;
    lt.wday = weekday_from_days(days);
    return lt;
}

// Tries the offsets in force a day before and a day after the wall time (no zone moves
// twice within a day): an offset fits when the instant it gives has that very offset.
std::int64_t TimeZone::from_local(int year, int month, int day, int hour, int minute) const {
    const std::int64_t local = days_from_civil(year, month, day) * kDay + hour * 3600 + minute * 60;
    const int before = offset_at(local - kDay);
    const int after = offset_at(local + kDay);
    const std::int64_t t1 = local - before;
    const std::int64_t t2 = local - after;
    const bool ok1 = offset_at(t1) == before;
    const bool ok2 = offset_at(t2) == after;
    if (ok1 && ok2) return std::min(t1, t2);  // fold: the earlier instant
    if (ok1) return t1;
    if (ok2) return t2;
    return t1;  // gap: read with the offset before it, i.e. moved forward by the gap
}

}  // namespace cr
