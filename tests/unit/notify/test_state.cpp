// What --notify keeps across a restart (notify/state.h), and the journal as it follows
// it through rotation (notify/follow.h).
#include <fstream>
#include <functional>

#include "notify/follow.h"
#include "notify/state.h"
#include "support.h"

TEST_CASE("notify state: written and read back; a broken file refused with its line") {
    test::TempDir dir;
    const std::string path = dir.path() + "/state";
    cr::NotifyState s;
    bool missing = false;
    std::string err;
    REQUIRE(cr::load_notify_state(path, &s, &missing, &err));
    CHECK(missing);
    s.has_place = true;
    s.place = {64768, 1234, 5678, "{\"time\":\"2026"};
    s.done.emplace_back(1796634000, "told 1%");
    s.done_ids.insert("told 1%");
    cr::TrackedCall& c = s.calls["c1"];
    c.ids = {"c1", "leg two"};
    c.lines = {"{\"time\":\"2026-12-07T09:00:00Z\",\"event\":\"newCall\",\"callId\":\"c1\"}"};
    c.outcome = "missed";
    c.deliveries.push_back(cr::Delivery{"office", 'w', 2, 1796634100});
    REQUIRE(cr::save_notify_state(path, s, true, &err));
    cr::NotifyState back;
    REQUIRE(cr::load_notify_state(path, &back, &missing, &err));
    CHECK_FALSE(missing);
    CHECK(back.place.ino == 1234);
    CHECK(back.place.offset == 5678);
    CHECK(back.place.head == "{\"time\":\"2026");
    CHECK(back.done_ids.count("told 1%") == 1);
    REQUIRE(back.calls.count("c1") == 1);
    const cr::TrackedCall& b = back.calls["c1"];
    CHECK(b.ids == c.ids);
    CHECK(b.lines == c.lines);
    CHECK(b.outcome == "missed");
    REQUIRE(b.deliveries.size() == 1);
    CHECK(b.deliveries[0].channel == 'w');
    CHECK(b.deliveries[0].tries == 2);
    CHECK(back.first_of("leg two") == "c1");
    const std::uint64_t changes = back.done_changes;
    back.told("c1", 1796634200);
    CHECK(back.calls.empty());
    CHECK(back.done_changes == changes + 2);  // c1 and "leg two": PATH.done is written again
    CHECK(back.done_ids.count("leg two") == 1);
    back.forget_done(1796634200 + cr::NotifyState::kKeepDone + 1);
    CHECK(back.done.empty());

    // The calls told are in a file of their own, written when asked.
    cr::NotifyState fresh;
    fresh.has_place = true;
    REQUIRE(cr::save_notify_state(path, fresh, false, &err));  // PATH.done stays as it was
    REQUIRE(cr::load_notify_state(path, &back, &missing, &err));
    CHECK(back.done_ids.count("told 1%") == 1);
    CHECK(back.calls.empty());
    for (const char* bad :
         {"callrouter-notify-state 1\nplace 1 2\nend\n", "other\n", "callrouter-notify-state 1\nplace 1 2 3 -\n",
          "callrouter-notify-state 1\nline x\nend\n", "callrouter-notify-state 1\n\nend\n",
          "callrouter-notify-state 1\nplace 1 2 99999999999999999999 -\nend\n"}) {
        std::ofstream(path) << bad;
        CHECK_FALSE(cr::load_notify_state(path, &back, &missing, &err));
        CHECK(err.rfind(path + ":", 0) == 0);
    }
}

namespace {

// A journal `j` in a folder of its own, and what the polls of a follower hand on.
struct Journal {
    test::TempDir dir;
    const std::string path = dir.path() + "/j";
    std::vector<std::string> got;
    std::function<void(std::string_view, const cr::JournalPlace&)> take =
        [this](std::string_view l, const cr::JournalPlace&) { got.emplace_back(l); };
    std::size_t skipped = 0;
    bool end = false;
    std::string err, note;
};

}  // namespace

