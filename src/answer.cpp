#include "answer.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <new>

#include "config.h"

namespace cr {

namespace {

// Stands where the request's `to` goes; '{' is in no URL or number we accept.
constexpr const char* kToMarker = "{to}";

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

// libxml2 says "no memory" with a null: at load, that must refuse the rules (see
// load_rules), not leave a rule with half an answer.
template <typename T>
T* made(T* p) {
    if (!p) throw std::bad_alloc();
    return p;
}

struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

std::string serialise(xmlDoc* doc) {
    xmlChar* buf = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc, &buf, &size, "UTF-8", 1);
    std::string out = buf ? std::string(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(size)) : "";
    xmlFree(buf);
    return out;
}

void add_step(xmlNode* resp, const Rule& rule, const Step& st) {
    switch (st.kind) {
    case Step::Dial:
    case Step::Voicemail: {
        xmlNode* dial = made(xmlNewChild(resp, nullptr, X("Dial"), nullptr));
        if (!rule.caller_id.empty()) made(xmlNewProp(dial, X("callerId"), X(rule.caller_id.c_str())));
        if (rule.anonymous >= 0) made(xmlNewProp(dial, X("anonymous"), X(rule.anonymous ? "true" : "false")));
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
    case Step::Hangup:
        made(xmlNewChild(resp, nullptr, X("Hangup"), nullptr));
        break;
    case Step::Pass:
        break;
    }
}

}  // namespace

void answer_init() { xmlInitParser(); }

std::vector<std::string> build_answer(const Rule& rule) {
    std::unique_ptr<xmlDoc, DocFree> doc(made(xmlNewDoc(X("1.0"))));
    xmlNode* resp = made(xmlNewNode(nullptr, X("Response")));
    xmlDocSetRootElement(doc.get(), resp);  // the document owns it from here
    for (const Step& st : rule.steps) add_step(resp, rule, st);
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

void build_answers(Config* config) {
    for (Rule& r : config->rules) r.answer = build_answer(r);
}

const std::string& empty_answer() {
    static const std::string xml = [] {
        std::unique_ptr<xmlDoc, DocFree> doc(xmlNewDoc(X("1.0")));
        xmlDocSetRootElement(doc.get(), xmlNewNode(nullptr, X("Response")));
        return serialise(doc.get());
    }();
    return xml;
}

}  // namespace cr
