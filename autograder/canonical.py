"""What gets executed when a submission is graded.

A student's notebook is never run as submitted. It is rebuilt from the
released notebook: every cell the instructor wrote (set-up, tests, text,
figures) comes from the release, with its metadata; from the submission the
grader takes only

* the code of each *solution* cell, found by its ``grade_id`` (the first cell
  with that id wins; a cell re-tagged as something else is ignored), and
* the student's own extra code cells (cells that are not in the release),
  each placed after the solution cell it followed.

So deleted, edited, duplicated or re-tagged test cells and changed metadata
change nothing: the tests that run are always the instructor's.

Every piece of student code is also read (not run) by :func:`scan`, which
flags code that could reach the answer key, the hidden tests or the grader
instead of computing: imports of ``course.reference``, reading files,
introspection of frames and the interpreter, patching of the test helpers or
of libraries, and tampering with error reporting. A flagged solution cell is
replaced by the release's stub (its exercise scores 0) and the flag is
reported to the instructor; a flagged extra cell is dropped.
"""

import ast
import copy
from dataclasses import dataclass

import nbformat

#: Names a student may not bind or rebind: what the set-up and test cells rely on.
PROTECTED_NAMES = frozenset(
    {
        "torch",
        "math",
        "np",
        "numpy",
        "plt",
        "course",
        "sys",
        "display",
        "expect_close",
        "expect_equal",
        "expect_raises",
        "expect_tensor",
        "describe",
        "AssertionError",
        "print",
        "isinstance",
        "type",
        "len",
        "range",
        "abs",
        "float",
        "int",
        "tuple",
        "list",
        "dict",
        "set",
        "Exception",
        "ValueError",
        "TypeError",
    }
)

#: Modules whose import is flagged: they reach the answer key, files, the
#: interpreter's internals or the outside world.
FORBIDDEN_MODULES = frozenset(
    {
        "autograder",
        "builtins",
        "ctypes",
        "gc",
        "importlib",
        "inspect",
        "io",
        "IPython",
        "ipykernel",
        "linecache",
        "marshal",
        "multiprocessing",
        "nbformat",
        "nbgrader",
        "os",
        "pathlib",
        "pickle",
        "shutil",
        "signal",
        "socket",
        "sqlite3",
        "subprocess",
        "threading",
        "traceback",
        "types",
        "urllib",
    }
)

#: Built-in functions and names whose use is flagged.
FORBIDDEN_CALLS = frozenset(
    {
        "__import__",
        "breakpoint",
        "compile",
        "delattr",
        "eval",
        "exec",
        "get_ipython",
        "globals",
        "locals",
        "open",
        "setattr",
        "vars",
    }
)

#: Names of IPython's history and shell objects.
FORBIDDEN_NAMES = frozenset({"In", "Out", "_ih", "_oh", "_i", "_ii", "_iii", "__builtins__"})

#: Attribute names whose use is flagged anywhere.
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "_getframe",
        "settrace",
        "setprofile",
        "excepthook",
        "showtraceback",
        "showsyntaxerror",
        "modules",
        "f_back",
        "f_locals",
        "f_globals",
        "f_code",
        "gi_frame",
        "cr_frame",
        "tb_frame",
        "__globals__",
        "__code__",
        "__closure__",
        "__builtins__",
        "__subclasses__",
        "__dict__",
        "__import__",
        "__loader__",
        "__spec__",
        "__torch_function__",
        "__class__",
        "__bases__",
        "__mro__",
        "__torch_dispatch__",
    }
)

#: Words that betray an attempt to find the answer key or the hidden tests.
FORBIDDEN_WORDS = ("course.reference", "gradebook", "HIDDEN TESTS", "BEGIN SOLUTION")


@dataclass(frozen=True)
class Flag:
    """Student code that the grader refused to run, and why."""

    cell: str
    reason: str


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _bound_names(target):
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _bound_names(element)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []


