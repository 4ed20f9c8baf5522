#include "webhook/answer.h"

#include <cstdio>

#include "rules/xml.h"
#include "webhook/form.h"
#include "base/log.h"
#include "rules/decide.h"
#include "journal/journal.h"
#include "signature/signature.h"

namespace cr {

namespace {

constexpr const char* kXml = "application/xml; charset=UTF-8";

const char* const kEvents[] = {"newCall", "answer", "hangup", "dtmf"};

// Fields sipgate.io sends once; a second copy is ambiguous. The first kRoutingFields
// are the ones routing needs: only they can make a request a 400 (SPEC section 4).
const char* const kSingleFields[] = {"event", "from", "to", "direction", "callId", "origCallId", "xcid",
                                     "diversion", "user", "userId", "fullUserId", "answeringNumber", "cause", "dtmf"};
constexpr std::size_t kRoutingFields = 4;

struct Form {
    const std::string* get[sizeof(kSingleFields) / sizeof(kSingleFields[0])] = {};
    const std::string* field(const char* name) const {
        for (std::size_t i = 0; i < sizeof(kSingleFields) / sizeof(kSingleFields[0]); ++i)
            if (std::string_view(kSingleFields[i]) == name) return get[i];
        return nullptr;
    }
    // The field's value, empty when it is absent (or was ignored).
    std::string value(const char* name) const {
        const std::string* v = field(name);
        return v ? *v : std::string();
    }
    void drop(const char* name) {
        for (std::size_t i = 0; i < sizeof(kSingleFields) / sizeof(kSingleFields[0]); ++i)
            if (std::string_view(kSingleFields[i]) == name) get[i] = nullptr;
    }
};

// Treats the optional field `name` as absent, names it for the log line, and says why
// in the trace.
void ignore(Response* r, Form* form, const char* name, const std::string& why, std::vector<std::string>* trace) {
    form->drop(name);
    if (!r->ignored.empty()) r->ignored += ',';
    r->ignored += name;
    if (trace) trace->push_back(std::string("field '") + name + "' ignored: " + why);
}

}  // namespace

const char* status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

HttpHead form_post(std::string_view body) {
    HttpHead h;
    h.method = "POST";
    h.has_content_type = true;
    h.content_type = "application/x-www-form-urlencoded";
    h.has_content_length = true;
    h.content_length = std::to_string(body.size());
    return h;
}

Response error_response(int status, std::string message) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=UTF-8";
    r.detail = message;
    r.body = std::move(message);
    r.body += '\n';
    return r;
}

std::string cgi_response(const Response& r) {
    std::string out = "Status: " + std::to_string(r.status) + " " + status_text(r.status) + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (r.allow_post) out += "Allow: POST\r\n";
    out += "\r\n";
    out += r.body;
    return out;
}

bool check_head(const Config& config, const HttpHead& head, BodyPlan* plan, Response* resp) {
    *plan = BodyPlan();
    plan->query = head.query;
    if (head.method != "POST") {
        *resp = error_response(405, "method not allowed: sipgate.io POSTs");
        resp->allow_post = true;
        return false;
    }
    const std::string& want = config.settings.require_user;
    if (!want.empty() && (!head.has_remote_user || head.remote_user != want)) {
        *resp = error_response(403, head.has_remote_user && !head.remote_user.empty()
                                        ? "forbidden: authenticated user is not the one require_user names"
                                        : "forbidden: no authenticated user, and require_user is set");
        return false;
    }
    if (config.settings.signature_required) {
        if (!head.has_signature || head.signature.empty()) {
            *resp = error_response(403, std::string("forbidden: ") +
                                            (head.has_signature ? "the X-Sipgate-Signature header is empty"
                                                                : "no X-Sipgate-Signature header") +
                                            ", and signature = require");
            resp->signature = "missing";
            return false;
        }
        plan->check_signature = true;
        plan->signature = head.signature;
    }
    if (!head.has_content_type || !is_form_content_type(head.content_type)) {
        *resp = error_response(415, "unsupported media type: expected application/x-www-form-urlencoded");
        return false;
    }
    std::string_view cl = head.content_length;
    if (!head.has_content_length || cl.empty() || cl == "-1") {
        if (head.body_to_end) {
            plan->to_end = true;
            plan->length = config.settings.max_body;
            return true;
        }
        *resp = error_response(411, cl == "-1" ? "length required: Content-Length -1 (a body of unknown length)"
                                               : "length required: no Content-Length");
        return false;
    }
    // Strictly decimal digits; anything longer than 9 digits is too large anyway.
    std::size_t n = 0;
    for (char c : cl) {
        if (c < '0' || c > '9') {
            *resp = error_response(400, "bad Content-Length: not a decimal number");
            return false;
        }
    }
    while (cl.size() > 1 && cl[0] == '0') cl.remove_prefix(1);
    if (cl.size() > 9) {
        *resp = error_response(413, "body too large: more than max_body (" + std::to_string(config.settings.max_body) +
                                        " bytes)");
        return false;
    }
    for (char c : cl) n = n * 10 + static_cast<std::size_t>(c - '0');
    if (n > config.settings.max_body) {
        *resp = error_response(413, "body too large: " + std::to_string(n) + " bytes, max_body is " +
                                        std::to_string(config.settings.max_body));
        return false;
    }
    plan->length = n;
    return true;
}

