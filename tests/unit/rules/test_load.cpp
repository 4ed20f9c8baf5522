// The rule file loader: every error with its FILE:LINE, and the files that load (callrouter.ini(5)).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "rules/load.h"
#include "rules/model.h"
#include "rules/xml.h"
#include "support.h"

using cr::Number;
using cr::NumberKind;
using cr::RuleSet;
using cr::Step;

namespace {

using test::TempDir;

// One line per error, for comparing (and printing) lists of errors.
std::string lines(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += s + "\n";
    return out;
}

// The errors of loading `ini` (written as rules.ini); the rules must be refused.
std::vector<std::string> errors_of(const TempDir& dir, const std::string& ini) {
    cr::xml_init();
    std::string path = dir.write("rules.ini", ini);
    std::vector<std::string> errors;
    std::shared_ptr<const RuleSet> c = cr::load_rule_set(path, &errors);
    CHECK(c == nullptr);
    CHECK_FALSE(errors.empty());
    return errors;
}

// The single error of loading `ini`; `expected` is without the "FILE:" in front.
void one_error(const std::string& ini, const std::string& expected) {
    TempDir dir;
    std::vector<std::string> errors = errors_of(dir, ini);
    CHECK(lines(errors) == dir.path() + "/rules.ini:" + expected + "\n");
}

std::shared_ptr<const RuleSet> load_ok(const std::string& path) {
    cr::xml_init();
    std::vector<std::string> errors;
    std::shared_ptr<const RuleSet> c = cr::load_rule_set(path, &errors);
    std::string all;
    for (const std::string& e : errors) all += e + "\n";
    CHECK_MESSAGE(errors.empty(), all);
    REQUIRE_MESSAGE(c != nullptr, all);
    return c;
}

Number digits(std::string s) { return Number{NumberKind::Digits, std::move(s)}; }
Number anon() { return Number{NumberKind::Anonymous, "anonymous"}; }

const char* const kRule = "[rule last]\naction = hangup\n";

}  // namespace

TEST_CASE("config errors: national numbers need country_code") {
    // The same file with country_code loads.
    TempDir dir;
    auto c = load_ok(dir.write("rules.ini",
                               "[settings]\ncountry_code = 49\n[rule a]\nfrom = 030 123456\n"
                               "action = dial 030123457\ncaller_id = 030123458\n"));
    REQUIRE(c->rules.size() == 1);
    CHECK(c->rules[0].from->matches(digits("4930123456")));
    REQUIRE(c->rules[0].steps.size() == 1);
    CHECK(c->rules[0].steps[0].numbers == std::vector<std::string>{"4930123457"});
    CHECK(c->rules[0].caller_id == "4930123458");
}

TEST_CASE("config errors: lexical problems") {
    // inih's buffer is 200 bytes: 198 characters fit, with '\n' and '\0'.
    std::string numbers = "from = 4930000000";
    while (numbers.size() + 12 <= 198) numbers += ", 4930000000";
    numbers.resize(198, ' ');
    numbers.back() = '1';
    REQUIRE(numbers.size() == 198);
    {
        TempDir dir;
        auto c = load_ok(dir.write("rules.ini", "[rule a]\naction = hangup\n" + numbers + "\n"));
        REQUIRE(c->rules.size() == 1);
        CHECK(c->rules[0].from->matches(digits("4930000000")));
        CHECK(c->rules[0].from->matches(digits("49300000001")));
    }
    one_error("[rule a]\naction = hangup\n" + numbers + "2\n",
              "3: line longer than 198 characters; continue a list on indented lines, or use a list file");
    {
        // A comment may be as long as it likes: inih never sees it.
        TempDir dir;
        auto c = load_ok(dir.write("rules.ini", "[rule a]\n; " + std::string(5000, 'x') + "\naction = hangup\n"));
        CHECK(c->rules.size() == 1);
    }
    {
        TempDir dir;
        auto errors = errors_of(dir, "[rule a]\naction = dial 4930123456\ncaller_id = 4930123456\n  4930123457\n");
        const std::string f = dir.path() + "/rules.ini:";
        CHECK(lines(errors) == lines({f + "3: the value of 'caller_id' goes on over an indented line; only lists may",
                                      f + "3: caller_id: '4930123456\\x0a4930123457': not a number"}));
    }
}

