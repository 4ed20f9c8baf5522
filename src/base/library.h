// A shared library opened at run time (dlopen) for what only some runs need: libcrypto
// when a rule file names a key (signature/crypto.cpp), libcurl when --notify sends a
// webhook (notify/post.cpp). A CGI process that needs neither loads neither.
//
//   Library lib;
//   if (!lib.open("libcurl.so.4", "Debian's libcurl4", &err)) return ...;
//   lib.get(&table.curl_easy_init, "curl_easy_init");
//   ...
//   if (!lib.done(&err)) return ...;  // all found: the library stays for the process's life
#pragma once
#include <string>

namespace cr {

class Library {
public:
    Library() = default;
    Library(const Library&) = delete;
    Library& operator=(const Library&) = delete;
    ~Library();  // closes it, unless done() kept it

    // Opens `soname` (RTLD_NOW | RTLD_LOCAL). Returns false with *err ("cannot load
    // libcurl.so.4 (Debian's libcurl4): why"); `package` says where it comes from.
    bool open(const char* soname, const char* package, std::string* err);

    // Looks up the function `name` into *fn (null when missing: done() says so).
    template <typename F>
    void get(F** fn, const char* name) {
        *fn = reinterpret_cast<F*>(symbol(name));
    }

    // Whether every get() found its function: then the library stays loaded for the
    // life of the process; else false with *err ("libcurl.so.4 has no NAME") and it is
    // closed.
    bool done(std::string* err);

private:
    void* symbol(const char* name);

    void* handle_ = nullptr;
    std::string soname_, missing_;
};

}  // namespace cr