namespace {

// Checks the body's length against what check_head said. Returns the body to decode,
// or false with *bad set (400, 413).
bool check_length(std::string_view body, const BodyPlan& plan, std::string_view* out, Response* bad) {
    if (plan.to_end) {
        if (body.size() > plan.length) {
            *bad = error_response(413, "body too large: more than max_body (" + std::to_string(plan.length) + " bytes)");
            return false;
        }
        *out = body;
    } else if (body.size() < plan.length) {
        *bad = error_response(400, "body shorter than Content-Length: got " + std::to_string(body.size()) + " of " +
                                       std::to_string(plan.length) + " bytes");
        return false;
    } else {
        *out = body.substr(0, plan.length);
    }
    return true;
}

// Decodes the body and takes the fields sipgate.io sends once. A second event, or a
// second from, to or direction of a newCall (what routing needs), is a 400; a second
// copy of any other field, ambiguous, is treated as absent and named in r->ignored.
bool read_form(std::string_view body, Fields* fields, Form* form, Response* r, std::vector<std::string>* trace) {
    std::string err;
    if (!decode_form(body, fields, &err)) {
        *r = error_response(400, "malformed body: " + err);
        return false;
    }
    bool twice[sizeof(kSingleFields) / sizeof(kSingleFields[0])] = {};
    for (const auto& [name, value] : *fields) {
        for (std::size_t i = 0; i < sizeof(kSingleFields) / sizeof(kSingleFields[0]); ++i) {
            if (name != kSingleFields[i]) continue;
            if (form->get[i]) twice[i] = true;
            form->get[i] = &value;
        }
    }
    // A second event is a 400 (nothing can be decided); a second from, to or direction
    // too, but only for a newCall, whose routing needs them.
    const std::string* event = form->field("event");
    const bool routed = !twice[0] && (!event || *event == "newCall");
    for (std::size_t i = 0; i < sizeof(kSingleFields) / sizeof(kSingleFields[0]); ++i) {
        if (!twice[i]) continue;
        if (i == 0 || (i < kRoutingFields && routed)) {
            *r = error_response(400, std::string("field '") + kSingleFields[i] + "' given more than once");
            return false;
        }
    }
    for (std::size_t i = 0; i < sizeof(kSingleFields) / sizeof(kSingleFields[0]); ++i)
        if (twice[i]) ignore(r, form, kSingleFields[i], "given more than once", trace);
    return true;
}

// A newCall: checks its direction and numbers (a 400 names the first that is wrong),
// then the first rule that matches decides. `r` holds the request's fields for the log.
Response route(const Config& config, Form& form, std::int64_t now, std::vector<std::string>* trace,
               Response r) {
    auto fail = [&](std::string msg) {
        Response bad = error_response(400, std::move(msg));
        bad.event = r.event;
        bad.call_id = r.call_id;
        bad.direction = r.direction;
        bad.from = r.from;
        bad.to = r.to;
        bad.signature = r.signature;
        bad.ignored = r.ignored;
        return bad;
    };
    Call call;
    call.now = now;
    std::string err;
    if (!form.field("direction")) return fail("missing field 'direction'");
    if (r.direction != "in" && r.direction != "out") return fail("bad direction: expected 'in' or 'out'");
    call.direction = r.direction == "in" ? Direction::In : Direction::Out;
    const std::string& cc = config.settings.country_code;
    if (!form.field("from")) return fail("missing field 'from'");
    if (!parse_number(r.from, cc, true, &call.from, &err)) return fail("bad from: " + err);
    if (!form.field("to")) return fail("missing field 'to'");
    if (!parse_number(r.to, cc, false, &call.to, &err)) return fail("bad to: " + err);
    if (const std::string* d = form.field("diversion"); d && !d->empty()) {
        if (parse_number(*d, cc, false, &call.diversion, &err))
            call.has_diversion = true;
        else
            ignore(&r, &form, "diversion", log_text(*d) + ": " + err, trace);
    }
    r.from = call.from.text;
    r.to = call.to.text;
    r.rule = "none";
    r.action = "none";
    r.body = no_action(config);
    const Rule* rule = decide(config, call, trace);
    if (!rule) return r;
    r.rule = rule->name;
    std::string xml;
    if (!render(*rule, call, &xml)) {
        r.detail = "dial $to: 'to' is " + call.to.text + ", not a number to dial";
        if (trace) trace->push_back(r.detail + "; answered with <Response/>");
        return r;
    }
    r.body = std::move(xml);
    r.action = rule->action_text;
    return r;
}

// The keys of a menu (event=dtmf, with menu=NAME in the query string, as the menu's
// <Gather onData> asked): the menu's choice for them. Anything it cannot follow (no
// menu named, a menu the rules no longer have, keys the menu says nothing for) is
// answered with no action, so that the call goes on as the account is set up.
Response menu_answer(const Config& config, const std::string& query, const Form& form,
                     std::vector<std::string>* trace, Response r) {
    const std::string* typed = form.field("dtmf");
    r.dtmf = typed ? *typed : std::string();
    r.body = no_action(config);
    r.action = "none";
    Fields q;
    std::string err;
    if (!decode_form(query, &q, &err)) q.clear();
    for (const auto& [k, v] : q)
        if (k == "menu") r.menu = v;
    r.detail = (r.menu.empty() ? std::string() : "menu=" + r.menu + " ") + "dtmf=" + r.dtmf;
    const Menu* m = r.menu.empty() ? nullptr : config.find_menu(r.menu);
    if (!m) {
        r.detail += r.menu.empty() ? "; no menu=NAME in the query string" : "; no such menu (any more)";
        if (trace) trace->push_back("event dtmf: " + r.detail + ": answered with <Response/>");
        return r;
    }
    const MenuChoice* c = m->choose(r.dtmf);
    r.choice = !c ? "" : c == m->none.get() ? "none" : c == m->other.get() ? "other" : c->keys;
    if (!c) {
        r.detail += r.dtmf.empty() ? "; the menu has no 'none'" : "; the menu has no 'other'";
        if (trace) trace->push_back("event dtmf: " + r.detail + ": answered with <Response/>");
        return r;
    }
    r.detail += " choice=" + r.choice;
    r.action = c->action_text;
    r.body = c->answer.empty() ? no_action(config) : c->answer[0];
    if (trace)
        trace->push_back("menu " + m->name + " (line " + std::to_string(m->line) + "): keys '" + r.dtmf + "' -> " +
                         r.choice + " (line " + std::to_string(c->line) + ") -> " + c->action_text);
    return r;
}

// An answer or hangup event: taken note of, answered with <Response/>.
void note_event(const Config& config, Form& form, std::vector<std::string>* trace, Response* r) {
    if (r->event == "hangup") r->detail = "cause=" + form.value("cause");
    if (r->event == "answer") {
        r->detail = "user=" + form.value("user");
        if (const std::string* a = form.field("answeringNumber"); a && !a->empty()) {
            Number n;
            std::string err;
            if (parse_number(*a, config.settings.country_code, false, &n, &err)) {
                r->detail += " answeringNumber=" + n.text;
                r->answering = n.text;
            } else {
                ignore(r, &form, "answeringNumber", log_text(*a) + ": " + err, trace);
            }
        }
    }
    r->body = empty_answer();
    r->action = "none";
    if (trace) trace->push_back("event " + r->event + ": answered with <Response/>");
}

// The journal's record of an event answered 200.
JournalEvent journal_event(const Response& r, const Fields& fields, const Form& form, std::int64_t now) {
    JournalEvent e;
    e.time = now;
    auto add = [&](const char* k, const std::string& v) {
        if (!v.empty()) e.fields.emplace_back(k, v);
    };
    add("event", r.event);
    add("callId", r.call_id);
    if (r.event == "newCall") {
        add("direction", r.direction);
        add("from", r.from);
        add("to", r.to);
        add("diversion", form.value("diversion"));
        add("rule", r.rule);
        add("action", r.action);
        for (const auto& [k, v] : fields)
            if (k == "user[]") e.users.push_back(v);
    } else if (r.event == "dtmf") {
        add("menu", r.menu);
        e.fields.emplace_back("dtmf", r.dtmf);
        add("choice", r.choice);
        add("action", r.action);
    } else if (r.event == "answer") {
        add("user", form.value("user"));
        add("userId", form.value("userId"));
        add("answeringNumber", r.answering);
    } else if (r.event == "hangup") {
        add("cause", form.value("cause"));
    }
    return e;
}

}  // namespace

