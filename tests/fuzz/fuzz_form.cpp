// libFuzzer driver: the form decoder, the Content-Type check, and the whole pure
// core (check_head + answer) on a fixed rule file, with the request log line.
// Properties checked beyond "no crash, no sanitizer report":
// - decode_form either fails with a message or yields fields whose total size is
//   at most the body's;
// - answer() gives 200 with XML, or 4xx with one text/plain line;
// - the log line of any request is one line of printable ASCII;
// - the journal line of an answer, and any line the journal reader takes, read back
//   the same: journal_line(parse(journal_line(e))) == journal_line(e);
// - with signature = require (sipgate.io's key), the first line as the header never
//   gets a 200: nobody can forge a signature;
// - with a secret, a dtmf push whose query continues a menu or an announcement never
//   gets a 200: nobody can forge a token (and a 403 names it missing or bad).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/log.h"
#include "fixed_rules.h"
#include "journal/journal.h"
#include "rules/model.h"
#include "webhook/answer.h"
#include "webhook/form.h"
#include "webhook/head.h"
#include "webhook/outcome.h"

namespace {

const char kRules[] = R"([settings]
country_code = 49
max_body = 4096
public_url = https://u:p@example.com/cr?x=1
journal = /nonexistent/calls.jsonl
[list desks]
users = Anna Schmidt, Bob
[menu main]
prompt = https://example.com/m.wav
tries = 3
invalid = https://example.com/i.wav
1 = dial 4915799912345
2 = menu pin
hash = menu main
none = voicemail
[menu pin]
prompt = https://example.com/p.wav
digits = 4
4711 = hangup
other = menu main
[list vip]
numbers = +49 151 12345678, 4930*, 123456e0
[hours office]
mon-fri = 09:00-17:00
[rule voicemail]
leg = voicemail
action = pass
[rule desks]
leg = later
user = @desks, Carl
action = play https://example.com/h.wav then menu main
[rule vip]
from = @vip
action = dial 4915799912345
[rule spam]
from = 4930123456, 4940*, anonymous
action = reject busy
[rule office]
direction = in
to = 4921112345*
diversion = 49211*
when = office
action = dial 4915799912345 4915799912346
caller_id = 492111234567
anonymous = false
[rule outgoing]
direction = out
action = dial $to
[rule menu]
to = 4921199*
action = menu main
[rule rest]
action = play https://example.com/x.wav then voicemail
)";

std::shared_ptr<const cr::RuleSet> g_rules, g_signed, g_secret;

void fail(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

void check_journal(const std::string& line) {
    if (line.empty()) return;
    cr::JournalEvent e;
    if (!cr::parse_journal_line(line, &e)) fail("a journal line does not read back");
    if (cr::journal_line(e) != line) fail("a journal line reads back as another");
}

void check_log_line(const cr::Outcome& r) {
    std::string line = cr::request_log_line(r, 0.5);
    for (char c : line)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            fail("log line holds a control or non-ASCII byte");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    g_rules = fuzz::load_fixed_rules(kRules, sizeof kRules - 1);
    std::string signed_rules = kRules;
    signed_rules.replace(signed_rules.find("[settings]\n"), 11, "[settings]\nsignature = require\n");
    g_signed = fuzz::load_fixed_rules(signed_rules.data(), signed_rules.size());
    // The same rules with a secret (a file of mode 0600, removed once it is read).
    static char dir[] = "/tmp/fuzz-form-XXXXXX";
    if (!::mkdtemp(dir)) fail("mkdtemp");
    const std::string secret = std::string(dir) + "/secret";
    const char text[] = "fuzzing-secret-fuzzing-secret-fuzzing-secret\n";
    int fd = ::open(secret.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ::write(fd, text, sizeof text - 1) != static_cast<ssize_t>(sizeof text - 1)) fail("the secret file");
    ::close(fd);
    std::string secret_rules = kRules;
    secret_rules.replace(secret_rules.find("[settings]\n"), 11, "[settings]\nsecret = " + secret + "\n");
    g_secret = fuzz::load_fixed_rules(secret_rules.data(), secret_rules.size());
    ::unlink(secret.c_str());
    ::rmdir(dir);
    if (!g_secret->settings.secret) fail("the secret did not load");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);

    cr::Fields fields;
    std::string err;
    if (cr::decode_form(in, &fields, &err)) {
        std::size_t total = 0;
        for (auto& [n, v] : fields) total += n.size() + v.size();
        if (total > size) fail("decoded fields longer than the body");
    } else if (err.empty()) {
        fail("decode_form failed without a message");
    }
    (void)cr::is_form_content_type(in);

    // The first line, when there is one, is the Content-Type; the rest the body.
    cr::HttpHead head;
    head.method = "POST";
    std::string_view body = in;
    head.has_content_type = true;
    head.content_type = "application/x-www-form-urlencoded";
    if (std::size_t nl = in.find('\n'); nl != std::string_view::npos && nl < 80) {
        head.content_type = std::string(in.substr(0, nl));
        body = in.substr(nl + 1);
    }
    head.has_content_length = true;
    head.content_length = std::to_string(body.size());
    // "application/x-www-form-urlencoded;&menu=main&t=..." as a first line is a form
    // body's type and, as the query string, walks the menus.
    head.query = head.content_type;
    head.path = head.content_type;
    std::vector<std::string> trace;
    cr::Outcome r = cr::handle(*g_rules, head, body, 1764230400 + static_cast<std::int64_t>(size) * 3600, &trace);
    if (r.http.status == 200) {
        if (r.http.content_type != cr::kXmlType || r.http.body.rfind("<?xml", 0) != 0) fail("200 without XML");
    } else {
        if (r.http.status < 400 || r.http.status > 499) fail("status neither 200 nor 4xx");
        if (r.http.content_type != cr::kTextType) fail("error answer not text/plain");
        if (r.http.body.empty() || r.http.body.find('\n') != r.http.body.size() - 1) fail("error answer not one line");
    }
    check_log_line(r);
    check_journal(r.journal);
    if (!r.notice.empty() && r.notice.find('\n') != std::string::npos) fail("a notice of two lines");

    // With a secret: no token can be guessed.
    cr::Outcome bound = cr::handle(*g_secret, head, body, 0, nullptr);
    const bool continues = r.call.event == "dtmf" && (!r.call.menu.empty() || !r.call.then.empty());
    if (continues && bound.http.status == 200) fail("a dtmf push with a made-up token answered 200");
    if (bound.http.status == 403 && bound.call.token != "missing" && bound.call.token != "bad")
        fail("a 403 without its token word");
    if (bound.http.status != 200 &&
        (bound.http.body.empty() || bound.http.body.find('\n') != bound.http.body.size() - 1))
        fail("error answer with a secret not one line");
    check_log_line(bound);
    cr::JournalEvent e;
    if (cr::parse_journal_line(in, &e)) check_journal(cr::journal_line(e));

    // The same request with the first line as its X-Sipgate-Signature header.
    head.has_signature = true;
    head.signature = std::string(in.substr(0, std::min(in.find('\n'), in.size())));
    cr::Outcome s = cr::handle(*g_signed, head, body, 0, nullptr);
    if (s.http.status == 200) fail("a forged signature answered 200");
    if (s.http.status == 403 && s.call.signature != "bad" && s.call.signature != "missing")
        fail("a 403 without its signature word");
    check_log_line(s);
    for (const std::string& t : trace) {
        std::string safe = cr::log_text(t);
        if (safe.find('\n') != std::string::npos) fail("trace line holds a newline");
    }
    return 0;
}
