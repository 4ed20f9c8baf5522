// The FastCGI engine's protocol layer (src/fastcgi.h): records in, records out,
// with a handler that echoes what it was given.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fastcgi/protocol.h"

namespace fcgi = cr::fcgi;

namespace {

struct Record {
    unsigned type = 0, id = 0;
    std::string content;
    unsigned padding = 0;
};

// Splits the engine's output into records; every padding byte must be zero and
// every record padded to a multiple of 8.
std::vector<Record> records(const std::string& out) {
    std::vector<Record> rs;
    std::size_t i = 0;
    while (i < out.size()) {
        REQUIRE(out.size() - i >= 8);
        auto b = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(out[i + k])); };
        REQUIRE(b(0) == 1);
        Record r;
        r.type = b(1);
        r.id = b(2) << 8 | b(3);
        std::size_t len = b(4) << 8 | b(5);
        r.padding = b(6);
        REQUIRE(out.size() - i >= 8 + len + r.padding);
        r.content = out.substr(i + 8, len);
        CHECK((len + r.padding) % 8 == 0);
        CHECK(out.substr(i + 8 + len, r.padding) == std::string(r.padding, '\0'));
        rs.push_back(r);
        i += 8 + len + r.padding;
    }
    return rs;
}

std::string begin(unsigned id, unsigned role = fcgi::kResponder, bool keep = false) {
    std::string out;
    const char body[8] = {static_cast<char>(role >> 8), static_cast<char>(role), static_cast<char>(keep ? 1 : 0)};
    fcgi::put_records(&out, fcgi::kBeginRequest, static_cast<std::uint16_t>(id), std::string(body, 8));
    return out;
}

std::string params(unsigned id, const fcgi::Pairs& ps) {
    std::string content, out;
    for (const auto& [n, v] : ps) fcgi::put_pair(&content, n, v);
    if (!content.empty()) fcgi::put_records(&out, fcgi::kParams, static_cast<std::uint16_t>(id), content);
    fcgi::put_records(&out, fcgi::kParams, static_cast<std::uint16_t>(id), {});
    return out;
}

std::string stdin_records(unsigned id, const std::string& body) {
    std::string out;
    if (!body.empty()) fcgi::put_records(&out, fcgi::kStdin, static_cast<std::uint16_t>(id), body);
    fcgi::put_records(&out, fcgi::kStdin, static_cast<std::uint16_t>(id), {});
    return out;
}

// A whole request with CONTENT_LENGTH set (or not, when length is "none").
std::string request(unsigned id, const std::string& body, bool keep = false, const std::string& length = "auto") {
    fcgi::Pairs ps = {{"REQUEST_METHOD", "POST"}};
    if (length != "none") ps.emplace_back("CONTENT_LENGTH", length == "auto" ? std::to_string(body.size()) : length);
    return begin(id, fcgi::kResponder, keep) + params(id, ps) + stdin_records(id, body);
}

// Answers "Status: 200 OK" with the body it read; CONTENT_LENGTH absent means read to
// the end, at most 16 bytes; a method other than POST is answered at once.
struct Echo : fcgi::Handler {
    bool on_params(const fcgi::Pairs& ps, fcgi::BodyWant* want, std::string* answer) override {
        ++params_seen;
        last = ps;
        want->to_end = true;
        want->length = 16;
        for (const auto& [n, v] : ps) {
            if (n == "REQUEST_METHOD" && v != "POST") {
                *answer = "Status: 405\r\n\r\n";
                return false;
            }
            if (n == "CONTENT_LENGTH") {
                want->to_end = false;
                want->length = std::stoul(v);
            }
        }
        return true;
    }
    std::string on_body(std::string_view body, bool complete) override {
        bodies.emplace_back(body);
        completes.push_back(complete);
        return "Status: 200 OK\r\n\r\n" + std::string(body);
    }
    void on_abort() override { ++aborts; }

