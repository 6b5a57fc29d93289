/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * rusage.c - scripts/bench: run one program and write what it cost.
 *
 *   rusage OUTFILE PROGRAM [ARG...]
 *
 * forks, runs PROGRAM (standard input, output and error inherited), waits with
 * wait4() and writes one line to OUTFILE:
 *
 *   EXIT WALL_US USER_US SYS_US MAXRSS_KIB
 *
 * EXIT is the exit status, or 128 + the signal that ended it; WALL_US runs from
 * just before fork() to the return of wait4(). The figures are the program's
 * own (and its reaped children's): a child forked from a Python process would
 * inherit that process's peak RSS in ru_maxrss, one forked from this small
 * program starts near 1 MiB. Exits with the program's status (127 when it
 * cannot be run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long Micros(const struct timeval *pTv) {
    return (long long)pTv->tv_sec * 1000000LL + (long long)pTv->tv_usec;
}

int main(int argc, char **argv) {
    struct timespec T0, T1;
    struct rusage Ru;
    int Status = 0, Code;
    pid_t Pid;
    FILE *pOut;

    if (argc < 3) {
        fprintf(stderr, "usage: rusage OUTFILE PROGRAM [ARG...]\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &T0);
    Pid = fork();
    if (Pid < 0) {
        perror("rusage: fork");
        return 127;
    }
    if (Pid == 0) {
        execvp(argv[2], &argv[2]);
        perror("rusage: exec");
        _exit(127);
    }
    if (wait4(Pid, &Status, 0, &Ru) != Pid) {
        perror("rusage: wait4");
        return 127;
    }
    clock_gettime(CLOCK_MONOTONIC, &T1);
    Code = WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
    pOut = fopen(argv[1], "w");
    if (pOut == NULL) {
        perror("rusage: OUTFILE");
        return 127;
    }
    fprintf(pOut, "%d %lld %lld %lld %ld\n", Code,
            ((long long)(T1.tv_sec - T0.tv_sec) * 1000000000LL + (T1.tv_nsec - T0.tv_nsec)) / 1000LL,
            Micros(&Ru.ru_utime), Micros(&Ru.ru_stime), Ru.ru_maxrss);
    fclose(pOut);
    return Code;
}
