// The FastCGI engine's link to the core: a fcgi::Handler that answers each request
// with the rules in force when its params came (check_head, then answer on the body,
// webhook/), logs it, and hands its journal line to the journal's writer. Used by the
// event loops and by the FastCGI fuzzer.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fastcgi/protocol.h"
#include "journal/writer.h"
#include "rules/model.h"
#include "webhook/head.h"
#include "webhook/outcome.h"

namespace cr {

class Responder final : public fcgi::Handler {
public:
    // `rules` gives the rules in force (called once per request); `journal`, when not
    // null, takes the journal lines (the rules name the file).
    Responder(std::function<std::shared_ptr<const RuleSet>()> rules, JournalWriter* journal)
        : rules_(std::move(rules)), journal_(journal) {}

    bool on_params(const fcgi::Pairs& params, fcgi::BodyWant* want, std::string* answer) override;
    std::string on_body(std::string_view body, bool complete) override;
    void on_abort() override;

private:
    std::string finish(const Outcome& o, const std::vector<std::string>& trace);

    std::function<std::shared_ptr<const RuleSet>()> rules_;
    JournalWriter* journal_;
    // The request in progress: the rules it began with, and what check_head said of its body.
    std::shared_ptr<const RuleSet> current_;
    BodyPlan plan_;
    std::chrono::steady_clock::time_point t0_;
};

}  // namespace cr
