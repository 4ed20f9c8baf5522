# Hardening targets (issue 5): sanitize, valgrind, fuzz. Included by the Makefile.
