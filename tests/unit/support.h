// What the unit tests share: a temporary directory, a rule file loaded from one.
#pragma once
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <ftw.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "base/civil.h"
#include "base/file.h"
#include "rules/decide.h"
#include "rules/load.h"
#include "rules/model.h"
#include "rules/xml.h"
#include "time/hours.h"
#include "time/tz.h"

namespace test {

// A local time as the [hours] checks see it: the date, hour and minute, and its weekday.
inline cr::LocalTime at(int y, int mo, int d, int h, int mi) {
    cr::LocalTime t{};
    t.year = y;
    t.month = mo;
    t.day = d;
    t.hour = h;
    t.minute = mi;
    t.wday = cr::weekday_from_days(cr::days_from_civil(y, mo, d));
    return t;
}

// Loads a time zone as the loader does; the cause's kind (transient or not) is not asked.
inline bool load_zone(cr::TimeZone* tz, const std::string& name, std::string* err) {
    bool transient = false;
    return tz->load(name, err, &transient);
}

// Counts the allocations through operator new while on (to prove a path makes none).
void count_allocations(bool on);
long allocations();
void reset_allocations();

struct Line {
    const char* key;
    const char* value;
};

// Builds an [hours] section from key/value lines numbered from 10 on; fails the test on error.
inline cr::Hours make(const std::string& name, std::initializer_list<Line> lines) {
    cr::Hours h(name);
    int n = 10;
    std::string err;
    for (const Line& l : lines) {
        INFO(l.key << " = " << l.value);
        REQUIRE_MESSAGE(h.add(l.key, l.value, n++, &err), err);
    }
    REQUIRE_MESSAGE(h.finish(&err), err);
    return h;
}

// Makes the n-th allocation through operator new from now on fail (1: the next one);
// 0 makes none fail. Counts are not per thread: for single-threaded code.
void fail_allocation(long n);

// The file `rel` of tests/ ("ics/google.ics", "signature/signed-body.txt"), read whole;
// the test fails when it cannot be read.
inline std::string tests_file(const std::string& rel) {
    const std::string here = __FILE__;  // tests/unit/support.h
    const std::string path = here.substr(0, here.rfind('/')) + "/../" + rel;
    std::ifstream in(path, std::ios::binary);
    INFO("cannot open ", path);
    REQUIRE(in.good());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A temporary directory, removed with all it holds when the test ends.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/callrouter-unit-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        const char* made = ::mkdtemp(buf.data());
        REQUIRE(made != nullptr);
        path_ = made;
    }
    ~TempDir() {
        ::nftw(
            path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
            FTW_DEPTH | FTW_PHYS);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

    // Writes `content` to `name` (relative to the directory, may name a subdirectory
    // made with mkdir()) and returns the full path.
    std::string write(const std::string& name, const std::string& content, mode_t mode = 0) const {
        std::string full = path_ + "/" + name;
        std::ofstream out(full, std::ios::binary);
        out << content;
        out.close();
        REQUIRE(out.good());
        if (mode) REQUIRE(::chmod(full.c_str(), mode) == 0);
        return full;
    }
    std::string mkdir(const std::string& name) const {
        std::string full = path_ + "/" + name;
        REQUIRE(::mkdir(full.c_str(), 0700) == 0);
        return full;
    }

private:
    std::string path_;
};

// The token of an onData URL, computed here with libcrypto's HMAC() on its own, as
// callrouter(8) TOKENS defines it: HMAC-SHA256(secret, callId "\n" what), its first 16
// bytes in hex.
inline std::string hmac_token(const std::string& secret, const std::string& call_id, const std::string& what) {
    std::string data = call_id + "\n" + what;
    unsigned char mac[64];
    unsigned int len = 0;
    REQUIRE(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len) != nullptr);
    std::string out;
    char hex[3];
    for (int i = 0; i < 16; ++i) {
        std::snprintf(hex, sizeof hex, "%02x", mac[i]);
        out += hex;
    }
    return out;
}

// A rule file written to a temporary directory and loaded with its answers built, as
// the server loads it (load_rule_set); it must load.
class Rules {
public:
    explicit Rules(const std::string& ini) {
        cr::xml_init();
        std::vector<std::string> errors;
        rules_ = cr::load_rule_set(dir_.write("rules.ini", ini), &errors);
        std::string all;
        for (const std::string& e : errors) all += e + "\n";
        REQUIRE_MESSAGE(rules_ != nullptr, all);
    }
    const cr::RuleSet& operator*() const { return *rules_; }
    const cr::RuleSet* operator->() const { return rules_.get(); }

private:
    TempDir dir_;
    std::shared_ptr<const cr::RuleSet> rules_;
};

// The rule file of the tests where memory runs out while loading (beside kMemoryList
// as "team.txt"): settings, a list with a list file, hours with holidays, a rule that
// dials `to`, a continuation line.
inline const char* const kMemoryList = "# the team\n4921112345\n030 1234 5678\n4940*\n";
inline const char* const kMemoryRules = R"([settings]
country_code = 49
timezone = Europe/Berlin
[list team]
file = team.txt
numbers = +49 30 999, anonymous
[hours office]
mon-fri = 09:00-17:00
closed = 2026-12-24..2026-12-26, 2026-12-31
holidays = DE-NW
[rule office]
to = @team
when = office
action = dial +49 157 99912345 $to
caller_id = 4930999
[rule rest]
from = 4930*
  4940*
action = reject busy
)";

// Loads the rule file `ini` (naming the list file `list`) with `load` (as load_rule_set
// is called) while the n-th allocation fails, for n = 1, 2, ... until it loads. Checks
// each refusal: as transient, the files tried each with a stamp, the one line "FILE:
// cannot load: out of memory" (none only when not even that line could be made); and
// that the list file read before memory ran out stays watched. Returns the rules loaded.
template <typename Load>
std::shared_ptr<const cr::RuleSet> load_as_memory_runs_out(Load load, const std::string& ini, const std::string& list) {
    long refused = 0, with_list = 0, words = 0;
    std::shared_ptr<const cr::RuleSet> c;
    for (long n = 1; n < 100000 && !c; ++n) {
        std::vector<std::string> errors;
        cr::LoadReport report;
        fail_allocation(n);
        c = load(ini, &errors, &report);
        fail_allocation(0);
        if (c) {
            CHECK(errors.empty());
            break;
        }
        ++refused;
        CHECK(report.transient);
        CHECK(report.files.size() == report.stamps.size());
        if (report.files.size() == 2 && report.files[1] == list && report.stamps[1] == cr::file_stamp(list))
            ++with_list;
        if (errors.empty()) {
            // Only the line itself and its room could not be had (made before loading).
            CHECK(n <= 3);
            CHECK(report.files.empty());
            continue;
        }
        ++words;
        std::string all;
        for (const std::string& e : errors) all += e + "\n";
        REQUIRE_MESSAGE(errors.size() == 1, all);
        CHECK(errors[0] == ini + ": cannot load: out of memory");
    }
    REQUIRE(c != nullptr);
    CHECK(refused > 50);
    CHECK(words >= refused - 3);
    CHECK(with_list > 0);  // the list file read before memory ran out stays watched
    return c;
}

}  // namespace test
