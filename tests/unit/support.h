// What the unit tests share: a temporary directory, a rule file loaded from one.
#pragma once
#include <doctest/doctest.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "answer.h"
#include "config.h"

namespace test {

// Makes the n-th allocation through operator new from now on fail (1: the next one);
// 0 makes none fail. Counts are not per thread: for single-threaded code.
void fail_allocation(long n);

// A temporary directory, removed with all it holds when the test ends.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/callrouter-unit-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        const char* made = ::mkdtemp(buf.data());
        REQUIRE(made != nullptr);
        path_ = made;
    }
    ~TempDir() {
        ::nftw(path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
               FTW_DEPTH | FTW_PHYS);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

    // Writes `content` to `name` (relative to the directory, may name a subdirectory
    // made with mkdir()) and returns the full path.
    std::string write(const std::string& name, const std::string& content) const {
        std::string full = path_ + "/" + name;
        std::ofstream out(full, std::ios::binary);
        out << content;
        out.close();
        REQUIRE(out.good());
        return full;
    }
    std::string mkdir(const std::string& name) const {
        std::string full = path_ + "/" + name;
        REQUIRE(::mkdir(full.c_str(), 0700) == 0);
        return full;
    }

private:
    std::string path_;
};

// A rule file written to a temporary directory and loaded; it must load.
class Rules {
public:
    explicit Rules(const std::string& ini) {
        cr::answer_init();
        std::vector<std::string> errors;
        config_ = cr::load_config(dir_.write("rules.ini", ini), &errors);
        std::string all;
        for (const std::string& e : errors) all += e + "\n";
        REQUIRE_MESSAGE(config_ != nullptr, all);
    }
    const cr::Config& operator*() const { return *config_; }
    const cr::Config* operator->() const { return config_.get(); }

private:
    TempDir dir_;
    std::shared_ptr<const cr::Config> config_;
};

}  // namespace test
