// The addresses of alerts (rules/address.h): mail addresses with names, webhook URLs,
// the waits between tries.
#include "rules/address.h"
#include "support.h"

TEST_CASE("address: names and addresses, as a [notify]'s mail lists them") {
    std::vector<cr::MailAddress> a;
    std::string err;
    REQUIRE(
        cr::parse_mail_addresses("J\xc3\xbcrgen M\xc3\xbcller <j@example.com>, office@example.com\n"
                                 "  o'brien+calls@mail.example.co.uk",
                                 &a, &err));
    REQUIRE(a.size() == 3);
    CHECK(a[0].name == "J\xc3\xbcrgen M\xc3\xbcller");
    CHECK(a[0].address == "j@example.com");
    CHECK(a[1].name.empty());
    CHECK(a[2].address == "o'brien+calls@mail.example.co.uk");
    struct Bad {
        const char* in;
        const char* err;
    } bad[] = {
        {"nobody", "'nobody': not an address local@domain"},
        {"a b@example.com", "'a b@example.com': the part before '@' may hold letters"},
        {"a@exa_mple.com", "'a@exa_mple.com': the domain must be a host name"},
        {".a@example.com", "the part before '@' may hold"},
        {"Anna <a@example.com", "'<' without a '>' at the end"},
        {"\"Anna\" <a@example.com>", "the name may not hold control characters, quotes"},
        {"An\rna <a@example.com>", "the name may not hold control characters"},
        {"Bj\xf6rn <b@example.com>", "the name is not UTF-8"},
        {"a@example.com\r\nBcc: x@evil.example", "'Bcc: x@evil.example': the part before"},
    };
    for (const Bad& b : bad) {
        CAPTURE(b.in);
        CHECK_FALSE(cr::parse_mail_addresses(b.in, &a, &err));
        CHECK(err.find(b.err) != std::string::npos);
    }
    CHECK_FALSE(cr::parse_mail_addresses(" , ", &a, &err));
    CHECK(err == "names no address");
}

TEST_CASE("address: webhooks are https, or plain http to a loopback address") {
    std::string err;
    for (const char* ok : {"https://hooks.slack.com/services/T0/B0/x", "https://ntfy.sh/office",
                           "http://127.0.0.1:8080/hook", "http://127.1.2.3/x", "http://localhost:9/x",
                           "http://[::1]:9/x", "https://user:pw@chat.example.com:8443/hooks/x?a=b"}) {
        CAPTURE(ok);
        CHECK(cr::check_webhook_url(ok, &err));
    }
    for (const char* bad : {"http://example.com/hook", "http://128.0.0.1/x", "http://127.0.0.1.example.com/x",
                            "http://localhost.example.com/x", "ftp://example.com/x", "https://", "https://a b/x",
                            "https://example.com/#frag", "http://user@example.com@127.0.0.1/x"}) {
        CAPTURE(bad);
        bool ok = cr::check_webhook_url(bad, &err);
        // The last one's host is 127.0.0.1 (what comes after the last '@'), as curl reads it.
        CHECK(ok == (std::string(bad) == "http://user@example.com@127.0.0.1/x"));
    }
    CHECK(cr::url_host_is_loopback("http://127.0.0.1:1/"));
    CHECK_FALSE(cr::url_host_is_loopback("http://10.0.0.1/"));
}

TEST_CASE("address: the waits between tries") {
    std::vector<int> w;
    std::string err;
    REQUIRE(cr::parse_waits("10s 1m, 5m 1h 24h", &w, &err));
    CHECK(w == std::vector<int>{10, 60, 300, 3600, 86400});
    for (const char* bad : {"", "5", "0s", "25h", "1d", "s", "999999s"}) {
        CAPTURE(bad);
        CHECK_FALSE(cr::parse_waits(bad, &w, &err));
    }
}
