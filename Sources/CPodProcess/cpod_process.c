#define _GNU_SOURCE
#include "CPodProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int cpod_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

static int open_pty(int *master, int *slave, unsigned short rows, unsigned short cols) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    if (grantpt(m) != 0 || unlockpt(m) != 0) goto fail;
    char name[128];
    if (ptsname_r(m, name, sizeof(name)) != 0) goto fail;
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) goto fail;
    if (rows != 0 || cols != 0) {
        struct winsize ws = { .ws_row = rows, .ws_col = cols };
        (void)ioctl(m, TIOCSWINSZ, &ws);
    }
    int flags = fcntl(m, F_GETFL);
    if (flags >= 0) (void)fcntl(m, F_SETFL, flags | O_NONBLOCK);
    *master = m;
    *slave = s;
    return 0;
fail:;
    int saved = errno;
    close(m);
    errno = saved;
    return -1;
}

/* Child side: async-signal-safe only. Reports (step, errno) on `report` and exits 127. */
static void child_fail(int report, int step) {
    int msg[2] = { step, errno };
    ssize_t ignored = write(report, msg, sizeof(msg));
    (void)ignored;
    _exit(127);
}

/* Moves `fd` to `target` (dup2 clears FD_CLOEXEC on the copy; same fd needs it cleared by hand). */
static int move_fd(int fd, int target) {
    if (fd == target) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0) return -1;
        return fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return dup2(fd, target) < 0 ? -1 : 0;
}

static void close_other_fds(int keep) {
    /* Everything from 3 up except `keep` (the report pipe, close-on-exec itself). */
    if (keep > 3) {
        if (syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) != 0) {
            for (int fd = 3; fd < keep; fd++) close(fd);
        }
    }
    if (syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536) max = 65536;
        for (int fd = keep + 1; fd < max; fd++) close(fd);
    }
}

int cpod_spawn(const cpod_spawn_request *request, cpod_spawn_result *result) {
    result->pid = -1;
    result->master_fd = -1;
    result->error_number = 0;
    result->failed_step = CPOD_STEP_NONE;

    int master = -1, slave = -1;
    if (request->use_pty) {
        if (open_pty(&master, &slave, request->rows, request->cols) != 0) {
            result->error_number = errno;
            result->failed_step = CPOD_STEP_OPENPTY;
            return -1;
        }
    }

    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        result->error_number = errno;
        result->failed_step = CPOD_STEP_PIPE;
        if (master >= 0) { close(master); close(slave); }
        return -1;
    }

    /* Signals are blocked across fork so that no handler of the parent runs in the child. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    pid_t pid = fork();
    if (pid == 0) {
        /* ---- child: async-signal-safe calls only ---- */
        close(report[0]);
        for (int sig = 1; sig < NSIG; sig++) {
            struct sigaction dfl;
            memset(&dfl, 0, sizeof(dfl));
            dfl.sa_handler = SIG_DFL;
            (void)sigaction(sig, &dfl, NULL);
        }
        if (setsid() < 0) child_fail(report[1], CPOD_STEP_SETSID);
        int in, out, err;
        if (request->use_pty) {
            if (ioctl(slave, TIOCSCTTY, 0) != 0) child_fail(report[1], CPOD_STEP_CTTY);
            in = out = err = slave;
        } else {
            in = request->stdin_fd;
            out = request->stdout_fd;
            err = request->stderr_fd;
        }
        /* Keep the sources out of the way of 0..2 before moving them there. */
        int src[3] = { in, out, err };
        for (int i = 0; i < 3; i++) {
            if (src[i] >= 0 && src[i] <= 2) {
                int copy = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
                if (copy < 0) child_fail(report[1], CPOD_STEP_DUP2);
                int original = src[i];
                for (int j = i; j < 3; j++) if (src[j] == original) src[j] = copy;
            }
        }
        for (int i = 0; i < 3; i++) {
            if (move_fd(src[i], i) != 0) child_fail(report[1], CPOD_STEP_DUP2);
        }
        if (request->cwd != NULL && chdir(request->cwd) != 0) child_fail(report[1], CPOD_STEP_CHDIR);
        close_other_fds(report[1]);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(request->path, request->argv, request->envp);
        child_fail(report[1], CPOD_STEP_EXEC);
    }

    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);
    if (slave >= 0) close(slave);

    if (pid < 0) {
        close(report[0]);
        if (master >= 0) close(master);
        result->error_number = fork_errno;
        result->failed_step = CPOD_STEP_FORK;
        return -1;
    }

    int msg[2];
    ssize_t got;
    do {
        got = read(report[0], msg, sizeof(msg));
    } while (got < 0 && errno == EINTR);
    close(report[0]);

    if (got == (ssize_t)sizeof(msg)) {
        /* The child failed before exec and has exited: reap it here. */
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (master >= 0) close(master);
        result->failed_step = msg[0];
        result->error_number = msg[1];
        return -1;
    }

    result->pid = pid;
    result->master_fd = master;
    return 0;
}

int cpod_set_window_size(int fd, unsigned short rows, unsigned short cols) {
    struct winsize ws = { .ws_row = rows, .ws_col = cols };
    return ioctl(fd, TIOCSWINSZ, &ws);
}

int cpod_get_window_size(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

int cpod_wait_ended(pid_t pid, int *exited, int *code) {
    siginfo_t info;
    for (;;) {
        memset(&info, 0, sizeof(info));
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0) break;
        if (errno != EINTR) return -1;
    }
    if (info.si_code == CLD_EXITED) {
        *exited = 1;
    } else {
        *exited = 0;
    }
    *code = info.si_status;
    return 0;
}

pid_t cpod_reap(pid_t pid) {
    int status;
    pid_t r;
    do {
        r = waitpid(pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    return r;
}

int cpod_kill_group(pid_t pgid, int signal) {
    return kill(-pgid, signal);
}
