"""The jail in which student code runs while it is graded, as nbgrader's kernel manager.

:class:`JailedKernelManager` is the kernel manager of nbgrader's ``Execute``
step in this course (:class:`JailedExecute`, configured in ``autograder.settings``), so every kernel
that ``nbgrader autograde`` starts, from the Formgrader's button or from
``python -m autograder grade``, starts in a jail of its own. Where bubblewrap
(Debian's ``bubblewrap``) is available, the jail has

* no network (its own network namespace; the kernel talks to the grader over
  Unix sockets, ZeroMQ's ``ipc`` transport, not TCP);
* a read-only system: only ``/usr``, ``/etc``, the libraries, the Python
  installation and the ``course`` package are mounted, read-only;
* a private, empty ``/tmp``; the notebook's own folder is the only writable
  place that survives, so files written "outside the submission" vanish;
* no gradebook, no source notebooks, no other student's folder: none of them
  is mounted;
* its own process and IPC namespaces, killed with the grader
  (``--die-with-parent``);
* an unprivileged user of its own (see :func:`jail_uid`) in the group
  ``nogroup``, with limits on processes, memory (data segment), file size and
  core dumps (``prlimit``), and a pids cgroup of its own where the machine
  allows one.

Per-cell wall time is nbgrader's ``Execute.timeout``; per-notebook wall time
is the grading worker's (``autograder.local_workers``). Where bubblewrap is missing,
the pipeline warns once and applies only the limits.
"""

import contextlib
import functools
import itertools
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from autograder.log import log
from autograder.paths import COURSE_PACKAGE
from autograder.settings import Limits

#: The group that student code runs in: "nogroup" (the group of "nobody").
NOGROUP = 65534
#: Student code runs as a user of its own, far above any real account's id:
#: JAIL_UID_BASE + the grading process's pid * KERNELS_PER_PROCESS + a count of
#: the kernels that process started. The kernel's per-user process limit
#: (RLIMIT_NPROC) then counts one submission's processes only: with a user
#: shared by all submissions, one student's fork bomb used up the quota of
#: every kernel starting at the same time.
JAIL_UID_BASE = 1_500_000_000
KERNELS_PER_PROCESS = 64

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_V1_PIDS = CGROUP_ROOT / "pids"

_kernel_count = itertools.count()


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


def jail_uid(process_id=None, kernel_number=0):
    """The user id of a jail: unique among the kernels alive on this machine.

    ``process_id`` is the grading process (default: this one), ``kernel_number``
    counts the kernels it started.
    """
    process_id = os.getpid() if process_id is None else process_id
    return JAIL_UID_BASE + process_id * KERNELS_PER_PROCESS + kernel_number % KERNELS_PER_PROCESS


def _kill_members(group):
    try:
        members = [int(p) for p in (group / "cgroup.procs").read_text().split()]
    except OSError:
        return
    for pid in members:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def make_process_group(name, limit):
    """A pids cgroup ``name`` holding at most ``limit`` tasks, or None where none can be made.

    It needs root and a writable cgroup file system. A group left by a killed
    grader (same name) has its processes killed and is reused.
    """
    base = CGROUP_V1_PIDS if CGROUP_V1_PIDS.is_dir() else CGROUP_ROOT
    group = base / name
    try:
        try:
            group.mkdir()
        except FileExistsError:
            _kill_members(group)
        (group / "pids.max").write_text(str(limit))
    except OSError:
        with contextlib.suppress(OSError):
            group.rmdir()
        return None
    return group


def remove_process_group(group):
    """Kill what is left in ``group`` and remove it."""
    _kill_members(group)
    for _ in range(50):
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.1)


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


def _bwrap_argv(notebook_dir, readonly_dirs, ipc_dir, matplotlib_dir):
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
    return argv


def kernel_argv(
    notebook_dir,
    readonly_dirs,
    ipc_dir,
    limits,
    sandbox=True,
    matplotlib_dir=None,
    uid=None,
    extra_arguments=(),
    process_group=None,
    import_path=None,
):
    """The command that starts one kernel (``{connection_file}`` left for Jupyter).

    With ``sandbox``, the kernel runs in bubblewrap as the user ``uid`` (by
    default :func:`jail_uid` of this process), seeing ``readonly_dirs``
    read-only and ``notebook_dir`` and ``ipc_dir`` (its sockets) writable;
    ``matplotlib_dir``, a private writable folder holding a font cache (see
    :func:`write_font_cache`), becomes its ``MPLCONFIGDIR``. Without
    ``sandbox``, only the limits apply. ``process_group`` is a pids cgroup
    the kernel joins before it starts; ``import_path`` is put on the
    kernel's ``PYTHONPATH`` (the folder that holds the ``course`` package).
    """
    python = [sys.executable, "-m", "ipykernel_launcher"]
    join = f"echo $$ > {shlex.quote(str(process_group))}/cgroup.procs && " if process_group else ""
    if not sandbox:
        setenv = ["env", f"PYTHONPATH={import_path}"] if import_path else []
        plain = [*setenv, *_limits_command(limits), *python, "-f", "{connection_file}"]
        return ["/bin/sh", "-c", f'{join}exec "$@"', "sh", *plain, *extra_arguments]
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
    argv = _bwrap_argv(notebook_dir, readonly_dirs, ipc_dir, matplotlib_dir)
    if import_path:
        argv += ["--setenv", "PYTHONPATH", str(import_path)]
    # The connection file that Jupyter wrote is copied (outside the jail) into
    # the shared socket folder and handed to the jail's user; inside the jail
    # the kernel drops to that user with no capabilities, under the limits.
    connection = f"{ipc_dir}/kernel-$$.json"
    jailed = " ".join(
        shlex.quote(part) for part in [*argv, "--", *_limits_command(limits), *drop, *python, "-f"]
    )
    extra = " ".join(shlex.quote(a) for a in extra_arguments)
    script = (
        f'{join}cp "$1" {connection} && chown {uid}:{NOGROUP} {connection} '
        f"&& chmod 600 {connection} && exec {jailed} {connection} {extra}"
    )
    return ["/bin/sh", "-c", script.strip(), "sh", "{connection_file}"]


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