TEST_CASE("config errors: the indented action is a continuation trap") {
    TempDir dir;
    auto errors = errors_of(dir, "[rule a]\nfrom = 4930123456,\n  4930123457\n    action = reject\n");
    CHECK(lines(errors) == lines({dir.path() + "/rules.ini:1: [rule a] has no 'action'",
                                  dir.path() + "/rules.ini:4: indented line continues the value of 'from'; remove the "
                                               "indentation to start a new key"}));
}

TEST_CASE("config: the example of callrouter.ini(5) loads") {
    TempDir dir;
    dir.write("vip.txt", "# more VIPs\n4915112345000\n");
    std::string path = dir.write("rules.ini", R"([settings]
country_code = 49           ; turns national numbers (0211 …) into 49211 …
timezone = Europe/Berlin    ; for [hours]; default: the system's
max_body = 8192             ; bytes
require_user = sipgate      ; optional: REMOTE_USER the web server must have set
log = info                  ; error | warn | info | debug

[list vip]                  ; a named set of numbers / patterns
numbers = 4915112345678, +49 170 1234567
file = vip.txt              ; one entry a line, # comments; relative to the INI file

[hours office]              ; a named weekly schedule
mon-fri = 09:00-12:00, 13:00-17:00
sat = 10:00-14:00
closed = 2026-12-24, 2026-12-31..2027-01-01
holidays = DE-NW            ; public holidays of Germany, or of one German state

[rule vip]
from = @vip
action = dial 4915799912345

[rule spam]
from = 4930123456, 4940*, anonymous
action = reject busy

[rule office]
direction = in
to = 4921112345*
when = office               ; or !office: outside those hours
action = dial 4915799912345 4915799912346
caller_id = 492111234567
anonymous = false

[rule closed]
direction = in
action = play https://example.com/closed.wav then hangup

[rule outgoing]
direction = out
action = dial $to
caller_id = 492111234567
)");
    auto c = load_ok(path);
    CHECK(c->path == path);
    CHECK(c->files == std::vector<std::string>{path, dir.path() + "/vip.txt"});
    CHECK(c->settings.country_code == "49");
    CHECK(c->settings.timezone == "Europe/Berlin");
    CHECK(c->settings.max_body == 8192);
    CHECK(c->settings.require_user == "sipgate");
    CHECK(c->settings.log == cr::LogLevel::Info);

    REQUIRE(c->lists.size() == 1);
    const cr::List* vip = c->find_list("vip");
    REQUIRE(vip != nullptr);
    CHECK(vip->line == 8);
    CHECK(vip->set.size() == 3);
    CHECK(vip->set.contains(digits("4915112345678")));
    CHECK(vip->set.contains(digits("491701234567")));
    CHECK(vip->set.contains(digits("4915112345000")));
    CHECK_FALSE(vip->set.contains(digits("4915112345679")));
    CHECK(c->find_list("spam") == nullptr);
    REQUIRE(c->hours.size() == 1);
    CHECK(c->find_hours("office") != nullptr);
    CHECK(c->find_hours("office")->name() == "office");

    REQUIRE(c->rules.size() == 5);
    const cr::Rule& vr = c->rules[0];
    CHECK(vr.name == "vip");
    CHECK(vr.line == 18);
    CHECK_FALSE(vr.has_direction);
    REQUIRE(vr.from != nullptr);
    CHECK(vr.from->text == "@vip");
    CHECK(vr.from->lists == std::vector<const cr::List*>{vip});
    CHECK(vr.from->matches(digits("491701234567")));
    CHECK_FALSE(vr.from->matches(anon()));
    CHECK(vr.to == nullptr);
    CHECK(vr.when == nullptr);
    CHECK(vr.action_text == "dial 4915799912345");
    REQUIRE(vr.steps.size() == 1);
    CHECK(vr.steps[0].kind == Step::Dial);
    CHECK(vr.steps[0].numbers == std::vector<std::string>{"4915799912345"});
    CHECK(vr.caller_id.empty());
    CHECK(vr.anonymous == -1);
    CHECK_FALSE(vr.answer.needs_to());

    const cr::Rule& sp = c->rules[1];
    CHECK(sp.name == "spam");
    REQUIRE(sp.from != nullptr);
    CHECK(sp.from->text == "4930123456, 4940*, anonymous");
    CHECK(sp.from->matches(digits("4930123456")));
    CHECK(sp.from->matches(digits("494012")));
    CHECK(sp.from->matches(anon()));
    CHECK_FALSE(sp.from->matches(digits("4930123457")));
    REQUIRE(sp.steps.size() == 1);
    CHECK(sp.steps[0].kind == Step::Reject);
    CHECK(sp.steps[0].reason == "busy");

    const cr::Rule& of = c->rules[2];
    CHECK(of.name == "office");
    CHECK(of.has_direction);
    CHECK(of.direction == cr::Direction::In);
    REQUIRE(of.to != nullptr);
    CHECK(of.to->matches(digits("492111234567")));
    CHECK(of.to->matches(digits("4921112345")));
    CHECK_FALSE(of.to->matches(digits("4921112344")));
    CHECK(of.when == c->find_hours("office"));
    CHECK_FALSE(of.when_negated);
    REQUIRE(of.steps.size() == 1);
    CHECK(of.steps[0].numbers == std::vector<std::string>{"4915799912345", "4915799912346"});
    CHECK(of.caller_id == "492111234567");
    CHECK(of.anonymous == 0);

    const cr::Rule& cl = c->rules[3];
    CHECK(cl.name == "closed");
    CHECK(cl.action_text == "play https://example.com/closed.wav then hangup");
    REQUIRE(cl.steps.size() == 2);
    CHECK(cl.steps[0].kind == Step::Play);
    CHECK(cl.steps[0].url == "https://example.com/closed.wav");
    CHECK(cl.steps[1].kind == Step::Hangup);

    const cr::Rule& out = c->rules[4];
    CHECK(out.name == "outgoing");
    CHECK(out.direction == cr::Direction::Out);
    CHECK(out.answer.needs_to());
    REQUIRE(out.steps.size() == 1);
    CHECK(out.steps[0].numbers == std::vector<std::string>{"$to"});
    CHECK(out.answer.parts.size() == 2);  // the one loader builds the XML too, split where `to` goes
}

