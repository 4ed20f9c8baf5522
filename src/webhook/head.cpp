#include "webhook/head.h"

#include "webhook/form.h"

namespace cr {

HttpHead form_post(std::string_view body) {
    HttpHead h;
    h.method = "POST";
    h.has_content_type = true;
    h.content_type = "application/x-www-form-urlencoded";
    h.has_content_length = true;
    h.content_length = std::to_string(body.size());
    return h;
}

bool check_head(const RuleSet& rules, const HttpHead& head, BodyPlan* plan, Outcome* early) {
    *plan = BodyPlan();
    plan->query = head.query;
    plan->path = head.path;
    if (head.method != "POST") {
        *early = error_outcome(405, "method not allowed: sipgate.io POSTs");
        early->http.allow_post = true;
        return false;
    }
    const std::string& want = rules.settings.require_user;
    if (!want.empty() && (!head.has_remote_user || head.remote_user != want)) {
        *early = error_outcome(403, head.has_remote_user && !head.remote_user.empty()
                                        ? "forbidden: authenticated user is not the one require_user names"
                                        : "forbidden: no authenticated user, and require_user is set");
        return false;
    }
    if (rules.settings.signature_required) {
        if (!head.has_signature || head.signature.empty()) {
            *early = error_outcome(403, std::string("forbidden: ") +
                                            (head.has_signature ? "the X-Sipgate-Signature header is empty"
                                                                : "no X-Sipgate-Signature header") +
                                            ", and signature = require");
            early->call.signature = "missing";
            return false;
        }
        plan->check_signature = true;
        plan->signature = head.signature;
    }
    if (!head.has_content_type || !is_form_content_type(head.content_type)) {
        *early = error_outcome(415, "unsupported media type: expected application/x-www-form-urlencoded");
        return false;
    }
    std::string_view cl = head.content_length;
    if (!head.has_content_length || cl.empty() || cl == "-1") {
        if (head.body_to_end) {
            plan->to_end = true;
            plan->length = rules.settings.max_body;
            return true;
        }
        *early = error_outcome(411, cl == "-1" ? "length required: Content-Length -1 (a body of unknown length)"
                                               : "length required: no Content-Length");
        return false;
    }
    // Strictly decimal digits; anything longer than 9 digits is too large anyway.
    std::size_t n = 0;
    for (char c : cl) {
        if (c < '0' || c > '9') {
            *early = error_outcome(400, "bad Content-Length: not a decimal number");
            return false;
        }
    }
    while (cl.size() > 1 && cl[0] == '0') cl.remove_prefix(1);
    if (cl.size() > 9) {
        *early = error_outcome(
            413, "body too large: more than max_body (" + std::to_string(rules.settings.max_body) + " bytes)");
        return false;
    }
    for (char c : cl) n = n * 10 + static_cast<std::size_t>(c - '0');
    if (n > rules.settings.max_body) {
        *early = error_outcome(413, "body too large: " + std::to_string(n) + " bytes, max_body is " +
                                        std::to_string(rules.settings.max_body));
        return false;
    }
    plan->length = n;
    return true;
}

}  // namespace cr