    int params_seen = 0, aborts = 0;
    fcgi::Pairs last;
    std::vector<std::string> bodies;
    std::vector<bool> completes;
};

// The STDOUT of request `id` and its END_REQUEST (appStatus, protocolStatus).
struct Answer {
    std::string stdout_text;
    bool ended = false;
    unsigned app_status = 0, protocol_status = 0;
};
Answer answer_of(const std::vector<Record>& rs, unsigned id) {
    Answer a;
    for (const Record& r : rs) {
        if (r.id != id) continue;
        if (r.type == fcgi::kStdout) a.stdout_text += r.content;
        if (r.type == fcgi::kEndRequest) {
            REQUIRE(r.content.size() == 8);
            auto b = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(r.content[k])); };
            a.ended = true;
            a.app_status = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
            a.protocol_status = b(4);
        }
    }
    return a;
}

}  // namespace

TEST_CASE("fastcgi: name-value pairs with 1- and 4-byte lengths, and ones that overrun") {
    std::string data;
    fcgi::put_pair(&data, "A", "b");
    fcgi::put_pair(&data, "LONG", std::string(300, 'x'));
    fcgi::Pairs ps;
    std::string err;
    REQUIRE(fcgi::parse_pairs(data, &ps, &err));
    REQUIRE(ps.size() == 2);
    CHECK(ps[1].second.size() == 300);
    // Lengths near 2^31 (libfcgi asserted after a failed malloc on these) are an overrun, not an allocation.
    for (std::string bad : {std::string("\xff\xff\xff\xfe\xff\xff\xff\xfe"
                                        "ab",
                                        10),
                            std::string("\xff\xff\xff\xf0\x00\x00\x00\x20"
                                        "ab",
                                        10),
                            std::string("\x05\x01"
                                        "ab",
                                        4),
                            std::string("\x80\x00", 2), std::string("\x01", 1)}) {
        CHECK_FALSE(fcgi::parse_pairs(bad, &ps, &err));
        CHECK(ps.empty());
        CHECK_FALSE(err.empty());
    }
}

TEST_CASE("fastcgi: records are split at 65,528 bytes and padded with zeros") {
    std::string out;
    fcgi::put_records(&out, fcgi::kStdout, 7, std::string(70000, 'a'));
    auto rs = records(out);
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].content.size() == 65528);
    CHECK(rs[0].padding == 0);
    CHECK(rs[1].content.size() == 70000 - 65528);
    out.clear();
    fcgi::put_records(&out, fcgi::kStdout, 7, {});
    REQUIRE(records(out).size() == 1);
    CHECK(records(out)[0].content.empty());
}

TEST_CASE("fastcgi: a request, fed whole or one byte at a time, gets the same answer") {
    std::string in = request(1, "from=1&to=2");
    Echo whole_h, bytes_h;
    fcgi::Connection whole(&whole_h, {}), bytes(&bytes_h, {});
    whole.feed(in.data(), in.size());
    for (char c : in) bytes.feed(&c, 1);
    CHECK(whole.output() == bytes.output());
    Answer a = answer_of(records(whole.output()), 1);
    CHECK(a.stdout_text == "Status: 200 OK\r\n\r\nfrom=1&to=2");
    CHECK(a.ended);
    CHECK(a.protocol_status == fcgi::kRequestComplete);
    CHECK(whole.done());  // no FCGI_KEEP_CONN
    CHECK(whole.error().empty());
}

TEST_CASE("fastcgi: FCGI_KEEP_CONN serves the next request on the same connection") {
    Echo h;
    fcgi::Connection c(&h, {});
    for (int i = 1; i <= 100; ++i) {
        std::string in = request(1, "n=" + std::to_string(i), true);
        c.feed(in.data(), in.size());
        CHECK_FALSE(c.done());
        CHECK_FALSE(c.busy());
    }
    CHECK(c.answered() == 100);
    CHECK(h.bodies.back() == "n=100");
}

