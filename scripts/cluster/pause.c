/*
 * The pod sandbox's "pause" process for the stand-in k8s.gcr.io/pause:3.2 image built by
 * scripts/cluster.sh: the same behaviour as Kubernetes' build/pause/linux/pause.c (that source is
 * deleted with the build tree once the binaries are cached): hold the pod's namespaces, exit 0 on
 * SIGINT/SIGTERM, reap every zombie (it is PID 1 of the pod when the PID namespace is shared).
 * Built with `gcc -static`, so the image needs nothing else.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void sigdown(int signo) {
  psignal(signo, "Shutting down, got signal");
  exit(0);
}

static void sigreap(int signo) {
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    if (!strcasecmp(argv[i], "-v")) {
      printf("pause.c registry-operator stand-in (Kubernetes 3.2 behaviour)\n");
      return 0;
    }
  }
  if (getpid() != 1) {
    /* Not an error: pause is also used outside of sandboxes. */
    fprintf(stderr, "Warning: pause should be the first process\n");
  }
  if (sigaction(SIGINT, &(struct sigaction){.sa_handler = sigdown}, NULL) < 0) return 1;
  if (sigaction(SIGTERM, &(struct sigaction){.sa_handler = sigdown}, NULL) < 0) return 2;
  if (sigaction(SIGCHLD, &(struct sigaction){.sa_handler = sigreap, .sa_flags = SA_NOCLDSTOP}, NULL) < 0)
    return 3;
  for (;;) pause();
  fprintf(stderr, "Error: infinite loop terminated\n");
  return 42;
}
