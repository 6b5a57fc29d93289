/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * maxrss.c - test helper: runs a command and reports its peak resident set
 * size, measured by wait4() in this small process (a child forked by a big
 * process such as Python would inherit that process's size in ru_maxrss).
 *
 *   maxrss OUTFILE CMD [ARGS...]
 *
 * Writes the peak RSS in KiB and a newline to OUTFILE; exits with the
 * command's exit status (128 + signal number when it was killed, 127 when it
 * could not be started).
 */
#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef  _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE           /* wait4 */
#endif

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char* argv[]) {
  struct rusage Usage;
  FILE*         pOut;
  pid_t         Pid;
  pid_t         r;
  int           Status;

  if (argc < 3) {
    fprintf(stderr, "usage: maxrss OUTFILE CMD [ARGS...]\n");
    return 127;
  }
  Pid = fork();
  if (Pid < 0) {
    perror("maxrss: fork");
    return 127;
  }
  if (Pid == 0) {
    execvp(argv[2], &argv[2]);
    perror("maxrss: exec");
    _exit(127);
  }
  do {
    r = wait4(Pid, &Status, 0, &Usage);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    perror("maxrss: wait4");
    return 127;
  }
  pOut = fopen(argv[1], "w");
  if (pOut == NULL || fprintf(pOut, "%ld\n", (long)Usage.ru_maxrss) < 0 || fclose(pOut) != 0) {
    perror("maxrss: writing the result");
    return 127;
  }
  if (WIFEXITED(Status)) {
    return WEXITSTATUS(Status);
  }
  return WIFSIGNALED(Status) ? 128 + WTERMSIG(Status) : 127;
}
