/*
 * measure: run a command and report its wall time and peak RSS.
 *
 * usage: measure -o RESULT_FILE -- COMMAND [ARG...]
 *
 * Forks, execs COMMAND (standard streams inherited, so redirect them in the
 * shell), waits with wait4() and writes one line to RESULT_FILE:
 *
 *     WALL_SECONDS MAXRSS_KIB EXIT_STATUS
 *
 * WALL_SECONDS comes from CLOCK_MONOTONIC (microsecond resolution),
 * MAXRSS_KIB is ru_maxrss of the child (and anything it waited for),
 * EXIT_STATUS is the exit code, or 128+signal when it was killed.
 * measure itself exits with the command's status (127 when exec failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *out = NULL;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
        out = argv[i + 1];
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (!out || i >= argc) {
        fprintf(stderr, "usage: measure -o RESULT_FILE -- COMMAND [ARG...]\n");
        return 2;
    }
    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "measure: %s: %s\n", out, strerror(errno));
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "measure: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "measure: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "measure: wait4: %s\n", strerror(errno));
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    fprintf(f, "%.6f %ld %d\n", wall, ru.ru_maxrss, code);
    if (fclose(f) != 0) {
        fprintf(stderr, "measure: %s: %s\n", out, strerror(errno));
        return 2;
    }
    return code;
}
