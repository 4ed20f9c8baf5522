#include "base/library.h"

#include <dlfcn.h>

namespace cr {

Library::~Library() {
    if (handle_) ::dlclose(handle_);
}

bool Library::open(const char* soname, const char* package, std::string* err) {
    soname_ = soname;
    handle_ = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle_) return true;
    const char* e = ::dlerror();
    *err = "cannot load " + soname_ + " (" + package + "): " + (e ? e : "unknown");
    return false;
}

void* Library::symbol(const char* name) {
    void* p = handle_ ? ::dlsym(handle_, name) : nullptr;
    if (!p && missing_.empty()) missing_ = name;
    return p;
}

bool Library::done(std::string* err) {
    if (!handle_ || !missing_.empty()) {
        *err = soname_ + " has no " + missing_;
        return false;
    }
    handle_ = nullptr;  // kept open: the functions taken from it are used until the end
    return true;
}

}  // namespace cr
