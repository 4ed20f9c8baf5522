// The cost of signature = require: one verification of sipgate.io's own test vector
// with the built-in 4096-bit key, and a whole request through the core (check_head,
// verification, decoding, the rules, the XML) with signature = off and = require.
// Prints microseconds per operation and the ratio; absolute times depend on the machine.
// usage: bench-signature BODY_FILE SIG_FILE (tests/signature/signed-body.txt and .sig)
#include "signature/signature.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rules/load.h"
#include "rules/xml.h"
#include "webhook/answer.h"
#include "webhook/head.h"

namespace {

std::string slurp(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

template <typename F>
double us_per(int iters, F f) {
    auto t0 = std::chrono::steady_clock::now();
    int ok = 0;
    for (int i = 0; i < iters; ++i) ok += f();
    auto t1 = std::chrono::steady_clock::now();
    if (ok != iters) std::fprintf(stderr, "bench-signature: %d of %d did not verify\n", iters - ok, iters);
    return std::chrono::duration<double, std::micro>(t1 - t0).count() / iters;
}

std::shared_ptr<const cr::RuleSet> rules(const char* settings) {
    std::vector<std::string> errors;
    std::string text = std::string("[settings]\ncountry_code = 49\n") + settings +
                       "[rule office]\ndirection = in\nto = 4921112345*\naction = dial 4915799912345\n"
                       "[rule rest]\naction = voicemail\n";
    auto c = cr::load_rule_set_text("bench.ini", text, &errors);
    for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench-signature BODY_FILE SIG_FILE\n");
        return 2;
    }
    std::string body = slurp(argv[1]), sig = slurp(argv[2]);
    while (!sig.empty() && (sig.back() == '\n' || sig.back() == '\r')) sig.pop_back();
    cr::xml_init();
    std::string err;
    std::shared_ptr<const cr::PublicKey> key;
    if (!cr::PublicKey::sipgate(&key, &err)) {
        std::fprintf(stderr, "bench-signature: the built-in sipgate.io key: %s\n", err.c_str());
        return 1;
    }
    auto off = rules(""), on = rules("signature = require\n");
    if (!off || !on) return 1;
    cr::HttpHead head = cr::form_post(body);
    head.has_signature = true;
    head.signature = sig;

    const int n = 2000;
    for (int round = 0; round < 2; ++round) {  // the first round warms up
        double verify = us_per(n, [&] {
            std::string why;
            return cr::check_signature(*key, &sig, body, &why);
        });
        double plain = us_per(n, [&] { return cr::handle(*off, head, body, 0, nullptr).http.status == 200; });
        double checked = us_per(n, [&] { return cr::handle(*on, head, body, 0, nullptr).call.signature == "ok"; });
        if (round == 0) continue;
        std::printf("%-58s %10s\n", "", "us each");
        std::printf("%-58s %10.1f\n", "verification (RSA-4096, SHA-256 over the 175-byte vector)", verify);
        std::printf("%-58s %10.1f\n", "a request through the core, signature = off", plain);
        std::printf("%-58s %10.1f\n", "a request through the core, signature = require", checked);
        std::printf("%-58s %10.1f\n", "require / off", checked / plain);
    }
    return 0;
}