TEST_CASE("fastcgi: FCGI_GET_VALUES is answered with the names known, padding zeroed") {
    Echo h;
    fcgi::Connection c(&h, fcgi::Limits{77});
    std::string q, in;
    for (const char* n : {"FCGI_MAX_CONNS", "FCGI_MAX_CONNS", "FCGI_MAX_CONNS", "FCGI_MAX_CONNS", "FCGI_MPXS_CONNS",
                          "FCGI_MAX_REQS", "NOT_A_NAME"})
        fcgi::put_pair(&q, n, "");
    fcgi::put_records(&in, fcgi::kGetValues, 0, q);
    c.feed(in.data(), in.size());
    auto rs = records(c.output());
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].type == fcgi::kGetValuesResult);
    fcgi::Pairs got;
    std::string err;
    REQUIRE(fcgi::parse_pairs(rs[0].content, &got, &err));
    CHECK(got == fcgi::Pairs{{"FCGI_MAX_CONNS", "77"}, {"FCGI_MPXS_CONNS", "0"}, {"FCGI_MAX_REQS", "77"}});
    CHECK_FALSE(c.done());
}

TEST_CASE("fastcgi: an unknown management record gets FCGI_UNKNOWN_TYPE") {
    Echo h;
    fcgi::Connection c(&h, {});
    std::string in;
    fcgi::put_records(&in, 99, 0, "x");
    c.feed(in.data(), in.size());
    auto rs = records(c.output());
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].type == fcgi::kUnknownType);
    CHECK(rs[0].content == std::string("\x63\0\0\0\0\0\0\0", 8));
    CHECK_FALSE(c.done());
}

TEST_CASE("fastcgi: roles other than responder get FCGI_UNKNOWN_ROLE") {
    for (unsigned role : {2u, 3u, 0u, 65535u}) {
        Echo h;
        fcgi::Connection c(&h, {});
        std::string in = begin(3, role);
        c.feed(in.data(), in.size());
        Answer a = answer_of(records(c.output()), 3);
        CHECK(a.ended);
        CHECK(a.protocol_status == fcgi::kUnknownRole);
        CHECK(c.done());
        CHECK(h.params_seen == 0);
    }
}

TEST_CASE("fastcgi: a second request id while one is active gets FCGI_CANT_MPX_CONN") {
    Echo h;
    fcgi::Connection c(&h, {});
    std::string in = begin(1) + begin(2) + params(1, {{"CONTENT_LENGTH", "2"}}) + stdin_records(1, "ok");
    c.feed(in.data(), in.size());
    auto rs = records(c.output());
    Answer second = answer_of(rs, 2), first = answer_of(rs, 1);
    CHECK(second.ended);
    CHECK(second.protocol_status == fcgi::kCantMpxConn);
    CHECK(first.stdout_text == "Status: 200 OK\r\n\r\nok");
}

TEST_CASE("fastcgi: FCGI_ABORT_REQUEST ends the request without an answer") {
    Echo h;
    fcgi::Connection c(&h, {});
    std::string in = begin(1, fcgi::kResponder, true) + params(1, {{"CONTENT_LENGTH", "10"}});
    fcgi::put_records(&in, fcgi::kStdin, 1, "abc");
    fcgi::put_records(&in, fcgi::kAbortRequest, 1, {});
    c.feed(in.data(), in.size());
    Answer a = answer_of(records(c.output()), 1);
    CHECK(a.ended);
    CHECK(a.app_status == 1);
    CHECK(a.stdout_text.empty());
    CHECK(h.aborts == 1);
    CHECK(h.bodies.empty());
    CHECK_FALSE(c.busy());
    CHECK_FALSE(c.done());  // kept
}