def course_package_of(folder):
    """The ``course`` package a notebook in ``folder`` imports: the one its set-up cell finds
    looking upwards, else this repository's."""
    for candidate in [Path(folder), *Path(folder).parents]:
        if (candidate / "course" / "__init__.py").is_file():
            return candidate / "course"
    return COURSE_PACKAGE


class JailedKernelManager(AsyncKernelManager):
    """Starts each kernel in a jail of its own, under the grading limits.

    nbgrader's ``Execute`` step uses it (``Execute.kernel_manager_class``);
    the notebook's folder (the autograded copy's) is the jail's only writable
    folder, and the ``course`` package above it is shown read-only.
    """

    sandbox = Bool(
        None, allow_none=True, help="Jail kernels in bubblewrap; None: wherever it works."
    ).tag(config=True)
    memory_mb = Integer(Limits.memory_mb, help="The kernel's data segment, in MB.").tag(config=True)
    processes = Integer(Limits.processes, help="Processes and threads of the jail.").tag(
        config=True
    )
    file_mb = Integer(Limits.file_mb, help="Largest file the kernel may write, in MB.").tag(
        config=True
    )
    font_cache = Unicode(
        "", help="A matplotlib font cache folder to copy into each jail; '' writes one."
    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._private = Path(tempfile.mkdtemp(prefix="jailed-kernel-"))
        os.chmod(self._private, 0o755)
        self._ipc = self._private / "ipc"
        self._ipc.mkdir()
        os.chmod(self._ipc, 0o777)
        # ZeroMQ over Unix sockets: the jail has no network, not even loopback.
        self.transport = "ipc"
        self.ip = str(self._ipc / "kernel")
        self.connection_file = str(self._private / "connection.json")
        self._uid = jail_uid(kernel_number=next(_kernel_count))
        self._group = None

    @property
    def uid(self):
        """The user id this manager's kernels run as in the jail."""
        return self._uid

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            # Interrupts travel as messages: a signal would stop at bubblewrap.
            spec.interrupt_mode = "message"
        return spec

    def jailed(self):
        """True if this manager's kernels run in bubblewrap."""
        if self.sandbox is None:
            return bwrap_works()
        return self.sandbox

    def _matplotlib_dir(self):
        target = self._private / "matplotlib"
        if not target.exists():
            if self.font_cache and Path(self.font_cache).is_dir():
                shutil.copytree(self.font_cache, target)
            else:
                write_font_cache(target)
            open_to_jail(target, writable=[target])
        return target

    def format_kernel_cmd(self, extra_arguments=None):
        notebook_dir = Path(self._launch_args.get("cwd") or os.getcwd()).resolve()
        limits = Limits(memory_mb=self.memory_mb, processes=self.processes, file_mb=self.file_mb)
        jailed = self.jailed()
        if not jailed:
            warn_once_without_sandbox()
        if self._group is None:
            self._group = make_process_group(f"course-kernel-{self._uid}", self.processes)
        course = course_package_of(notebook_dir)
        argv = kernel_argv(
            notebook_dir,
            [course],
            self._ipc,
            limits,
            sandbox=jailed,
            matplotlib_dir=self._matplotlib_dir() if jailed else None,
            uid=self._uid,
            extra_arguments=list(extra_arguments or []),
            process_group=self._group,
            import_path=course.parent,
        )
        connection = os.path.realpath(self.connection_file)
        return [part.replace("{connection_file}", connection) for part in argv]

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            if self._group is not None:
                remove_process_group(self._group)
                self._group = None
            shutil.rmtree(self._private, ignore_errors=True)


class JailedExecute(Execute):
    """nbgrader's ``Execute`` step with its kernels started by :class:`JailedKernelManager`.

    (nbgrader's own ``Execute`` passes its kernel manager class as an argument,
    which no configuration can change.) ``Execute.*`` settings apply to it.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", JailedKernelManager)
        super().__init__(**kwargs)
