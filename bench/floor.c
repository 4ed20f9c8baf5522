/* The floor of `make bench`: the least a FastCGI responder built on libfcgi can do.
 * It reads the whole body (to the end of STDIN) and answers a fixed XML, the one
 * given as its first argument (default <Response/>). No parsing, no rules, no log.
 * Started by spawn-fcgi on a unix socket (the socket on fd 0), one process or several
 * on the same socket. Build: cc -O2 -o bench-floor bench/floor.c -lfcgi */
#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *xml = argc > 1 ? argv[1] : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>\n";
    size_t len = strlen(xml);
    char buf[4096];
    FCGX_Stream *in, *out, *err;
    FCGX_ParamArray envp;

    while (FCGX_Accept(&in, &out, &err, &envp) >= 0) {
        while (FCGX_GetStr(buf, sizeof buf, in) > 0) {
        }
        FCGX_FPrintF(out, "Status: 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\n"
                          "Content-Length: %lu\r\n\r\n", (unsigned long)len);
        FCGX_PutStr(xml, (int)len, out);
    }
    return 0;
}
