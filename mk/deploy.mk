# Deployment targets (issue 4): install, uninstall, static. Included by the Makefile.
