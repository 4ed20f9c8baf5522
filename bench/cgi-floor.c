/* The floor of the CGI rows of `make bench`: the least a CGI program in C can do.
 * It reads the body (CONTENT_LENGTH bytes of stdin, fewer when stdin ends) and
 * answers a fixed XML: the one the sample rules give outside office hours, or the one
 * given as its first argument.
 * No parsing, no rules, no log. Build: cc -O2 -o bench-cgi-floor bench/cgi-floor.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *xml = argc > 1 && argv[1][0] == '<' ? argv[1]
                      : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n"
                        "  <Dial>\n    <Voicemail/>\n  </Dial>\n</Response>\n";
    const char *cl = getenv("CONTENT_LENGTH");
    long want = cl ? strtol(cl, NULL, 10) : 0;
    char buf[4096];
    while (want > 0) {
        ssize_t n = read(0, buf, (size_t)want < sizeof buf ? (size_t)want : sizeof buf);
        if (n <= 0) break;
        want -= n;
    }
    printf("Status: 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: %lu\r\n\r\n%s",
           (unsigned long)strlen(xml), xml);
    return 0;
}
