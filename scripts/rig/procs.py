"""Child processes: running one with its output logged, and finding,
ending and reaping the ones a long command (a campaign) is responsible
for. Linux only (/proc, prctl)."""
import ctypes
import os
import signal
import subprocess

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


def pdeathsig():
    """In a child, before exec (preexec_fn): die with the parent. Together
    with a session of its own (start_new_session) this makes the child a
    process group the parent can kill as a whole, and one a killed parent
    does not leave running."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def become_subreaper():
    """Orphans of our descendants are reparented to this process, so they
    can be found (our_children) and ended."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def proc_stat(pid):
    """(state, ppid) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rfind(")") + 2:].split()
    return fields[0], int(fields[1])


def our_children(exclude=()):
    """PIDs whose parent is this process, but those in exclude."""
    me = os.getpid()
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in exclude:
            st = proc_stat(int(name))
            if st and st[1] == me:
                kids.append(int(name))
    return kids


def kill_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def kill_group(pgid, sig):
    """sig to a process group that may have ended already."""
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def last_error(p, default=None):
    """The last line of a finished process's stderr (bytes or text), or
    default when it wrote none: what a failing tool says last is its
    reason."""
    err = p.stderr.decode("utf-8", "replace") if isinstance(p.stderr, bytes) else (p.stderr or "")
    lines = err.strip().splitlines()
    return lines[-1] if lines else default


def run_logged(cmd, log, env=None, echo=False, cwd=None):
    """Runs cmd with its output in log (and, with echo, on stdout too,
    indented). Returns the exit status."""
    with open(log, "w") as f, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                               env=env, cwd=cwd, text=True, errors="replace") as p:
        for line in p.stdout:
            f.write(line)
            f.flush()
            if echo:
                print(f"    | {line.rstrip()}", flush=True)
        return p.wait()