def scan(code, modules=()):
    """Reasons why ``code`` may not run under grading (an empty list if it may).

    ``modules`` are names already bound to modules (by the set-up cell); the
    student's own imports are added to them.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # it will fail on its own, with the student's own error
    reasons = []
    modules = set(modules)
    # Names bound inside a function are its locals: they cannot reach the tests.
    local = {
        id(inner)
        for scope in ast.walk(tree)
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for inner in ast.walk(scope)
        if inner is not scope
    }
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in FORBIDDEN_MODULES or "reference" in name:
                    reasons.append(f"imports {name}")
            for alias in node.names:
                modules.add((alias.asname or alias.name).split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_CALLS:
                reasons.append(f"calls {node.func.id}()")
            if node.func.id == "getattr" and not (
                len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and not node.args[1].value.startswith("_")
            ):
                reasons.append("calls getattr() with a computed or private name")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            reasons.append(f"uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            reasons.append(f"uses .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for word in FORBIDDEN_WORDS:
                if word.lower() in node.value.lower():
                    reasons.append(f"mentions {word!r}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for name in _bound_names(target) if id(node) not in local else []:
                    if name in PROTECTED_NAMES:
                        reasons.append(f"rebinds {name}")
                root = _root_name(target)
                if isinstance(target, (ast.Attribute, ast.Subscript)) and root in modules:
                    reasons.append(f"patches the module {root}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in PROTECTED_NAMES and id(node) not in local:
                reasons.append(f"rebinds {node.name}")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            protected = sorted(set(node.names) & PROTECTED_NAMES)
            if protected:
                reasons.append(f"rebinds {', '.join(protected)}")
    return sorted(set(reasons))


def _imported_modules(code):
    """Names bound by import statements in ``code`` (the set-up cell's modules)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


#: Run right after the set-up cell under grading. Processes that a cell leaves
#: behind (a fork bomb's children, say) are ended after that cell, so they
#: cannot use up the submission's process quota for the cells that follow;
#: and each cell may print at most ``_GRADER_MAX_CHARS`` characters per stream.
GRADER_HOOKS = """\
# Added by the grader: after each cell, end the processes it left behind,
# and cut any cell's output beyond a limit.
import sys

import psutil as _grader_psutil

_GRADER_MAX_CHARS = 20_000


class _GraderCappedStream:
    def __init__(self, stream):
        self._stream, self._used = stream, 0

    def write(self, text):
        room = _GRADER_MAX_CHARS - self._used
        self._used += len(text)
        if room > 0:
            self._stream.write(text[:room])
        if self._used > _GRADER_MAX_CHARS and self._used - len(text) <= _GRADER_MAX_CHARS:
            self._stream.write("\\n[... the rest of this output was cut by the grader]\\n")
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


sys.stdout = _GraderCappedStream(sys.stdout)
sys.stderr = _GraderCappedStream(sys.stderr)


def _grader_new_cell(*_):
    sys.stdout._used = sys.stderr._used = 0


def _grader_reap(*_):
    children = _grader_psutil.Process().children(recursive=True)
    for _child in children:
        try:
            _child.kill()
        except _grader_psutil.Error:
            pass
    _grader_psutil.wait_procs(children, timeout=5)  # reap: zombies count too


get_ipython().events.register("pre_run_cell", _grader_new_cell)
get_ipython().events.register("post_run_cell", _grader_reap)
"""


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def rebuild(released, submitted, keep_display=False):
    """The notebook to grade: the release, with the student's code put in.

    Unless ``keep_display``, the release's ungraded code cells (figures,
    experiments, training demos) are left out: no test depends on them, and
    leaving them out keeps grading fast and a student's slow or endless
    function from costing more than its own test's time limit.

    Returns ``(notebook, flags, notes)``: ``flags`` lists the student code that
    was refused (see :func:`scan`), ``notes`` what else was noticed (missing,
    duplicated or re-tagged cells).
    """
    graded = copy.deepcopy(released)
    solution_ids = [
        _grade_id(c) for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")
    ]
    released_ids = {c.get("id") for c in released.cells}
    module_names = set()
    for cell in released.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution"):
            module_names |= _imported_modules(cell.source)

    answers, extras, notes, flags = {}, {}, [], []
    anchor = None
    for cell in submitted.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        grade_id = _grade_id(cell)
        if grade_id in solution_ids:
            if grade_id in answers:
                notes.append(f"solution cell {grade_id!r} appears twice: the first one was graded")
                continue
            answers[grade_id] = source
            anchor = grade_id
        elif grade_id is not None or cell.get("id") in released_ids:
            continue  # an instructor's cell: the release's version runs instead
        else:
            extras.setdefault(anchor, []).append(source)

    missing = [g for g in solution_ids if g not in answers]
    if missing:
        notes.append(f"solution cells missing from the submission: {', '.join(missing)}")

    cells = []
    for cell in graded.cells:
        grade_id = _grade_id(cell)
        if cell.cell_type == "code" and grade_id is None and not keep_display:
            continue
        if grade_id in answers:
            reasons = scan(answers[grade_id], module_names)
            if reasons:
                flags.append(Flag(grade_id, "; ".join(reasons)))
            else:
                cell.source = answers[grade_id]
        cells.append(cell)
        if grade_id == "setup":
            hooks = nbformat.v4.new_code_cell(GRADER_HOOKS)
            hooks.id = "grader-hooks"
            cells.append(hooks)
        if grade_id in solution_ids or (grade_id == "setup" and None in extras):
            key = None if grade_id == "setup" else grade_id
            for number, source in enumerate(extras.get(key, []), start=1):
                reasons = scan(source, module_names)
                name = f"extra cell {number} after {key or 'setup'}"
                if reasons:
                    flags.append(Flag(name, "; ".join(reasons)))
                    continue
                extra = nbformat.v4.new_code_cell(source)
                extra.id = f"student-extra-{key or 'setup'}-{number}"
                cells.append(extra)
    graded.cells = cells
    return graded, flags, notes