TEST_CASE("fastcgi: the body: exact length, to its end, too long, cut short") {
    SUBCASE("CONTENT_LENGTH: the answer comes as soon as the bytes are in, extra ones ignored") {
        Echo h;
        fcgi::Connection c(&h, {});
        std::string in = begin(1) + params(1, {{"CONTENT_LENGTH", "3"}});
        fcgi::put_records(&in, fcgi::kStdin, 1, "abcdef");
        c.feed(in.data(), in.size());
        CHECK(h.bodies == std::vector<std::string>{"abc"});
    }
    SUBCASE("no length: read to the empty STDIN record") {
        Echo h;
        fcgi::Connection c(&h, {});
        std::string in = request(1, "0123456789", false, "none");
        c.feed(in.data(), in.size());
        CHECK(h.bodies == std::vector<std::string>{"0123456789"});
        CHECK(h.completes == std::vector<bool>{true});
    }
    SUBCASE("no length and past the bound: one byte more than the bound, at once") {
        Echo h;
        fcgi::Connection c(&h, {});
        std::string in = begin(1) + params(1, {});
        fcgi::put_records(&in, fcgi::kStdin, 1, std::string(100, 'x'));
        c.feed(in.data(), in.size());
        REQUIRE(h.bodies.size() == 1);
        CHECK(h.bodies[0].size() == 17);
    }
    SUBCASE("the connection ends mid-body: decided on what came") {
        Echo h;
        fcgi::Connection c(&h, {});
        std::string in = begin(1) + params(1, {{"CONTENT_LENGTH", "10"}});
        fcgi::put_records(&in, fcgi::kStdin, 1, "abc");
        c.feed(in.data(), in.size());
        CHECK(h.bodies.empty());
        CHECK(c.reading_body());
        c.end_of_input();
        CHECK(h.bodies == std::vector<std::string>{"abc"});
        CHECK(h.completes == std::vector<bool>{false});
        CHECK(c.done());
    }
    SUBCASE("no length, and the connection ends before the empty STDIN record: not complete") {
        Echo h;
        fcgi::Connection c(&h, {});
        std::string in = begin(1) + params(1, {});
        fcgi::put_records(&in, fcgi::kStdin, 1, "from=1&to=49");
        c.feed(in.data(), in.size());
        CHECK(h.bodies.empty());
        c.end_of_input();
        CHECK(h.bodies == std::vector<std::string>{"from=1&to=49"});
        CHECK(h.completes == std::vector<bool>{false});
    }
    SUBCASE("an answer without the body (405)") {
        Echo h;
        fcgi::Connection c(&h, {});
        std::string in = begin(1) + params(1, {{"REQUEST_METHOD", "GET"}});
        c.feed(in.data(), in.size());
        CHECK(answer_of(records(c.output()), 1).stdout_text == "Status: 405\r\n\r\n");
        CHECK(h.bodies.empty());
    }
}