Response answer(const Config& config, std::string_view body, const BodyPlan& plan, std::int64_t now,
                std::vector<std::string>* trace) {
    Fields fields;
    Form form;
    Response r;
    std::string_view form_body;
    if (!check_length(body, plan, &form_body, &r)) return r;
    if (plan.check_signature) {
        SignatureCheck sc = check_signature(*config.settings.signature_key, &plan.signature, form_body);
        if (sc.result != SignatureCheck::Ok) {
            r = error_response(403, "forbidden: " + sc.reason);
            r.signature = sc.word();
            return r;
        }
        r.signature = sc.word();
        if (trace) trace->push_back("signature: verified with " + config.settings.signature_key_name);
    }
    if (std::string sig = r.signature; !read_form(form_body, &fields, &form, &r, trace)) {
        r.signature = sig;
        return r;
    }
    r.event = form.field("event") ? form.value("event") : "newCall";
    r.call_id = form.value("callId");
    r.direction = form.value("direction");
    r.from = form.value("from");
    r.to = form.value("to");
    bool known_event = false;
    for (const char* e : kEvents) known_event = known_event || r.event == e;
    if (!known_event) {
        Response bad = error_response(400, "unknown event: expected newCall, answer, hangup or dtmf");
        bad.event = r.event;
        bad.signature = r.signature;
        return bad;
    }
    r.status = 200;
    r.content_type = kXml;
    if (r.event == "newCall")
        r = route(config, form, now, trace, std::move(r));
    else if (r.event == "dtmf")
        r = menu_answer(config, plan.query, form, trace, std::move(r));
    else
        note_event(config, form, trace, &r);
    if (r.status == 200 && !config.settings.journal.empty()) r.journal = journal_line(journal_event(r, fields, form, now));
    return r;
}