TEST_CASE("config: continuation lines, inline comments, '!' hours") {
    TempDir dir;
    auto c = load_ok(dir.write("rules.ini",
                               "[list vip]\n"
                               "numbers = 4930123456,\n"
                               "          4940123456\n"
                               "\t+49 170 1234567 ; the boss\n"
                               "  4989*\n"
                               "[hours h]\n"
                               "mon-sun = 00:00-24:00\n"
                               "[rule a] ; first\n"
                               "from = @vip ; VIPs\n"
                               "when = ! h\n"
                               "action = reject busy ; go away\n"
                               "[rule b]\n"
                               "action = play https://example.com/a.wav?x=1;y=2\n"
                               "    then hangup\n"));
    REQUIRE(c->lists.size() == 1);
    const cr::NumberSet& s = c->lists[0]->set;
    CHECK(s.size() == 4);
    CHECK(s.contains(digits("4930123456")));
    CHECK(s.contains(digits("4940123456")));
    CHECK(s.contains(digits("491701234567")));
    CHECK(s.contains(digits("498912")));
    CHECK_FALSE(s.contains(digits("4940123457")));
    REQUIRE(c->rules.size() == 2);
    CHECK(c->rules[0].name == "a");
    CHECK(c->rules[0].from->text == "@vip");
    CHECK(c->rules[0].when_negated);
    CHECK(c->rules[0].when == c->find_hours("h"));
    CHECK(c->rules[0].action_text == "reject busy");
    REQUIRE(c->rules[0].steps.size() == 1);
    CHECK(c->rules[0].steps[0].reason == "busy");
    // A ';' inside a word is not a comment; an action may go on over an indented line.
    CHECK(c->rules[1].action_text == "play https://example.com/a.wav?x=1;y=2 then hangup");
    REQUIRE(c->rules[1].steps.size() == 2);
    CHECK(c->rules[1].steps[0].url == "https://example.com/a.wav?x=1;y=2");
    CHECK(c->rules[1].steps[1].kind == cr::Step::Hangup);
}

