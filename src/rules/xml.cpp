#include "rules/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "rules/model.h"

namespace cr {

namespace {

// Stand where the request fills in (rules/model.h, Hole): kToPlace ("{to}") for the
// called number, "{r:NAME}" for the number of [rota NAME], "{tN}" for the token of the
// Nth URL of the document. '{' is in no URL or number we accept.

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

// libxml2 says "no memory" with a null: at load, that must refuse the rules (see
// rules/load.h), not leave a rule with half an answer.
template <typename T>
T* made(T* p) {
    if (!p) throw std::bad_alloc();
    return p;
}

struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

struct XmlFree {
    void operator()(xmlChar* p) const { xmlFree(p); }
};

// The document as UTF-8 text, indented; empty when libxml2 has no memory for it.
std::string serialise(xmlDoc* doc) {
    xmlChar* raw = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc, &raw, &size, "UTF-8", 1);
    std::unique_ptr<xmlChar, XmlFree> buf(raw);  // freed however the copy ends
    return buf ? std::string(reinterpret_cast<const char*>(buf.get()), static_cast<std::size_t>(size)) : "";
}

// The dial attributes of the action that holds a step.
struct DialAttrs {
    const std::string* caller_id;
    int anonymous;
};

// One <Response> being built: the document, and what its token places continue.
class Doc {
public:
    explicit Doc(const RuleSet& rules) : rules_(rules), doc_(made(xmlNewDoc(X("1.0")))) {
        resp_ = made(xmlNewNode(nullptr, X("Response")));
        xmlDocSetRootElement(doc_.get(), resp_);  // the document owns it from here
        if (!rules.settings.journal.empty()) {
            made(xmlNewProp(resp_, X("onAnswer"), X(rules.settings.public_url.c_str())));
            made(xmlNewProp(resp_, X("onHangup"), X(rules.settings.public_url.c_str())));
        }
    }

    xmlNode* response() const { return resp_; }

    // A <Gather> whose onData is public_url with `query` (URL-encoded as it goes on the
    // wire) and the token for `what` (the query decoded), with `sound` as its one <Play>.
    void gather(const std::string& query, const std::string& what, int digits, int timeout_ms,
                const std::string& sound) {
        xmlNode* g = made(xmlNewChild(resp_, nullptr, X("Gather"), nullptr));
        std::string url = continue_url(rules_.settings.public_url, query) + "{t" + std::to_string(whats_.size()) + "}";
        whats_.push_back(what);
        made(xmlNewProp(g, X("onData"), X(url.c_str())));
        made(xmlNewProp(g, X("maxDigits"), X(std::to_string(digits).c_str())));
        made(xmlNewProp(g, X("timeout"), X(std::to_string(timeout_ms).c_str())));
        play(g, sound);
    }

    static void play(xmlNode* parent, const std::string& url) {
        xmlNode* p = made(xmlNewChild(parent, nullptr, X("Play"), nullptr));
        made(xmlNewTextChild(p, nullptr, X("Url"), X(url.c_str())));
    }

