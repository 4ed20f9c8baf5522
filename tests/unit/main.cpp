// The doctest runner: every tests/unit/test_*.cpp is linked with this file.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