TEST_CASE("config: a list file is relative to the INI file's directory, with # comments") {
    TempDir dir;
    dir.mkdir("etc");
    dir.mkdir("etc/lists");
    dir.write("etc/lists/spam.txt",
              "# spam numbers, one a line\n"
              "\n"
              "4930123456   # a caller centre\n"
              "  +49 40 5555 \n"
              "4989*\n"
              "anonymous\n"
              "#4911111111\n"
              "123456e0\n"
              "0049 211 777");  // no newline at the end
    std::string abs_list = dir.write("abs.txt", "4912345\n");
    std::string path = dir.write("etc/rules.ini",
                                 "[list spam]\nfile = lists/spam.txt\n"
                                 "[list abs]\nfile = " +
                                     abs_list +
                                     "\n"
                                     "[rule spam]\nfrom = @spam, @abs\naction = reject\n");
    auto c = load_ok(path);
    CHECK(c->files == std::vector<std::string>{path, dir.path() + "/etc/lists/spam.txt", abs_list});
    const cr::List* spam = c->find_list("spam");
    REQUIRE(spam != nullptr);
    CHECK(spam->set.size() == 6);
    CHECK(spam->set.contains(digits("4930123456")));
    CHECK(spam->set.contains(digits("49405555")));
    CHECK(spam->set.contains(digits("4989123")));
    CHECK(spam->set.contains(anon()));
    CHECK(spam->set.contains(Number{NumberKind::SipId, "123456e0"}));
    CHECK(spam->set.contains(digits("49211777")));
    CHECK_FALSE(spam->set.contains(digits("4911111111")));
    REQUIRE(c->rules.size() == 1);
    CHECK(c->rules[0].from->matches(digits("4912345")));
    CHECK(c->rules[0].from->matches(digits("4930123456")));
    CHECK_FALSE(c->rules[0].from->matches(digits("4930123457")));

    // A relative path of the rule file itself: the list is found beside it.
    char cwd[4096];
    REQUIRE(::getcwd(cwd, sizeof cwd) != nullptr);
    REQUIRE(::chdir(dir.path().c_str()) == 0);
    std::vector<std::string> errors;
    auto rel = cr::load_rule_set("etc/rules.ini", &errors);
    REQUIRE(::chdir(cwd) == 0);
    CHECK(errors.empty());
    REQUIRE(rel != nullptr);
    CHECK(rel->files == std::vector<std::string>{"etc/rules.ini", "etc/lists/spam.txt", abs_list});
}

TEST_CASE("config: settings defaults, a BOM and CRLF line ends") {
    TempDir dir;
    auto c = load_ok(dir.write("rules.ini", "\xEF\xBB\xBF[rule a]\r\naction = hangup\r\n"));
    CHECK(c->settings.country_code.empty());
    CHECK(c->settings.timezone.empty());
    CHECK(c->settings.max_body == 8192);
    CHECK(c->settings.require_user.empty());
    CHECK(c->settings.log == cr::LogLevel::Info);
    REQUIRE(c->rules.size() == 1);
    CHECK(c->rules[0].action_text == "hangup");

    auto d = load_ok(dir.write("rules.ini",
                               "[settings]\ncountry_code = +1\nmax_body = 64\nlog = debug\n"
                               "[rule a]\naction = hangup\n"));
    CHECK(d->settings.country_code == "1");
    CHECK(d->settings.max_body == 64);
    CHECK(d->settings.log == cr::LogLevel::Debug);
    auto e =
        load_ok(dir.write("rules.ini", "[settings]\nmax_body = 1048576\nlog = error\n[rule a]\naction = hangup\n"));
    CHECK(e->settings.max_body == 1048576);
    CHECK(e->settings.log == cr::LogLevel::Error);
}

TEST_CASE("load_rule_set: the files read or tried, each with the stamp of the version read") {
    test::TempDir dir;
    std::string list = dir.write("team.txt", "4921112345\n");
    std::string ini = dir.write("rules.ini",
                                "[list team]\nfile = team.txt\n[list gone]\nfile = gone.txt\n"
                                "[rule a]\nfrom = @team, @gone\naction = hangup\n");
    cr::xml_init();
    std::vector<std::string> errors;
    cr::LoadReport info;
    CHECK(cr::load_rule_set(ini, &errors, &info) == nullptr);
    REQUIRE(info.files.size() == 3);
    REQUIRE(info.stamps.size() == 3);
    CHECK(info.files[0] == ini);
    CHECK(info.files[1] == list);
    CHECK(info.files[2] == dir.path() + "/gone.txt");
    CHECK(info.stamps[0] == cr::file_stamp(ini));
    CHECK(info.stamps[1] == cr::file_stamp(list));
    CHECK(info.stamps[1].exists);
    CHECK_FALSE(info.stamps[2].exists);
    CHECK_FALSE(info.transient);  // a missing file does not come back by waiting: a change brings it

    // The list file comes: its stamp differs from the one of the refused load.
    dir.write("gone.txt", "4930123456\n");
    CHECK(cr::file_stamp(dir.path() + "/gone.txt") != info.stamps[2]);
    errors.clear();
    CHECK(cr::load_rule_set(ini, &errors, &info) != nullptr);
    CHECK(info.files.size() == 3);
    CHECK(info.stamps[2] == cr::file_stamp(dir.path() + "/gone.txt"));

    // A rule file that cannot be opened: only it is named.
    errors.clear();
    CHECK(cr::load_rule_set(dir.path() + "/none.ini", &errors, &info) == nullptr);
    CHECK(info.files.size() == 1);
    CHECK(info.stamps.size() == 1);
    CHECK_FALSE(info.stamps[0].exists);
}

