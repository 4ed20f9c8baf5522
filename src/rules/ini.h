// The INI reader: the rule file's lines into sections of `key = value` entries, around
// Debian's libinih 55, with every lexical problem reported at its line.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "rules/problems.h"

namespace cr {

// One `key = value`, continuation lines already joined with '\n'.
struct IniEntry {
    std::string key, value;
    int line;
};

struct IniSection {
    std::string header;  // what stands between '[' and ']', trimmed
    int line = 0;
    bool broken = false;  // a header that did not parse: reported, its keys ignored
    std::vector<IniEntry> entries;
};

struct IniFile {
    std::vector<IniSection> sections;  // in file order, empty ones included
    int lines = 0;                     // lines read
};

// Reads the text of a rule file, adding each lexical problem to *problems (which names
// the file): a NUL byte, a line too long, a header without ']' or with text after it, an
// indented header, a line that is not `key = value`, a key outside any section, an
// indented key that would continue the previous value. Understands a UTF-8 BOM, CRLF
// line ends, ';' and '#' comments and indented continuation lines. Throws
// std::bad_alloc when memory runs out (also inside libinih's callbacks: thrown again
// once libinih has returned).
IniFile read_ini(std::string_view text, Problems* problems);

// The same for the file at `path` of at most `limit` bytes. Returns false, with *read
// saying why, when the file cannot be read; *stamp gets the version read, as
// read_file() says.
bool read_ini_file(const std::string& path, std::size_t limit, IniFile* out, Problems* problems, FileRead* read,
                   FileStamp* stamp);

}  // namespace cr
