/* Preloaded with libfaketime for the faketime run of the test suite (Makefile: faketime-run).

   libfaketime 0.9.10 moves CLOCK_MONOTONIC with the wall clock but does not wrap sem_clockwait(),
   which CPython 3.11+ uses for every lock acquire with a timeout (threading.Event.wait, Queue.get,
   Thread.join …). Python computes the deadline from the faked monotonic clock and the kernel
   compares it with the real one, so a 0.5 s wait becomes a wait of years: pytest-xdist workers
   and server threads hang. This wrapper moves the deadline back onto the real clock: it keeps the
   remaining time (deadline − faked now) and adds it to the real now, read by the raw syscall
   (neither libfaketime nor the vDSO in between). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*sem_clockwait_fn)(sem_t *, clockid_t, const struct timespec *);

static long long ns(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime) {
    static sem_clockwait_fn real;
    if (!real) real = (sem_clockwait_fn)dlsym(RTLD_NEXT, "sem_clockwait");
    struct timespec faked_now, real_now, deadline;
    clock_gettime(clock, &faked_now);                     /* libfaketime's answer */
    syscall(SYS_clock_gettime, clock, &real_now);         /* the kernel's */
    long long remaining = ns(abstime) - ns(&faked_now);
    if (remaining < 0) remaining = 0;
    long long at = ns(&real_now) + remaining;
    deadline.tv_sec = at / 1000000000LL;
    deadline.tv_nsec = at % 1000000000LL;
    return real(sem, clock, &deadline);
}