// Merged: load_config's and load_rules' memory tests, which now test the one loader.
TEST_CASE(
    "load_rule_set: memory running out at any allocation, building the XML too, refuses the rules in one "
    "line, as transient") {
    cr::xml_init();
    test::TempDir dir;
    std::string list = dir.write("team.txt", test::kMemoryList);
    std::string ini = dir.write("rules.ini", test::kMemoryRules);
    auto load = [](const std::string& path, std::vector<std::string>* errors, cr::LoadReport* report) {
        return cr::load_rule_set(path, errors, report);
    };
    std::shared_ptr<const RuleSet> c = test::load_as_memory_runs_out(load, ini, list);
    CHECK(c->rules.size() == 2);
    CHECK(c->tz.name() == "Europe/Berlin");
    CHECK_FALSE(c->rules[0].answer.parts.empty());  // was: the loader builds no answer; the one loader always does
    CHECK(c->rules[0].answer.parts.size() == 2);    // dial ... $to: split where `to` goes
}

// Merged: load_config_text's and load_rules_text's tests, which now test the one loader.
TEST_CASE("load_rule_set_text: the text of a rule file loads as the file would, list files beside its name") {
    cr::xml_init();
    TempDir dir;
    dir.write("team.txt", "4930123456\nbad\n");
    std::string ini = "[list team]\nfile = team.txt\n[rule r]\nfrom = @team\naction = hangup\n";
    std::string name = dir.path() + "/rules.ini";
    std::vector<std::string> from_text, from_file;
    cr::LoadReport info;
    CHECK(cr::load_rule_set_text(name, ini, &from_text, &info) == nullptr);
    CHECK(info.files == std::vector<std::string>{name, dir.path() + "/team.txt"});
    CHECK_FALSE(info.stamps[0].exists);  // no file was read for it
    CHECK(info.stamps[1] == cr::file_stamp(dir.path() + "/team.txt"));
    CHECK(cr::load_rule_set(dir.write("rules.ini", ini), &from_file) == nullptr);
    CHECK(lines(from_text) == lines(from_file));
    CHECK(lines(from_text) == dir.path() + "/team.txt:2: bad number pattern 'bad': " +
                                  from_text[0].substr(from_text[0].rfind(": ") + 2) + "\n");

    std::vector<std::string> errors;
    auto c = cr::load_rule_set_text("text.ini", "[rule r]\naction = hangup\n", &errors);
    REQUIRE(c != nullptr);
    CHECK(c->path == "text.ini");
    CHECK(c->rules[0].steps.size() == 1);
    CHECK(c->rules[0].answer.parts.size() == 1);  // was: no answer built; now the one document of `hangup`

    // A rule file given as text, its list files beside the name it is given.
    TempDir other;
    other.write("team.txt", "4930123456\n");
    errors.clear();
    auto t = cr::load_rule_set_text(other.path() + "/rules.ini",
                                    "[list team]\nfile = team.txt\n[rule r]\n"
                                    "from = @team\naction = dial $to\n",
                                    &errors);
    REQUIRE(t != nullptr);
    CHECK(t->files == std::vector<std::string>{other.path() + "/rules.ini", other.path() + "/team.txt"});
    CHECK(t->rules[0].answer.parts.size() == 2);
    errors.clear();
    CHECK(cr::load_rule_set_text("text.ini", "[rule r]\naction = ring\n", &errors) == nullptr);
    CHECK(errors == std::vector<std::string>{"text.ini:2: unknown action 'ring' (expected dial, voicemail, play, "
                                             "reject, hangup, pass, menu or switch)"});
}

TEST_CASE("file_stamp: of what is not a regular file, only existence, identity and type count") {
    test::TempDir dir;
    std::string fifo = dir.path() + "/pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    cr::FileStamp before = cr::file_stamp(fifo);
    CHECK(before.exists);
    REQUIRE(::chmod(fifo.c_str(), 0644) == 0);  // changes its ctime
    CHECK(cr::file_stamp(fifo) == before);
    std::string file = dir.write("f", "x");
    cr::FileStamp f1 = cr::file_stamp(file);
    REQUIRE(::chmod(file.c_str(), 0644) == 0);
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK(cr::file_stamp(st) == cr::file_stamp(file));
    CHECK(f1.type == cr::file_stamp(file).type);
}
