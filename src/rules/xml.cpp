#include "rules/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <new>

#include "rules/model.h"

namespace cr {

namespace {

// Stands where the request's `to` goes; '{' is in no URL or number we accept.
constexpr const char* kToMarker = "{to}";

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

void add_step(xmlNode* resp, const RuleSet& config, const DialAttrs& attrs, const Step& st) {
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
                made(xmlNewTextChild(dial, nullptr, X("Number"), X(n == "$to" ? kToMarker : n.c_str())));
        }
        break;
    }
    case Step::Play: {
        xmlNode* play = made(xmlNewChild(resp, nullptr, X("Play"), nullptr));
        made(xmlNewTextChild(play, nullptr, X("Url"), X(st.url.c_str())));
        break;
    }
    case Step::Reject: {
        xmlNode* rej = made(xmlNewChild(resp, nullptr, X("Reject"), nullptr));
        if (!st.reason.empty()) made(xmlNewProp(rej, X("reason"), X(st.reason.c_str())));
        break;
    }
    case Step::Hangup: made(xmlNewChild(resp, nullptr, X("Hangup"), nullptr)); break;
    case Step::Menu: {
        // As the official library writes it: <Gather onData maxDigits timeout><Play><Url>.
        const Menu& m = *st.target;
        xmlNode* g = made(xmlNewChild(resp, nullptr, X("Gather"), nullptr));
        made(xmlNewProp(g, X("onData"), X(menu_url(config.settings.public_url, m.name).c_str())));
        made(xmlNewProp(g, X("maxDigits"), X(std::to_string(m.digits).c_str())));
        made(xmlNewProp(g, X("timeout"), X(std::to_string(m.timeout * 1000).c_str())));
        xmlNode* play = made(xmlNewChild(g, nullptr, X("Play"), nullptr));
        made(xmlNewTextChild(play, nullptr, X("Url"), X(m.prompt.c_str())));
        break;
    }
    case Step::Pass: break;
    }
}

// The <Response> of `steps`, serialised and split where the request's `to` goes; with
// a journal, the Response asks for the answer and hangup events (onAnswer, onHangup).
std::vector<std::string> build_doc(const RuleSet& config, const std::vector<Step>& steps, const DialAttrs& attrs) {
    std::unique_ptr<xmlDoc, DocFree> doc(made(xmlNewDoc(X("1.0"))));
    xmlNode* resp = made(xmlNewNode(nullptr, X("Response")));
    xmlDocSetRootElement(doc.get(), resp);  // the document owns it from here
    if (!config.settings.journal.empty()) {
        made(xmlNewProp(resp, X("onAnswer"), X(config.settings.public_url.c_str())));
        made(xmlNewProp(resp, X("onHangup"), X(config.settings.public_url.c_str())));
    }
    for (const Step& st : steps) add_step(resp, config, attrs, st);
    std::string xml = serialise(doc.get());
    if (xml.empty()) throw std::bad_alloc();
    std::vector<std::string> parts;
    std::size_t pos = 0, hit;
    while ((hit = xml.find(kToMarker, pos)) != std::string::npos) {
        parts.push_back(xml.substr(pos, hit - pos));
        pos = hit + std::char_traits<char>::length(kToMarker);
    }
    parts.push_back(xml.substr(pos));
    return parts;
}

}  // namespace

std::string menu_url(const std::string& public_url, const std::string& name) {
    return public_url + (public_url.find('?') == std::string::npos ? "?" : "&") + "menu=" + name;
}

void xml_init() { xmlInitParser(); }

void build_xml(RuleSet* rules) {
    static const std::string none;
    for (Rule& r : rules->rules) r.xml_parts = build_doc(*rules, r.steps, {&r.caller_id, r.anonymous});
    for (auto& m : rules->menus) {
        Step gather;
        gather.kind = Step::Menu;
        gather.target = m.get();
        m->xml = build_doc(*rules, {gather}, {&none, -1}).front();
        m->each_choice([&](MenuChoice& c) { c.xml = build_doc(*rules, c.steps, {&none, -1}).front(); });
    }
    rules->no_rule_xml = build_doc(*rules, {}, {&none, -1}).front();
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