TEST_CASE("fastcgi: protocol errors close the connection, with a reason") {
    auto fed = [](const std::string& in) {
        Echo h;
        fcgi::Connection c(&h, {});
        c.feed(in.data(), in.size());
        CHECK(c.done());
        CHECK(h.bodies.empty());
        return c.error();
    };
    CHECK(fed("GET / HTTP/1.1\r\n\r\n") == "record version 71, not 1");
    // A pair that says it is longer than the params may be: refused as soon as its
    // lengths are in, not once the bytes have come (or never come).
    std::string big(70000, 'v'), pairs;
    fcgi::put_pair(&pairs, "X", big);
    std::string in = begin(1);
    fcgi::put_records(&in, fcgi::kParams, 1, pairs.substr(0, 8));
    CHECK(fed(in) == "params longer than 64 KiB");
    in = begin(1);
    fcgi::put_records(&in, fcgi::kParams, 1, std::string("\xff\xff\xff\xfe\xff\xff\xff\xfe", 8));
    CHECK(fed(in) == "params longer than 64 KiB");
    in = begin(1);
    fcgi::put_records(&in, fcgi::kParams, 1, std::string("\xff\xff\xff\xf0\x20", 5));
    CHECK(fed(in) == "params longer than 64 KiB");
    // Pairs each in bounds, more than 64 KiB in all.
    pairs.clear();
    for (int i = 0; i < 70; ++i) fcgi::put_pair(&pairs, "X" + std::to_string(i), std::string(1000, 'v'));
    in = begin(1);
    fcgi::put_records(&in, fcgi::kParams, 1, pairs);
    CHECK(fed(in) == "params longer than 64 KiB");
    // The params end before a pair's value is all there.
    in = begin(1);
    fcgi::put_records(&in, fcgi::kParams, 1,
                      "\x05\x05"
                      "ab");
    fcgi::put_records(&in, fcgi::kParams, 1, {});
    CHECK(fed(in).rfind("bad params: ", 0) == 0);
    in = begin(1);
    fcgi::put_records(&in, fcgi::kStdin, 1, "x");
    CHECK(fed(in) == "STDIN before the end of the params");
    // PARAMS once the body has begun.
    in = begin(1);
    std::string head;
    fcgi::put_pair(&head, "REQUEST_METHOD", "POST");
    fcgi::put_pair(&head, "CONTENT_LENGTH", "4");
    fcgi::put_records(&in, fcgi::kParams, 1, head);
    fcgi::put_records(&in, fcgi::kParams, 1, {});
    fcgi::put_records(&in, fcgi::kStdin, 1, "ab");
    fcgi::put_records(&in, fcgi::kParams, 1,
                      "\x01\x01"
                      "AB");
    CHECK(fed(in) == "PARAMS after the body began");
    // A BEGIN_REQUEST's body is 8 bytes, no fewer and no more.
    in.clear();
    fcgi::put_records(&in, fcgi::kBeginRequest, 1, std::string("\x00\x01", 2));
    CHECK(fed(in) == "BEGIN_REQUEST of 2 bytes, not 8");
    in.clear();
    fcgi::put_records(&in, fcgi::kBeginRequest, 1, std::string("\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", 10));
    CHECK(fed(in) == "BEGIN_REQUEST of 10 bytes, not 8");
    in.clear();
    fcgi::put_records(&in, fcgi::kGetValues, 0, "\x40\x00");
    CHECK(fed(in).rfind("bad GET_VALUES: ", 0) == 0);
}

TEST_CASE("fastcgi: records of requests that are not active are skipped, not kept") {
    Echo h;
    fcgi::Connection c(&h, {});
    std::string in;
    fcgi::put_records(&in, fcgi::kParams, 9, std::string(60000, 'p'));
    fcgi::put_records(&in, fcgi::kStdin, 9, std::string(60000, 's'));
    fcgi::put_records(&in, fcgi::kData, 9, "d");
    in += request(1, "ok");
    c.feed(in.data(), in.size());
    CHECK(c.error().empty());
    CHECK(h.bodies == std::vector<std::string>{"ok"});
}

TEST_CASE("fastcgi: after an answer given before the end of STDIN, more input may follow") {
    Echo h;
    fcgi::Connection c(&h, {});
    std::string in = request(1, "abc");
    c.feed(in.data(), in.size());
    CHECK(c.done());
    CHECK_FALSE(c.input_may_follow());  // everything it sent was read: closing cannot reset

    Echo h2;
    fcgi::Connection early(&h2, {});
    in = begin(1) + params(1, {{"REQUEST_METHOD", "GET"}});  // 405 at once
    early.feed(in.data(), in.size());
    CHECK(early.done());
    CHECK(early.input_may_follow());

    Echo h3;
    fcgi::Connection kept(&h3, {});
    in = begin(1, fcgi::kResponder, true) + params(1, {{"REQUEST_METHOD", "GET"}});
    kept.feed(in.data(), in.size());
    CHECK(kept.input_may_follow());
    in = stdin_records(1, "ignored");
    kept.feed(in.data(), in.size());
    CHECK_FALSE(kept.input_may_follow());
}
