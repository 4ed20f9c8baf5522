// sipgate.io's push signature (callrouter.ini(5), SIGNATURE): base64, the key, the
// check, and the 403s of signature = require through the core.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <sstream>

#include "rules/load.h"
#include "signature/signature.h"
#include "support.h"
#include "webhook/answer.h"
#include "webhook/head.h"
#include "webhook/outcome.h"

using cr::PublicKey;

namespace {

std::string base64(const std::string& raw) {
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                            reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// A key pair of the test's own: signs bodies, gives its public key as PEM.
class KeyPair {
public:
    explicit KeyPair(unsigned bits = 2048) : pkey_(EVP_RSA_gen(bits)) { REQUIRE(pkey_ != nullptr); }
    ~KeyPair() { EVP_PKEY_free(pkey_); }
    KeyPair(const KeyPair&) = delete;
    KeyPair& operator=(const KeyPair&) = delete;

    std::string public_pem() const {
        BIO* bio = BIO_new(BIO_s_mem());
        REQUIRE(PEM_write_bio_PUBKEY(bio, pkey_) == 1);
        char* data = nullptr;
        long n = BIO_get_mem_data(bio, &data);
        std::string pem(data, static_cast<std::size_t>(n));
        BIO_free(bio);
        return pem;
    }
    std::string sign(const std::string& body) const {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey_) == 1);
        std::size_t n = 0;
        REQUIRE(EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(body.data()), body.size()) ==
                1);
        std::string sig(n, '\0');
        REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(&sig[0]), &n,
                               reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1);
        sig.resize(n);
        EVP_MD_CTX_free(ctx);
        return base64(sig);
    }

private:
    EVP_PKEY* pkey_;
};

// What check_signature said: verified, or not and why.
struct Checked {
    bool ok = false;
    std::string reason;
};

Checked check(const PublicKey& key, const char* header, const std::string& body) {
    std::string h = header ? header : "";
    Checked c;
    c.ok = cr::check_signature(key, header ? &h : nullptr, body, &c.reason);
    return c;
}

// A header there but refused (what was SignatureCheck::Bad): not verified, and not for a
// missing or empty header (SignatureCheck::Missing, the two reasons below).
bool refused(const Checked& c) {
    return !c.ok && !c.reason.empty() && c.reason != "no X-Sipgate-Signature header" &&
           c.reason != "the X-Sipgate-Signature header is empty";
}

// The keys as from_pem and sipgate give them, or null with *err.
std::shared_ptr<const PublicKey> from_pem(const std::string& pem, std::string* err) {
    std::shared_ptr<const PublicKey> key;
    if (!PublicKey::from_pem(pem, &key, err)) return nullptr;
    return key;
}

}  // namespace

TEST_CASE("signature: strict base64") {
    std::string out;
    CHECK(cr::base64_decode("", &out));
    CHECK(out.empty());
    CHECK(cr::base64_decode("TWFu", &out));
    CHECK(out == "Man");
    CHECK(cr::base64_decode("TWE=", &out));
    CHECK(out == "Ma");
    CHECK(cr::base64_decode("TQ==", &out));
    CHECK(out == "M");
    CHECK(cr::base64_decode("+/+/", &out));
    CHECK(out == "\xfb\xff\xbf");
    for (const char* bad :
         {"TWE", "TQ=", "T===", "====", "TW=u", "TWFu TWFu", " TWFu", "TWFu\n", "TW-_", "TWF\x80", "TWFu=", "=TWF"}) {
        INFO(bad);
        CHECK_FALSE(cr::base64_decode(bad, &out));
    }
    // A NUL is not base64 either.
    CHECK_FALSE(cr::base64_decode(std::string("TW\0u", 4), &out));
}

TEST_CASE("signature: sipgate.io's test vector verifies with the built-in key, and nothing else does") {
    const std::string body = test::tests_file("signature/signed-body.txt");
    std::string sig = test::tests_file("signature/signed-body.sig");
    while (!sig.empty() && (sig.back() == '\n' || sig.back() == '\r')) sig.pop_back();
    std::string err;
    std::shared_ptr<const PublicKey> key;
    REQUIRE_MESSAGE(PublicKey::sipgate(&key, &err), err);
    REQUIRE_MESSAGE(key, err);
    CHECK(key->bits() == 4096);
    Checked c = check(*key, sig.c_str(), body);
    CHECK(c.ok);
    CHECK(c.reason.empty());  // was: c.word() == "ok"; nothing to say of a signature that verifies
    // One byte more, one byte less, one byte changed: no.
    CHECK(refused(check(*key, sig.c_str(), body + "&")));
    CHECK(refused(check(*key, sig.c_str(), body.substr(0, body.size() - 1))));
    std::string changed = body;
    changed[changed.find("from=") + 5] = '5';
    Checked bad = check(*key, sig.c_str(), changed);
    CHECK(refused(bad));
    CHECK(bad.reason.find("does not verify") != std::string::npos);
}

