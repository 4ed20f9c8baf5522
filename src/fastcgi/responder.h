// The FastCGI engine's link to the core: a fcgi::Handler that answers each request
// with the rules in force when its params came (check_head, then answer on the
// body), and logs it. Used by the event loops and by the FastCGI fuzzer.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"
#include "fastcgi/protocol.h"
#include "webhook/answer.h"

namespace cr {

class Responder : public fcgi::Handler {
public:
    // `rules` gives the rules in force; called once per request.
    explicit Responder(std::function<std::shared_ptr<const Config>()> rules) : rules_(std::move(rules)) {}

    bool on_params(const fcgi::Pairs& params, fcgi::BodyWant* want, std::string* answer) override;
    std::string on_body(std::string_view body, bool complete) override;
    void on_abort() override;

private:
    std::string finish(const Response& r, const std::vector<std::string>& trace);

    std::function<std::shared_ptr<const Config>()> rules_;
    // The request in progress: the rules it began with, and what check_head said of its body.
    std::shared_ptr<const Config> config_;
    BodyPlan plan_;
    std::chrono::steady_clock::time_point t0_;
};

}  // namespace cr