    // The document, serialised and split where the request fills in.
    Answer finish() {
        std::string xml = serialise(doc_.get());
        if (xml.empty()) throw std::bad_alloc();
        Answer a;
        std::size_t pos = 0;
        for (std::size_t hit = 0; (hit = xml.find('{', hit)) != std::string::npos; ++hit) {
            Hole h;
            std::size_t end = hit + 1;
            if (xml.compare(hit, 4, kToPlace) == 0) {
                h.kind = Hole::To;
                end = hit + 4;
            } else if (xml.compare(hit, 3, "{r:") == 0) {
                const std::size_t close = xml.find('}', hit);
                if (close == std::string::npos) continue;
                h.kind = Hole::Rota;
                h.what = xml.substr(hit + 3, close - hit - 3);
                end = close + 1;
            } else if (xml.compare(hit, 2, "{t") == 0) {
                std::size_t n = 0, i = hit + 2;
                while (i < xml.size() && i < hit + 8 && xml[i] >= '0' && xml[i] <= '9')
                    n = n * 10 + static_cast<std::size_t>(xml[i++] - '0');
                if (i == hit + 2 || i >= xml.size() || xml[i] != '}' || n >= whats_.size()) continue;
                h.kind = Hole::Token;
                h.what = whats_[n];
                end = i + 1;
            } else {
                continue;  // no place of ours: a '{' of the text
            }
            a.parts.push_back(xml.substr(pos, hit - pos));
            a.holes.push_back(std::move(h));
            pos = end;
            hit = end - 1;
        }
        a.parts.push_back(xml.substr(pos));
        return a;
    }

private:
    const RuleSet& rules_;
    std::unique_ptr<xmlDoc, DocFree> doc_;
    xmlNode* resp_;
    std::vector<std::string> whats_;
};

// `s` as a query value: '#', '%', '&', '+' and '=' escaped (names and keys hold no other
// character that needs it).
std::string query_value(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '#' || c == '%' || c == '&' || c == '+' || c == '=') {
            static const char hex[] = "0123456789ABCDEF";
            out += '%';
            out += hex[static_cast<unsigned char>(c) >> 4];
            out += hex[static_cast<unsigned char>(c) & 15];
        } else {
            out += c;
        }
    }
    return out;
}

// Adds the element of one step (not a play that leads on: see build_answer).
void add_step(Doc* doc, const DialAttrs& attrs, const Step& st) {
    xmlNode* resp = doc->response();
    switch (st.kind) {
    case Step::Dial:
    case Step::Voicemail: {
        xmlNode* dial = made(xmlNewChild(resp, nullptr, X("Dial"), nullptr));
        if (!attrs.caller_id->empty()) made(xmlNewProp(dial, X("callerId"), X(attrs.caller_id->c_str())));
        if (attrs.anonymous >= 0) made(xmlNewProp(dial, X("anonymous"), X(attrs.anonymous ? "true" : "false")));
        if (st.kind == Step::Voicemail) {
            made(xmlNewChild(dial, nullptr, X("Voicemail"), nullptr));
        } else {
            for (const std::string& n : st.numbers)
                made(xmlNewTextChild(dial, nullptr, X("Number"),
                                     X(n == "$to"                       ? kToPlace
                                       : n.compare(0, 6, "@rota:") == 0 ? ("{r:" + n.substr(6) + "}").c_str()
                                                                        : n.c_str())));
        }
        break;
    }
    case Step::Play: Doc::play(resp, st.url); break;
    case Step::Reject: {
        xmlNode* rej = made(xmlNewChild(resp, nullptr, X("Reject"), nullptr));
        if (!st.reason.empty()) made(xmlNewProp(rej, X("reason"), X(st.reason.c_str())));
        break;
    }
    case Step::Hangup: made(xmlNewChild(resp, nullptr, X("Hangup"), nullptr)); break;
    case Step::Menu: {
        // As the official library writes it: <Gather onData maxDigits timeout><Play><Url>.
        const Menu& m = *st.target;
        doc->gather("menu=" + m.name, "menu=" + m.name, m.digits, m.timeout * 1000, m.prompt);
        break;
    }
    case Step::Pass: break;
    }
}

// What follows the word "then" in an action as written, blanks made single.
std::string after_then(const std::string& text) {
    std::string out;
    bool after = false;
    for (std::size_t i = 0; i < text.size();) {
        while (i < text.size() && is_space(text[i])) ++i;
        std::size_t j = i;
        while (j < text.size() && !is_space(text[j])) ++j;
        std::string word = text.substr(i, j - i);
        if (after && !word.empty()) out += (out.empty() ? "" : " ") + word;
        after = after || word == "then";
        i = j;
    }
    return out;
}

