// Mail as --notify writes it (notify/mail.h): headers, encoded words, folding, the
// date; and sendmail run as a child with a bound on its time.
#include <fcntl.h>

#include <chrono>
#include <fstream>

#include "notify/mail.h"
#include "support.h"

TEST_CASE("mail: encoded words for what is not ASCII, whole characters in each") {
    CHECK(cr::header_words("Missed call from 0211") == "Missed call from 0211");
    CHECK(cr::header_words("J\xc3\xbcrgen") == "=?UTF-8?B?SsO8cmdlbg==?=");
    CHECK(cr::header_words("a\r\nBcc: x") == "a  Bcc: x");  // no header can be injected
    // 100 two-byte characters: words of at most 45 bytes (22 characters), each under 76 columns.
    std::string long_name;
    for (int i = 0; i < 100; ++i) long_name += "\xc3\xa4";
    std::string w = cr::header_words(long_name);
    std::size_t words = 0;
    for (std::size_t i = 0; i < w.size();) {
        std::size_t sp = std::min(w.find(' ', i), w.size());
        CHECK(sp - i <= 75);
        CHECK(w.compare(i, 10, "=?UTF-8?B?") == 0);
        ++words;
        i = sp + 1;
    }
    CHECK(words == 5);
}

TEST_CASE("mail: addresses, the date, the whole message") {
    CHECK(cr::format_address({"", "a@example.com"}) == "a@example.com");
    CHECK(cr::format_address({"Anna Schmidt", "a@example.com"}) == "Anna Schmidt <a@example.com>");
    CHECK(cr::format_address({"Schmidt; Anna", "a@example.com"}) == "\"Schmidt; Anna\" <a@example.com>");
    CHECK(cr::format_address({"B\xc3\xbcro", "b@example.com"}) == "=?UTF-8?B?QsO8cm8=?= <b@example.com>");
    cr::TimeZone tz;
    std::string err;
    REQUIRE(test::load_zone(&tz, "Europe/Berlin", &err));
    CHECK(cr::mail_date(1796679932, tz) == "Mon, 07 Dec 2026 22:45:32 +0100");
    CHECK(cr::mail_date(1782000000, tz).substr(0, 5) == "Sun, ");
    CHECK(cr::mail_date(1782000000, tz).substr(26) == "+0200");  // summer time
    cr::Mail m;
    m.from = {"callrouter", "cr@example.com"};
    for (int i = 0; i < 6; ++i) m.to.push_back({"", "office" + std::to_string(i) + "@example.com"});
    m.subject = "Missed call";
    m.message_id = "c1.office.callrouter@example.com";
    m.date = 1796679932;
    m.body = "line 1\n.\nline\x01 3";
    std::string t = cr::mail_text(m, tz);
    CHECK(t.find("From: callrouter <cr@example.com>\nTo: office0@example.com,") == 0);
    CHECK(t.find(",\n office3@example.com, office4") != std::string::npos);  // folded under 78 columns
    CHECK(t.find("Message-ID: <c1.office.callrouter@example.com>\n") != std::string::npos);
    CHECK(t.find("Content-Type: text/plain; charset=utf-8\n") != std::string::npos);
    CHECK(t.substr(t.find("\n\n")) == "\n\nline 1\n.\nline  3\n");
    std::size_t start = 0;
    while (start < t.find("\n\n")) {
        std::size_t nl = t.find('\n', start);
        CHECK(nl - start <= 78);
        start = nl + 1;
    }
}

TEST_CASE("mail: sendmail's failures, each with what it said; a sendmail that hangs is killed") {
    char dir[] = "/tmp/cr-mail-XXXXXX";
    REQUIRE(mkdtemp(dir));
    auto script = [&](const std::string& name, const std::string& body) {
        std::string p = std::string(dir) + "/" + name;
        std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
        ::chmod(p.c_str(), 0755);
        return p;
    };
    std::string err;
    const std::string ok = script("ok", "cat > " + std::string(dir) + "/got; echo \"$@\" > " + dir + "/args");
    REQUIRE(cr::run_sendmail(ok, "To: a@example.com\n\nhello\n", 10, &err));
    std::ifstream got(std::string(dir) + "/got"), args(std::string(dir) + "/args");
    std::string g((std::istreambuf_iterator<char>(got)), {}), a((std::istreambuf_iterator<char>(args)), {});
    CHECK(g == "To: a@example.com\n\nhello\n");
    CHECK(a == "-t -oi\n");
    CHECK_FALSE(cr::run_sendmail(script("fails", "cat >/dev/null; echo 'no relay' >&2; echo 'try later' >&2; exit 75"),
                                 "x\n", 10, &err));
    CHECK(err.find("exited 75: no relay; try later") != std::string::npos);
    CHECK_FALSE(cr::run_sendmail(std::string(dir) + "/missing", "x\n", 10, &err));
    CHECK(err.find("exited 127: cannot run it: No such file or directory") != std::string::npos);
    CHECK_FALSE(cr::run_sendmail(script("hangs", "exec sleep 30"), "x\n", 1, &err));
    CHECK(err.find("timed out after 1 s (killed)") != std::string::npos);
    // An MTA that takes the mail and leaves a process behind that holds its output (a
    // delivery in the background): sent when it exits, not when that process ends.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(cr::run_sendmail(script("background", "cat >/dev/null; sleep 20 & exit 0"), "x\n", 10, &err));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    // It gets no descriptor of this process but its three (one left open across exec
    // here as fd 7; the shell's own script is its fd 10).
    const int leak = ::open("/dev/null", O_RDONLY);
    REQUIRE(::dup2(leak, 7) == 7);
    CHECK(
        cr::run_sendmail(script("fds", "cat >/dev/null; ls /proc/$$/fd | tr '\\n' ' ' > " + std::string(dir) + "/fds"),
                         "x\n", 10, &err));
    ::close(7);
    ::close(leak);
    std::ifstream fds(std::string(dir) + "/fds");
    std::string listed((std::istreambuf_iterator<char>(fds)), {});
    CHECK(listed.rfind("0 1 ", 0) == 0);  // ls sorts as text: 0 1 10 2
    CHECK(listed.find(" 7 ") == std::string::npos);
    // A sendmail that takes the mail but not all of it: not sent.
    CHECK_FALSE(cr::run_sendmail(script("short", "head -c 1 >/dev/null; exit 0"), std::string(1 << 20, 'x'), 10, &err));
    CHECK(err.find("before it read the whole mail") != std::string::npos);
    std::string rm = "rm -rf " + std::string(dir);
    CHECK(std::system(rm.c_str()) == 0);
}