TEST_CASE("signature: a key pair of the test's own") {
    KeyPair mine, other;
    std::string err;
    auto key = from_pem(mine.public_pem(), &err);
    INFO(err);
    REQUIRE(key);
    const std::string body = "from=492111234567&to=4915791234567&direction=in";
    const std::string sig = mine.sign(body);

    CHECK(check(*key, sig.c_str(), body).ok);
    // Signed by another key.
    Checked c = check(*key, other.sign(body).c_str(), body);
    CHECK(refused(c));
    CHECK(c.reason ==
          "the X-Sipgate-Signature header does not verify: the body was not signed with this key, or was "
          "changed on the way");
    // A changed body, a body one byte longer.
    CHECK(refused(check(*key, sig.c_str(), "from=492111234568&to=4915791234567&direction=in")));
    CHECK(refused(check(*key, sig.c_str(), body + "x")));
    // A signature cut short: still base64, but not the size of one.
    c = check(*key, sig.substr(0, sig.size() - 4).c_str(), body);
    CHECK(refused(c));
    CHECK(c.reason == "the X-Sipgate-Signature header holds 255 bytes, not the 256 of a signature by a 2048-bit key");
    c = check(*key, sig.substr(0, sig.size() - 1).c_str(), body);
    CHECK(refused(c));
    CHECK(c.reason == "the X-Sipgate-Signature header is not base64");
    // Missing, empty, garbage, too long.
    c = check(*key, nullptr, body);
    CHECK_FALSE(c.ok);  // was: Missing, which the reason below tells
    CHECK(c.reason == "no X-Sipgate-Signature header");
    c = check(*key, "", body);
    CHECK_FALSE(c.ok);  // was: Missing, which the reason below tells
    CHECK(c.reason == "the X-Sipgate-Signature header is empty");
    CHECK(refused(check(*key, "garbage!", body)));
    std::string huge(cr::kMaxSignatureHeader + 4, 'A');
    c = check(*key, huge.c_str(), body);
    CHECK(refused(c));
    CHECK(c.reason == "the X-Sipgate-Signature header is longer than 4096 characters");
    // The right size, all zero: no.
    CHECK(refused(check(*key, base64(std::string(256, '\0')).c_str(), body)));
}

TEST_CASE("signature: keys that are refused") {
    std::string err;
    std::shared_ptr<const PublicKey> key;
    CHECK_FALSE(PublicKey::from_pem("", &key, &err));
    CHECK(err == "not a public key in PEM form (-----BEGIN PUBLIC KEY-----)");
    CHECK_FALSE(PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", &key, &err));
    CHECK(err == "not a public key in PEM form (-----BEGIN PUBLIC KEY-----)");
    CHECK_FALSE(PublicKey::from_pem("-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n", &key, &err));
    CHECK(err == "holds a private key; give the public key only (openssl pkey -in KEY -pubout)");
    KeyPair small(1024);
    CHECK_FALSE(PublicKey::from_pem(small.public_pem(), &key, &err));
    CHECK(err == "a 1024-bit RSA key; at least 2048 bits");
    EVP_PKEY* ec = EVP_EC_gen("P-256");
    REQUIRE(ec);
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(PEM_write_bio_PUBKEY(bio, ec) == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    EVP_PKEY_free(ec);
    CHECK_FALSE(PublicKey::from_pem(pem, &key, &err));
    CHECK(err == "the key is EC, not RSA: sipgate.io signs with RSA");
}

TEST_CASE("signature: signature = require through the core, checked before the body is decoded") {
    KeyPair mine;
    test::TempDir dir;
    dir.write("key.pem", mine.public_pem());
    std::vector<std::string> errors;
    cr::xml_init();
    auto c = cr::load_rule_set_text(
        dir.path() + "/r.ini", "[settings]\nsignature = require\nsignature_key = key.pem\n[rule a]\naction = hangup\n",
        &errors);
    const std::string first_error = errors.empty() ? std::string() : errors.front();
    INFO(first_error);
    REQUIRE(c);
    CHECK(c->warnings.empty());
    const std::string body = "from=492111234567&to=4915791234567&direction=in";
    cr::HttpHead h = cr::form_post(body);
    // Missing: refused by check_head, before the body is read.
    cr::BodyPlan plan;
    cr::Outcome r;
    CHECK_FALSE(cr::check_head(*c, h, &plan, &r));
    CHECK(r.http.status == 403);
    CHECK(r.http.body == "forbidden: no X-Sipgate-Signature header, and signature = require\n");
    CHECK(r.call.signature == "missing");
    h.has_signature = true;
    CHECK_FALSE(cr::check_head(*c, h, &plan, &r));
    CHECK(r.http.body == "forbidden: the X-Sipgate-Signature header is empty, and signature = require\n");
    // Good.
    h.signature = mine.sign(body);
    r = cr::handle(*c, h, body, 0, nullptr);
    CHECK(r.http.status == 200);
    CHECK(r.call.signature == "ok");
    CHECK(cr::request_log_line(r, 0).find(" signature=ok ") != std::string::npos);
    // A malformed body that is signed is decoded, and a 400; one that is not signed is a
    // 403: the signature comes first.
    const std::string broken = "from=%zz";
    h = cr::form_post(broken);
    h.has_signature = true;
    h.signature = mine.sign(broken);
    r = cr::handle(*c, h, broken, 0, nullptr);
    CHECK(r.http.status == 400);
    CHECK(r.call.signature == "ok");
    h.signature = mine.sign(body);
    r = cr::handle(*c, h, broken, 0, nullptr);
    CHECK(r.http.status == 403);
    CHECK(r.call.signature == "bad");
    CHECK(cr::request_log_line(r, 0).find(" signature=bad ") != std::string::npos);
    // Off (the default): the header is not looked at, and the log line says nothing of it.
    auto off = cr::load_rule_set_text("off.ini", "[rule a]\naction = hangup\n", &errors);
    REQUIRE(off);
    CHECK_FALSE(off->settings.signature_key);
    h.signature = "garbage";
    r = cr::handle(*off, h, broken, 0, nullptr);
    CHECK(r.http.status == 400);
    CHECK(r.call.signature.empty());
    CHECK(cr::request_log_line(r, 0).find("signature=") == std::string::npos);
}
