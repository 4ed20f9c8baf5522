/* Times CGI programs as a web server runs them: each request a fork and exec with a
 * CGI environment (REQUEST_METHOD=POST, CONTENT_TYPE, CONTENT_LENGTH,
 * CALLROUTER_CONFIG), the body on a pipe to stdin, the answer read from a pipe to its
 * end, then the wait. The programs take turns request by request (in a rotating order),
 * so that what else runs on the machine weighs on each alike.
 *
 * usage: bench-cgi-time REQUESTS CONFIG BODY 'NAME=PROGRAM [ARG...]' ...
 * Prints, per program, the median, the 10th and 90th percentile and the mean wall time
 * of a request in ms, and the median as a ratio to the first program's. Exits 1 when
 * an answer does not hold "<Response" (unless the program was given an argument
 * starting with --, such as --version) or a program does not exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROGS 16
#define MAX_ARGS 16

struct prog {
    char *name;
    char *argv[MAX_ARGS + 1];
    int plain;   /* an answer without "<Response" is fine (--version) */
    double *ms;
};

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs one request; returns its wall time in ms, or -1 when it failed. */
static double one(const struct prog *p, char **envp, const char *body) {
    int in[2], out[2];
    if (pipe(in) || pipe(out)) return -1;
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        int null = open("/dev/null", O_WRONLY);   /* the log line: a web server's error log */
        if (null >= 0) dup2(null, 2);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execve(p->argv[0], p->argv, envp);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    size_t len = strlen(body);
    if (write(in[1], body, len) != (ssize_t)len) { /* the program may not read: fine */ }
    close(in[1]);
    char buf[8192];
    size_t got = 0;
    int found = 0;
    for (;;) {
        ssize_t n = read(out[0], buf + got, sizeof buf - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
        buf[got] = 0;
        if (strstr(buf, "<Response")) found = 1;
        if (got > sizeof buf / 2) { memmove(buf, buf + got - 64, 64); got = 64; }
    }
    close(out[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    double t = now_ms() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || (!found && !p->plain)) return -1;
    return t;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s REQUESTS CONFIG BODY 'NAME=PROGRAM [ARG...]' ...\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    const char *body = argv[3];
    int np = argc - 4;
    if (n < 1 || np > MAX_PROGS) return 2;
    struct prog progs[MAX_PROGS];
    for (int i = 0; i < np; i++) {
        struct prog *p = &progs[i];
        char *eq = strchr(argv[4 + i], '=');
        if (!eq) { fprintf(stderr, "%s: NAME=PROGRAM\n", argv[4 + i]); return 2; }
        *eq = 0;
        p->name = argv[4 + i];
        p->plain = 0;
        int k = 0;
        for (char *w = strtok(eq + 1, " "); w && k < MAX_ARGS; w = strtok(NULL, " ")) {
            p->argv[k++] = w;
            if (k > 1 && strncmp(w, "--", 2) == 0) p->plain = 1;
        }
        p->argv[k] = NULL;
        p->ms = calloc((size_t)n, sizeof(double));
        if (!p->ms) return 1;
    }
    char length[48], config[4096];
    snprintf(length, sizeof length, "CONTENT_LENGTH=%zu", strlen(body));
    snprintf(config, sizeof config, "CALLROUTER_CONFIG=%s", argv[2]);
    char *envp[] = {"PATH=/usr/bin:/bin", "GATEWAY_INTERFACE=CGI/1.1", "SERVER_PROTOCOL=HTTP/1.1",
                    "REQUEST_METHOD=POST", "CONTENT_TYPE=application/x-www-form-urlencoded",
                    length, config, NULL};
    for (int i = 0; i < np; i++)   /* a warm-up request each: the page cache */
        if (one(&progs[i], envp, body) < 0) { fprintf(stderr, "%s: failed\n", progs[i].name); return 1; }
    for (int r = 0; r < n; r++)
        for (int j = 0; j < np; j++) {
            struct prog *p = &progs[(j + r) % np];
            double t = one(p, envp, body);
            if (t < 0) { fprintf(stderr, "%s: failed\n", p->name); return 1; }
            p->ms[r] = t;
        }
    double base = 0;
    printf("%-28s %9s %9s %9s %9s %8s\n", "program (ms per request)", "median", "p10", "p90", "mean", "ratio");
    for (int i = 0; i < np; i++) {
        struct prog *p = &progs[i];
        double sum = 0;
        for (int r = 0; r < n; r++) sum += p->ms[r];
        qsort(p->ms, (size_t)n, sizeof(double), cmp);
        double med = p->ms[n / 2];
        if (i == 0) base = med;
        printf("%-28s %9.3f %9.3f %9.3f %9.3f %7.2fx\n", p->name, med, p->ms[n / 10], p->ms[n * 9 / 10], sum / n,
               med / base);
    }
    return 0;
}
