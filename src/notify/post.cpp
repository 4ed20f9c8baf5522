#include "notify/post.h"

// The table below takes the functions themselves, not curl.h's type-checking macros.
#define CURL_DISABLE_TYPECHECK

#include <algorithm>
#include <chrono>
#include <mutex>
#include <type_traits>

#include "base/library.h"
#include "base/text.h"

#include <curl/curl.h>

namespace cr {

namespace {

struct CurlTable {
    decltype(&::curl_global_init) curl_global_init;
    decltype(&::curl_easy_init) curl_easy_init;
    decltype(&::curl_easy_setopt) curl_easy_setopt;
    decltype(&::curl_easy_perform) curl_easy_perform;
    decltype(&::curl_easy_getinfo) curl_easy_getinfo;
    decltype(&::curl_easy_cleanup) curl_easy_cleanup;
    decltype(&::curl_easy_reset) curl_easy_reset;
    decltype(&::curl_slist_append) curl_slist_append;
    decltype(&::curl_slist_free_all) curl_slist_free_all;
    decltype(&::curl_easy_strerror) curl_easy_strerror;
};

// Opens libcurl.so.4 once; null with *err when it cannot be loaded.
const CurlTable* load_curl(std::string* err) {
    static CurlTable table;
    static const CurlTable* loaded = nullptr;
    static std::string error;
    static std::once_flag once;
    std::call_once(once, [] {
        Library lib;
        if (!lib.open("libcurl.so.4", "Debian's libcurl4", &error)) return;
#define CR_GET(f) lib.get(&table.f, #f)
        CR_GET(curl_global_init);
        CR_GET(curl_easy_init);
        CR_GET(curl_easy_setopt);
        CR_GET(curl_easy_perform);
        CR_GET(curl_easy_getinfo);
        CR_GET(curl_easy_cleanup);
        CR_GET(curl_easy_reset);
        CR_GET(curl_slist_append);
        CR_GET(curl_slist_free_all);
        CR_GET(curl_easy_strerror);
#undef CR_GET
        if (!lib.done(&error)) return;
        if (table.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            error = "libcurl's global init failed";
            return;
        }
        loaded = &table;
    });
    if (!loaded) *err = error;
    return loaded;
}

// "https://host:port" of a URL, lower case, for comparing a redirect's target.
std::string origin(const std::string& url) {
    std::size_t start = url.find("://");
    if (start == std::string::npos) return {};
    std::size_t end = url.find_first_of("/?#", start + 3);
    std::string o = lower(url.substr(0, end));
    if (std::size_t at = o.rfind('@'); at != std::string::npos && at > start) o.erase(start + 3, at - start - 2);
    return o;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

}  // namespace

bool http_post(const std::string& url, const std::string& json, int timeout, std::string* err) {
    const CurlTable* c = load_curl(err);
    if (!c) return false;
    // One handle for the life of the process (--notify sends one at a time): its
    // connections are kept, so that a burst of alerts to one host opens one.
    static CURL* h = nullptr;
    if (!h && !(h = c->curl_easy_init())) {
        *err = "libcurl cannot make a handle";
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    std::string target = url;
    for (int hop = 0; hop <= 3; ++hop) {
        const long left = static_cast<long>(
            std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now()).count());
        if (left <= 0) {
            *err = "timed out after " + std::to_string(timeout) + " s (redirects)";
            return false;
        }
        c->curl_easy_reset(h);
        curl_slist* headers = c->curl_slist_append(nullptr, "Content-Type: application/json");
        char msg[CURL_ERROR_SIZE] = {};
        c->curl_easy_setopt(h, CURLOPT_URL, target.c_str());
        c->curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
        c->curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        c->curl_easy_setopt(h, CURLOPT_POST, 1L);
        c->curl_easy_setopt(h, CURLOPT_POSTFIELDS, json.c_str());
        c->curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(json.size()));
        c->curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        c->curl_easy_setopt(h, CURLOPT_USERAGENT, "callrouter-notify/" CALLROUTER_VERSION);
        c->curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        c->curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        c->curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(left, std::max(1L, timeout / 3L)));
        c->curl_easy_setopt(h, CURLOPT_TIMEOUT, left);
        c->curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        c->curl_easy_setopt(h, CURLOPT_ERRORBUFFER, msg);
        c->curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        CURLcode rc = c->curl_easy_perform(h);
        long code = 0;
        char* location = nullptr;
        c->curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        c->curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
        std::string next = location ? location : "";
        c->curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
        c->curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
        c->curl_slist_free_all(headers);
        if (rc != CURLE_OK) {
            *err = std::string(c->curl_easy_strerror(rc)) + (msg[0] ? std::string(": ") + msg : "");
            return false;
        }
        if (code >= 200 && code < 300) return true;
        // 307 and 308 keep the POST; 301, 302 and 303 would turn it into a GET.
        if ((code == 307 || code == 308) && !next.empty()) {
            if (origin(next) != origin(target)) {
                *err = "HTTP " + std::to_string(code) +
                       ", redirected to another host: " + escape(next, 200, Backslash::Hex) + " (not followed)";
                return false;
            }
            target = next;
            continue;
        }
        *err = "HTTP " + std::to_string(code) +
               (code >= 300 && code < 400 && !next.empty() ? ", redirected to " + escape(next, 200, Backslash::Hex) +
                                                                 " (not followed: only 307 and 308 keep the POST)"
                                                           : "");
        return false;
    }
    *err = "more than 3 redirects";
    return false;
}

}  // namespace cr
