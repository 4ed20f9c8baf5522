// The log line's escaping of what came from outside.
#include <doctest/doctest.h>

#include <string>

#include "base/log.h"

TEST_CASE("log_text escapes what is not printable ASCII") {
    CHECK(cr::log_text("4930123456") == "4930123456");
    CHECK(cr::log_text("a b=\"c\"") == "a b=\"c\"");
    CHECK(cr::log_text("a\nb") == "a\\x0ab");
    CHECK(cr::log_text("a\r\nb") == "a\\x0d\\x0ab");
    CHECK(cr::log_text("\t\x01\x1f\x7f") == "\\x09\\x01\\x1f\\x7f");
    CHECK(cr::log_text(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(cr::log_text("\x1b[31mred") == "\\x1b[31mred");
    CHECK(cr::log_text("back\\slash") == "back\\\\slash");
    CHECK(cr::log_text("\\x0a") == "\\\\x0a");  // cannot pass for an escaped newline
    CHECK(cr::log_text("M\xc3\xbcller") == "M\\xc3\\xbcller");
    CHECK(cr::log_text("\xff\xfe\xc3") == "\\xff\\xfe\\xc3");  // invalid UTF-8
    CHECK(cr::log_text("") == "");
    CHECK(cr::log_text(std::string(1000, 'a')) == std::string(1000, 'a'));
    CHECK(cr::log_text(std::string(1001, 'a')) == std::string(1000, 'a') + "...");
}

TEST_CASE("log_value quotes where needed") {
    CHECK(cr::log_value("4930123456") == "4930123456");
    CHECK(cr::log_value("") == "\"\"");
    CHECK(cr::log_value("a b") == "\"a b\"");
    CHECK(cr::log_value("a=b") == "\"a=b\"");
    CHECK(cr::log_value("say \"hi\"") == "\"say \\\"hi\\\"\"");
    CHECK(cr::log_value("a\"b") == "\"a\\\"b\"");
    CHECK(cr::log_value("a\nb") == "a\\x0ab");
    CHECK(cr::log_value("x\n status=200") == "\"x\\x0a status=200\"");
    CHECK(cr::log_value("\xff") == "\\xff");
    CHECK(cr::log_value(std::string(200, 'b')) == std::string(200, 'b'));
    CHECK(cr::log_value(std::string(201, 'b')) == std::string(200, 'b') + "...");
    CHECK(cr::log_value(std::string(300, ' ')) == "\"" + std::string(200, ' ') + "...\"");
}