// The answer of `steps`, an action written at `line` as `text`. When it plays an
// announcement that leads on, the action after it becomes the follow-up `id` of *rules
// (then=ID).
Answer build_answer(RuleSet* rules, const std::vector<Step>& steps, const DialAttrs& attrs, const std::string& id,
                    int line, const std::string& text) {
    Doc doc(*rules);
    if (leads_on(steps, !rules->settings.public_url.empty())) {
        // The push after the announcement names no number: a follow-up that dials $to
        // takes it from the URL, where the token covers it.
        const bool to = std::any_of(steps.begin() + 1, steps.end(), dials_to);
        const std::string with_to = to ? std::string("&to=") + kToPlace : "";
        doc.gather("then=" + query_value(id) + with_to, "then=" + id + with_to, 1, 0, steps[0].url);
        FollowUp f;
        f.id = id;
        f.line = line;
        f.action_text = after_then(text);
        f.answer = build_answer(rules, {steps.begin() + 1, steps.end()}, attrs, id, line, f.action_text);
        rules->follow_ups[id] = std::move(f);
    } else {
        for (const Step& st : steps) add_step(&doc, attrs, st);
    }
    Answer a = doc.finish();
    // dial @rota:NAME: the rota's fallback, with this action's dial attributes, for when
    // nobody is on call; its follow-up is ID#rota ('#' is in no name).
    for (const Step& st : steps)
        for (const std::string& n : st.numbers)
            if (n.compare(0, 6, "@rota:") == 0 && !leads_on(steps, !rules->settings.public_url.empty()))
                if (const Rota* r = rules->find_rota(n.substr(6)))
                    a.fallback = std::make_shared<const Answer>(
                        build_answer(rules, r->fallback_steps, attrs, id + "#rota", line, r->fallback_text));
    return a;
}

// The answers of a menu: its asks (try 1 to tries), and with `invalid` the follow-ups
// that ask again after the invalid sound.
void build_menu(RuleSet* rules, Menu* m) {
    m->asks.clear();
    for (int k = 1; k <= m->tries; ++k) {
        Doc doc(*rules);
        std::string q = "menu=" + m->name + (k > 1 ? "&try=" + std::to_string(k) : "");
        doc.gather(q, q, m->digits, m->timeout * 1000, m->prompt);
        m->asks.push_back(doc.finish());
    }
    m->invalids.clear();
    if (!m->invalid.empty())
        for (int k = 2; k <= m->tries; ++k) {
            Doc doc(*rules);
            std::string id = "invalid." + m->name + "." + std::to_string(k);
            doc.gather("then=" + query_value(id), "then=" + id, 1, 0, m->invalid);
            m->invalids.push_back(doc.finish());
            FollowUp f;
            f.id = id;
            f.line = m->line;
            f.action_text = "menu " + m->name + " (try " + std::to_string(k) + " of " + std::to_string(m->tries) + ")";
            f.answer = m->asks[static_cast<std::size_t>(k - 1)];
            rules->follow_ups[f.id] = std::move(f);
        }
}

}  // namespace

std::string continue_url(const std::string& public_url, const std::string& query) {
    return public_url + (public_url.find('?') == std::string::npos ? "?" : "&") + query;
}

void xml_init() { xmlInitParser(); }

void build_xml(RuleSet* rules) {
    static const std::string none;
    for (auto& m : rules->menus) build_menu(rules, m.get());
    for (Rule& r : rules->rules)
        r.answer = build_answer(rules, r.steps, {&r.caller_id, r.anonymous}, "rule." + r.name, r.line, r.action_text);
    for (auto& m : rules->menus)
        m->each_choice([&](MenuChoice& c) {
            std::string key = !c.keys.empty() ? c.keys : &c == m->none.get() ? "none" : "other";
            c.answer = build_answer(rules, c.steps, {&none, -1}, "menu." + m->name + "." + key, c.line, c.action_text);
        });
    Doc empty(*rules);
    rules->no_rule_xml = empty.finish().parts.front();
    Doc hangup(*rules);
    Step end;
    end.kind = Step::Hangup;
    add_step(&hangup, {&none, -1}, end);
    rules->switch_failed_xml = hangup.finish().parts.front();
}

const std::string& empty_response_xml() {
    static const std::string xml = [] {
        std::unique_ptr<xmlDoc, DocFree> doc(xmlNewDoc(X("1.0")));
        xmlDocSetRootElement(doc.get(), xmlNewNode(nullptr, X("Response")));
        return serialise(doc.get());
    }();
    return xml;
}

}  // namespace cr
