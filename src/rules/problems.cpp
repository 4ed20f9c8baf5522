#include "rules/problems.h"

#include <algorithm>
#include <cstring>

namespace cr {

void Problems::add(int line, std::string message, int sub) {
    list.push_back({line, sub, file + ":" + std::to_string(line) + ": " + std::move(message)});
}

bool Problems::report(std::vector<std::string>* errors) {
    std::stable_sort(list.begin(), list.end(), [](const Problem& a, const Problem& b) {
        return a.line != b.line ? a.line < b.line : a.sub < b.sub;
    });
    std::size_t more = list.size() > kMaxProblems ? list.size() - kMaxProblems : 0;
    if (more) list.resize(kMaxProblems);
    // One problem, one line: a value that went on over lines (or held other control
    // bytes) must not break the message, whichever check quoted it.
    for (Problem& e : list) {
        for (char& ch : e.text)
            if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
        errors->push_back(std::move(e.text));
    }
    if (more) errors->push_back(file + ": " + std::to_string(more) + " more problems");
    return list.empty();
}

std::string read_problem(const FileRead& r, std::size_t limit) {
    switch (r.failed) {
    case FileRead::Open: return std::string("cannot open: ") + std::strerror(r.error);
    case FileRead::Stat: return std::string("cannot stat: ") + std::strerror(r.error);
    case FileRead::NotRegular: return "not a regular file";
    case FileRead::TooLarge:
        return "larger than " +
               (limit >= 1u << 20 ? std::to_string(limit >> 20) + " MiB" : std::to_string(limit >> 10) + " KiB");
    case FileRead::Read: return std::string("cannot read: ") + std::strerror(r.error);
    case FileRead::Done: break;
    }
    return "read";
}

}  // namespace cr
