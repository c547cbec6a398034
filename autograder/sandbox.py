"""The jail in which student code runs while it is graded.

Where bubblewrap (Debian's ``bubblewrap``) is available, the Jupyter kernel
that runs a submission is started inside it:

* no network (its own network namespace; the kernel talks to the grader over
  Unix sockets, ZeroMQ's ``ipc`` transport, not TCP);
* a read-only system: only ``/usr``, ``/etc``, the libraries, the Python
  installation and the ``course`` package are mounted, read-only;
* a private, empty ``/tmp``; the submission's own folder is the only writable
  place that survives, so files written "outside the submission" vanish;
* no gradebook, no source notebooks, no other student's folder: none of them
  is mounted;
* its own process and IPC namespaces, killed with the grader
  (``--die-with-parent``);
* an unprivileged user of its own (see :func:`jail_uid`) in the group
  ``nogroup``, with limits on processes, memory (data segment), file size and
  core dumps (``prlimit``).

Per-cell wall time is nbgrader's ``Execute.timeout``; per-notebook wall time
is the worker's timeout (see ``autograder/worker.py``). Where bubblewrap is
missing, the pipeline warns once and applies only the limits.
"""

import contextlib
import functools
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from autograder.log import log

#: The group that student code runs in: "nogroup" (the group of "nobody").
NOGROUP = 65534
#: Student code runs as the user JAIL_UID_BASE + the grading worker's pid: a
#: user of its own, far above any real account's id. The kernel's per-user
#: process limit (RLIMIT_NPROC) then counts this submission's processes only:
#: with a user shared by all submissions, one student's fork bomb used up the
#: quota of every kernel starting at the same time.
JAIL_UID_BASE = 1_500_000_000

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_V1_PIDS = CGROUP_ROOT / "pids"


@functools.cache
def bwrap_works():
    """True if bubblewrap is installed and can build a jail on this machine."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    try:
        probe = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@functools.cache
def warn_once_without_sandbox():
    log.warning(
        "bubblewrap is not available: student code runs WITHOUT the sandbox "
        "(no network, file-system or process isolation); only resource limits "
        "apply. Install Debian's 'bubblewrap' package to isolate grading."
    )


@contextlib.contextmanager
def process_group_limit(limit):
    """Run the block in a pids cgroup of its own holding at most ``limit`` tasks.

    Every process started inside (the kernel, anything it forks) joins the
    group, so a fork bomb exhausts its own quota and nobody else's. Yields
    whether the cgroup could be made (it needs root and a writable cgroup
    file system); without it the jail user's process limit is the only brake.
    """
    base = CGROUP_V1_PIDS if CGROUP_V1_PIDS.is_dir() else CGROUP_ROOT
    group = base / f"course-grader-{os.getpid()}"
    try:
        try:
            group.mkdir()
        except FileExistsError:  # left by a killed worker that had this pid
            for pid in _members(group):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        (group / "pids.max").write_text(str(limit))
        (group / "cgroup.procs").write_text(str(os.getpid()))
    except OSError:
        with contextlib.suppress(OSError):
            group.rmdir()
        yield False
        return
    try:
        yield True
    finally:
        with contextlib.suppress(OSError):
            (base / "cgroup.procs").write_text(str(os.getpid()))
        for pid in _members(group):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def _members(group):
    try:
        return [int(p) for p in (group / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def jail_uid(worker_pid=None):
    """The user id student code runs as for the worker ``worker_pid`` (default: this process).

    Two workers alive at the same time have different pids, hence different users.
    """
    return JAIL_UID_BASE + (os.getpid() if worker_pid is None else worker_pid)


def _limits_command(limits):
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return []
    # Counted per user: in the jail, the submission's own processes and threads.
    return [
        prlimit,
        f"--nproc={limits.processes}",
        f"--data={limits.memory_mb * 1024 * 1024}",
        f"--fsize={limits.file_mb * 1024 * 1024}",
        "--core=0",
        "--",
    ]


def _python_dirs():
    """The folders the kernel's Python needs: the venv and the base installation."""
    dirs = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent}
    return sorted({d for d in dirs if d.exists()})


def _outermost(folders):
    """``folders`` without those inside another one of them, sorted."""
    folders = sorted({Path(f) for f in folders})
    return [f for f in folders if not any(o != f and o in f.parents for o in folders)]


