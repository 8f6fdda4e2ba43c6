#ifndef CPOD_PROCESS_H
#define CPOD_PROCESS_H

#include <sys/types.h>

/// Where the spawned child's standard streams come from.
///
/// In pty mode (`use_pty` != 0) the three `*_fd` fields are ignored: a new
/// pseudo terminal is made, its slave becomes the child's controlling
/// terminal and fds 0, 1 and 2, and its master is returned in `master_fd`.
typedef struct cpod_spawn_request {
    const char *path;          ///< absolute path of the program to execve
    char *const *argv;         ///< NULL-terminated
    char *const *envp;         ///< NULL-terminated
    const char *cwd;           ///< working directory of the child
    int use_pty;               ///< non-zero: run on a new pseudo terminal
    unsigned short rows;       ///< initial window size (pty mode; 0 = leave the kernel default)
    unsigned short cols;
    int stdin_fd;              ///< pipe mode: fd to become the child's 0
    int stdout_fd;             ///< pipe mode: fd to become the child's 1
    int stderr_fd;             ///< pipe mode: fd to become the child's 2
} cpod_spawn_request;

/// What came out of `cpod_spawn`.
typedef struct cpod_spawn_result {
    pid_t pid;                 ///< the child, leader of its own session and process group
    int master_fd;             ///< pty mode: the master side (O_CLOEXEC, O_NONBLOCK); otherwise -1
    int error_number;          ///< errno of the failed step, 0 on success
    int failed_step;           ///< which step failed (CPOD_STEP_*), 0 on success
} cpod_spawn_result;

#define CPOD_STEP_NONE 0
#define CPOD_STEP_OPENPTY 1
#define CPOD_STEP_PIPE 2
#define CPOD_STEP_FORK 3
#define CPOD_STEP_SETSID 4
#define CPOD_STEP_CTTY 5
#define CPOD_STEP_DUP2 6
#define CPOD_STEP_CHDIR 7
#define CPOD_STEP_EXEC 8

/// Forks and execs `request->path`; returns 0 on success, -1 on failure (see `result`).
///
/// The child runs only async-signal-safe calls between fork and exec: it
/// starts a new session, takes the pty as controlling terminal (pty mode),
/// moves its streams to 0/1/2, changes directory, resets every signal to its
/// default disposition and unblocks them, closes every other descriptor and
/// execs. A failure in the child is reported through a close-on-exec pipe,
/// so `cpod_spawn` returns only once the exec has succeeded or failed.
int cpod_spawn(const cpod_spawn_request *request, cpod_spawn_result *result);

/// Sets the window size of the terminal behind `fd` (TIOCSWINSZ); 0 or -1 with errno.
int cpod_set_window_size(int fd, unsigned short rows, unsigned short cols);

/// Reads the window size of the terminal behind `fd` (TIOCGWINSZ); 0 or -1 with errno.
int cpod_get_window_size(int fd, unsigned short *rows, unsigned short *cols);

/// Blocks until `pid` has ended, without reaping it (waitid with WNOWAIT, retrying on EINTR):
/// the zombie keeps its pid and process group reserved until `cpod_reap`, so the caller can
/// still signal the group safely. Returns 0 and fills `exited` (1: exited with `code`; 0: killed
/// by signal `code`), or -1 with errno.
int cpod_wait_ended(pid_t pid, int *exited, int *code);

/// Reaps an ended child (waitpid with WNOHANG); returns its pid, 0 if still running, -1 on error.
pid_t cpod_reap(pid_t pid);

/// Sends `signal` to the process group `pgid`; 0 or -1 with errno.
int cpod_kill_group(pid_t pgid, int signal);

/// Makes a pipe whose both ends are O_CLOEXEC; 0 or -1 with errno.
int cpod_pipe(int fds[2]);

#endif