TEST_CASE("follow: whole lines only, through a rename and a truncation") {
    Journal j;
    auto& [dir, path, got, take, skipped, end, err, note] = j;
    { std::ofstream(path) << "old\n"; }
    cr::JournalFollower f(path);
    f.start(nullptr, &note);  // the first run: from the end
    CHECK(note.find("from its end (4 bytes)") != std::string::npos);
    { std::ofstream(path, std::ios::app) << "one\ntw"; }
    REQUIRE(f.poll(take, 100, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"one"});
    { std::ofstream(path, std::ios::app) << "o\n" << std::string(200, 'x') << "\nthree\n"; }
    REQUIRE(f.poll(take, 100, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"one", "two", "three"});
    CHECK(skipped == 1);  // longer than 100 bytes
    // At most max_lines a poll: the rest comes with the next.
    { std::ofstream(path, std::ios::app) << "a\nb\nc\n"; }
    REQUIRE(f.poll(take, 100, 2, &skipped, &end, &err));
    CHECK(got.size() == 5);
    CHECK_FALSE(end);
    REQUIRE(f.poll(take, 100, 2, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"one", "two", "three", "a", "b", "c"});
    CHECK(end);
    got.resize(3);
    const cr::JournalPlace before = f.place();
    // logrotate: renamed, a line still written to the old file, then a new file.
    REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
    {
        std::ofstream(path + ".1", std::ios::app) << "late\n";
        std::ofstream(path) << "new\n";
    }
    REQUIRE(f.poll(take, 100, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"one", "two", "three", "late", "new"});
    // Started again at the place before the rename: the rest of PATH.1, then PATH.
    got.clear();
    cr::JournalFollower again(path);
    again.start(&before, &note);
    CHECK(note.find("the rest of " + path + ".1 first") != std::string::npos);
    REQUIRE(again.poll(take, 100, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"late", "new"});
    // Cut and written again past the place: its first bytes are no longer what they were.
    { std::ofstream(path, std::ios::trunc) << "new start of the file, longer than it was\n"; }
    got.clear();
    REQUIRE(again.poll(take, 100, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"new start of the file, longer than it was"});
    // copytruncate: shorter than the place, read from its start.
    { std::ofstream(path, std::ios::trunc) << "c\n"; }
    got.clear();
    REQUIRE(again.poll(take, 100, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"c"});
}

TEST_CASE("follow: a new journal on the inode of the old is not the old; a restart before the new journal exists") {
    Journal j;
    auto& [dir, path, got, take, skipped, end, err, note] = j;
    { std::ofstream(path) << "{\"time\":\"2026-12-01T08:00:00Z\",\"a\":1}\n"; }
    cr::JournalFollower f(path);
    cr::JournalPlace none{};
    f.start(&none, &note);
    REQUIRE(f.poll(take, 1000, 1000, &skipped, &end, &err));
    cr::JournalPlace at = f.place();
    CHECK(at.head.size() == cr::kHeadBytes);
    // The same inode, other first bytes: rotated twice while stopped, the number used again.
    cr::JournalPlace other = at;
    other.head[20] = '9';
    cr::JournalFollower g(path);
    g.start(&other, &note);
    CHECK(note.find("its old file is not " + path + ".1") != std::string::npos);
    // Renamed away and no new journal yet: the rest of PATH.1 is read.
    { std::ofstream(path, std::ios::app) << "two\n"; }
    REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
    cr::JournalFollower h(path);
    h.start(&at, &note);
    CHECK(note.find("the rest of " + path + ".1 first") != std::string::npos);
    got.clear();
    REQUIRE(h.poll(take, 1000, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"two"});
    { std::ofstream(path) << "three\n"; }
    REQUIRE(h.poll(take, 1000, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"two", "three"});
    // There but not readable at a restart: the place is kept, and taken up again.
    const cr::JournalPlace before = h.place();
    REQUIRE(std::rename(path.c_str(), (path + ".away").c_str()) == 0);
    REQUIRE(::mkdir(path.c_str(), 0700) == 0);
    cr::JournalFollower m(path);
    m.start(&before, &note);
    CHECK(note == "cannot read the journal " + path + ": Is a directory");
    CHECK(m.place().offset == before.offset);
    REQUIRE(::rmdir(path.c_str()) == 0);
    REQUIRE(std::rename((path + ".away").c_str(), path.c_str()) == 0);
    { std::ofstream(path, std::ios::app) << "four\n"; }
    got.clear();
    REQUIRE(m.poll(take, 1000, 1000, &skipped, &end, &err));
    CHECK(got == std::vector<std::string>{"four"});
    // A journal that is there but cannot be read says why, not "not there yet" (a
    // folder where the file should be; as root, every file can be read).
    const std::string folder = dir.mkdir("folder");
    cr::JournalFollower k(folder);
    k.start(nullptr, &note);
    CHECK(note == "cannot read the journal " + folder + ": Is a directory");
    REQUIRE_FALSE(k.poll(take, 1000, 1000, &skipped, &end, &err));
    CHECK(err == "cannot read the journal " + folder + ": Is a directory");
}
