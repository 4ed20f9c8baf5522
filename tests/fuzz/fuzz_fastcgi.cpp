// libFuzzer driver: the FastCGI engine's record reader and writer (src/fastcgi/protocol.h)
// with the real responder (src/fastcgi/responder.h) on a fixed rule file: the input is
// what a web server (or anyone who can reach the socket) sends on one connection.
// The first byte picks a piece size; the rest is the byte stream. Properties
// checked beyond "no crash, no sanitizer report, no leak":
// - the stream fed whole and fed in pieces of that size gives the same records
//   and the same end (how the bytes arrive does not change what they mean);
// - every record written is version 1, padded to a multiple of 8 with zero bytes;
// - nothing is written after a protocol error, and each answer is STDOUT records
//   ended by an empty one and END_REQUEST.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/log.h"
#include "fastcgi/protocol.h"
#include "fastcgi/responder.h"
#include "fixed_rules.h"
#include "rules/model.h"

namespace {

const char kRules[] = R"([settings]
country_code = 49
max_body = 512
[list vip]
numbers = +49 151 12345678, 4930*
[rule vip]
from = @vip
action = dial 4915799912345
[rule spam]
from = 4930123456, anonymous
action = reject busy
[rule outgoing]
direction = out
action = dial $to
[rule rest]
action = voicemail
)";

std::shared_ptr<const cr::RuleSet> g_rules;

void fail(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

struct Rec {
    unsigned type, id;
    std::size_t len;
};

// Checks the records of `out`; returns their types, ids and lengths.
std::vector<Rec> check_records(const std::string& out) {
    std::vector<Rec> rs;
    std::size_t i = 0;
    while (i < out.size()) {
        if (out.size() - i < 8) fail("a record header cut off");
        auto b = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(out[i + k])); };
        if (b(0) != 1) fail("record version not 1");
        std::size_t len = b(4) << 8 | b(5), pad = b(6);
        if ((len + pad) % 8 != 0) fail("record not padded to 8");
        if (out.size() - i < 8 + len + pad) fail("record content cut off");
        for (std::size_t k = 0; k < pad; ++k)
            if (out[i + 8 + len + k] != 0) fail("padding not zero");
        rs.push_back(Rec{b(1), b(2) << 8 | b(3), len});
        i += 8 + len + pad;
    }
    return rs;
}

struct Run {
    // The rules have no journal: no writer.
    cr::Responder responder{[] { return g_rules; }, nullptr};
    cr::fcgi::Connection conn{&responder, cr::fcgi::Limits{}};
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    g_rules = fuzz::load_fixed_rules(kRules, sizeof kRules - 1);
    cr::log_set_level(cr::LogLevel::Error);  // one line per request would drown the fuzzer
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    std::size_t piece = data[0] % 64 + 1;
    const char* in = reinterpret_cast<const char*>(data + 1);
    std::size_t n = size - 1;

    Run whole, pieces;
    whole.conn.feed(in, n);
    for (std::size_t i = 0; i < n; i += piece) pieces.conn.feed(in + i, std::min(piece, n - i));
    if (whole.conn.output() != pieces.conn.output()) fail("output depends on how the bytes arrived");
    if (whole.conn.error() != pieces.conn.error() || whole.conn.done() != pieces.conn.done() ||
        whole.conn.busy() != pieces.conn.busy())
        fail("state depends on how the bytes arrived");

    std::size_t before_end = whole.conn.output().size();
    bool had_error = !whole.conn.error().empty();
    whole.conn.end_of_input();
    if (had_error && whole.conn.output().size() != before_end) fail("written after a protocol error");

    // A request's STDOUT is ended by an empty record before its END_REQUEST.
    std::vector<bool> open(65536);
    for (const Rec& r : check_records(whole.conn.output())) {
        if (r.type == cr::fcgi::kStdout) open[r.id] = r.len > 0;
        if (r.type == cr::fcgi::kEndRequest && open[r.id]) fail("END_REQUEST before the end of STDOUT");
    }
    return 0;
}
