// What a load of the rule file finds wrong, as the admin reads it: one line each,
// "FILE:LINE: message", sorted by the line of the rule file it sorts under.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "base/file.h"

namespace cr {

// At most this many problems are reported per load; a binary file would give one a line.
constexpr std::size_t kMaxProblems = 50;

// A problem: the line of the rule file it sorts under, its order among the problems of
// that line (a list file's own lines), and its text "FILE:LINE: message".
struct Problem {
    int line;
    int sub;
    std::string text;
};

struct Problems {
    std::string file;  // the rule file, as messages name it
    std::vector<Problem> list;

    // Adds "FILE:LINE: message", sorted under `line`.
    void add(int line, std::string message, int sub = 0);

    // Moves the problems to *errors, sorted by line, each on one line (a control byte
    // becomes a space), at most kMaxProblems and then "FILE: N more problems". Returns
    // whether there were none.
    bool report(std::vector<std::string>* errors);
};

// Why a file of at most `limit` bytes could not be read, for a message after "FILE: ".
std::string read_problem(const FileRead& r, std::size_t limit);

}  // namespace cr
