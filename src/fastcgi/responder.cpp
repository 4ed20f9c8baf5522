#include "fastcgi/responder.h"

#include <ctime>
#include <vector>

#include "journal/journal.h"
#include "base/log.h"
#include "webhook/answer.h"

namespace cr {

bool Responder::on_params(const fcgi::Pairs& params, fcgi::BodyWant* want, std::string* answer) {
    t0_ = std::chrono::steady_clock::now();
    config_ = rules_();
    HttpHead head = read_head([&](const char* name) -> const std::string* {
        for (const auto& p : params)
            if (p.first == name) return &p.second;  // whole, a NUL in it included
        return nullptr;
    });
    head.body_to_end = true;
    Response r;
    if (!check_head(*config_, head, &plan_, &r)) {
        *answer = finish(r, {});
        return false;
    }
    want->length = plan_.length;
    want->to_end = plan_.to_end;
    return true;
}

std::string Responder::on_body(std::string_view body, bool complete) {
    std::vector<std::string> trace;
    // A body of unknown length that did not reach its end is not a body: never route on it.
    if (plan_.to_end && !complete)
        return finish(error_response(400, "body cut short: the connection ended before the end of the body (" +
                                              std::to_string(body.size()) + " bytes came)"),
                      trace);
    Response r = answer(*config_, body, plan_, std::time(nullptr), log_level() >= LogLevel::Debug ? &trace : nullptr);
    return finish(r, trace);
}

void Responder::on_abort() {
    config_.reset();
    log_line(LogLevel::Info, "fastcgi: request aborted by the web server");
}

// Logs the request, hands its journal line to the writer thread (the loop never waits
// for a disk), and gives its answer as a CGI response.
std::string Responder::finish(const Response& r, const std::vector<std::string>& trace) {
    log_request(r, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count(), trace);
    if (!r.journal.empty() && config_) journal_post(config_->settings.journal, r.journal);
    config_.reset();
    return cgi_response(r);
}

}  // namespace cr
