#include "fastcgi/responder.h"

#include <ctime>

#include "base/log.h"
#include "switches/cache.h"
#include "webhook/answer.h"

namespace cr {

namespace {

// The switches as this process sees them: one state file, checked at each request.
SwitchCache& switch_cache() {
    static SwitchCache cache;
    return cache;
}

}  // namespace

bool Responder::on_params(const fcgi::Pairs& params, fcgi::BodyWant* want, std::string* answer) {
    t0_ = std::chrono::steady_clock::now();
    current_ = rules_();
    HttpHead head = read_head([&](const char* name) -> const std::string* {
        for (const auto& p : params)
            if (p.first == name) return &p.second;  // whole, a NUL in it included
        return nullptr;
    });
    head.body_to_end = true;
    Outcome early;
    if (!check_head(*current_, head, &plan_, &early)) {
        *answer = finish(early, {});
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
        return finish(error_outcome(400, "body cut short: the connection ended before the end of the body (" +
                                             std::to_string(body.size()) + " bytes came)"),
                      trace);
    const std::int64_t now = std::time(nullptr);
    std::shared_ptr<const SwitchStates> states;
    if (!current_->settings.switch_state.empty()) states = switch_cache().get(current_->settings.switch_state);
    // A call's switch is set before its answer goes: the next call sees it. The lock is
    // waited for briefly, as this is an event loop's thread.
    const SwitchWriter writer = state_file_writer(current_->settings.switch_state, 250);
    Outcome o =
        answer(*current_, body, plan_, now, log_level() >= LogLevel::Debug ? &trace : nullptr, states.get(), &writer);
    return finish(o, trace);
}

void Responder::on_abort() {
    current_.reset();
    log_line(LogLevel::Info, "fastcgi: request aborted by the web server");
}

// Logs the request, hands its journal line to the writer (the loop never waits for a
// disk), and gives its answer as a CGI response.
std::string Responder::finish(const Outcome& o, const std::vector<std::string>& trace) {
    log_request(o, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count(), trace,
                true);
    if (!o.journal.empty() && current_ && journal_) journal_->post(current_->settings.journal, o.journal);
    current_.reset();
    return cgi_response(o.http);
}

}  // namespace cr