def _parents(folders):
    """Every proper ancestor of ``folders`` (except ``/``), shallowest first."""
    parents = {p for f in folders for p in Path(f).parents if p != Path("/")}
    return sorted(parents - set(map(Path, folders)), key=lambda p: (len(p.parts), str(p)))


def kernel_argv(
    notebook_dir,
    readonly_dirs,
    ipc_dir,
    limits,
    sandbox=True,
    matplotlib_dir=None,
    uid=None,
):
    """The command that starts one jailed kernel (``{connection_file}`` left for Jupyter).

    ``matplotlib_dir``, a private writable folder holding a font cache (see
    :func:`write_font_cache`), becomes the kernel's ``MPLCONFIGDIR``; without it
    matplotlib would rebuild its font list in every kernel. ``uid`` is the jail's
    user, by default :func:`jail_uid` of this process.
    """
    python = [sys.executable, "-m", "ipykernel_launcher"]
    if not sandbox:
        return [*_limits_command(limits), *python, "-f", "{connection_file}"]
    argv = [
        shutil.which("bwrap"),
        "--die-with-parent",
        "--new-session",
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "grader",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
    ]
    for system_dir in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc"):
        if os.path.exists(system_dir):
            argv += ["--ro-bind", system_dir, system_dir]
    readonly = _outermost([*_python_dirs(), *map(Path, readonly_dirs)])
    writable = [Path(notebook_dir), Path(ipc_dir)]
    # bwrap makes missing parents of a mount point with the host's modes
    # (/root is 0700): make them traversable for everyone first.
    for parent in _parents([*readonly, *writable]):
        argv += ["--perms", "0755", "--dir", str(parent)]
    for folder in readonly:
        argv += ["--ro-bind", str(folder), str(folder)]
    for folder in writable:
        argv += ["--bind", str(folder), str(folder)]
    if matplotlib_dir is not None:
        argv += ["--bind", str(matplotlib_dir), "/tmp/matplotlib"]
    argv += ["--chdir", str(notebook_dir)]
    argv += ["--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib"]
    argv += ["--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    # The jail's user has no account: name it, so nothing looks it up.
    argv += ["--setenv", "USER", "student", "--setenv", "LOGNAME", "student"]
    # The grader's pid means nothing in the jail's pid namespace: without this
    # the kernel would think its parent died and quit.
    argv += ["--unsetenv", "JPY_PARENT_PID"]
    # The connection file that Jupyter wrote is copied (outside the jail) into
    # the shared socket folder and handed to the jail's user; inside the jail
    # the kernel drops to that user with no capabilities, under the limits.
    uid = jail_uid() if uid is None else uid
    drop = [
        shutil.which("setpriv") or "/usr/bin/setpriv",
        f"--reuid={uid}",
        f"--regid={NOGROUP}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
    ]
    connection = f"{ipc_dir}/kernel-$$.json"
    jailed = " ".join(
        shlex.quote(part) for part in [*argv, "--", *_limits_command(limits), *drop, *python, "-f"]
    )
    script = (
        f'cp "$1" {connection} && chown {uid}:{NOGROUP} {connection} '
        f"&& chmod 600 {connection} && exec {jailed} {connection}"
    )
    return ["/bin/sh", "-c", script, "sh", "{connection_file}"]


def install_kernelspec(jupyter_dir, argv):
    """Write a ``python3`` kernel spec running ``argv`` under ``jupyter_dir/kernels``.

    With ``JUPYTER_PATH=jupyter_dir`` it replaces the usual ``python3`` kernel,
    which is the one nbgrader asks for.
    """
    spec_dir = Path(jupyter_dir) / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": argv,
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        # Interrupts travel as messages: a signal would stop at bubblewrap.
        "interrupt_mode": "message",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def open_to_jail(*paths, writable=()):
    """Let the jailed user read ``paths`` (recursively) and write ``writable`` folders."""
    for path in paths:
        for root, _dirs, files in os.walk(path):
            os.chmod(root, 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
    for folder in writable:
        os.chmod(folder, 0o777)


def write_font_cache(folder):
    """Put this machine's matplotlib font list into ``folder`` (made if missing).

    Jailed kernels start with an empty ``/tmp``; given this folder as their
    matplotlib cache they skip rebuilding the font list (about 0.4 s each).
    The list names font files under the Python installation and ``/usr``,
    which the jail shows read-only at the same paths.
    """
    import matplotlib.font_manager as font_manager

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"fontlist-v{font_manager.FontManager.__version__}.json"
    font_manager.json_dump(font_manager.fontManager, folder / name)
    return folder