Response handle(const Config& config, const HttpHead& head, std::string_view body, std::int64_t now,
                std::vector<std::string>* trace) {
    BodyPlan plan;
    Response r;
    if (!check_head(config, head, &plan, &r)) return r;
    return answer(config, body, plan, now, trace);
}

std::string request_log_line(const Response& r, double millis) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3fms", millis);
    std::string line = "status=" + std::to_string(r.status);
    auto add = [&](const char* key, const std::string& v, bool always) {
        if (v.empty() && !always) return;
        line += ' ';
        line += key;
        line += '=';
        line += log_value(v);
    };
    add("event", r.event, false);
    add("direction", r.direction, false);
    add("from", r.from, false);
    add("to", r.to, false);
    add("callId", r.call_id, false);
    add("rule", r.rule, false);
    add("action", r.action, false);
    add("signature", r.signature, false);
    add("ignored", r.ignored, false);
    if (r.status != 200)
        add("error", r.detail, true);
    else
        add("detail", r.detail, false);
    line += " time=";
    line += ms;
    return line;
}

void log_request(const Response& r, double millis, const std::vector<std::string>& trace) {
    for (const std::string& t : trace) log_line(LogLevel::Debug, log_text(t));
    log_line(r.status >= 500 ? LogLevel::Error : LogLevel::Info, request_log_line(r, millis));
}

}  // namespace cr
