"""Student code is read before it runs: :func:`scan` says what may not run, and why.

Every piece of student code (solution cells and the student's own extra
cells) is parsed, not run, and flagged when it could reach the answer key,
the hidden tests or the grader instead of computing: imports of
``course.reference``, reading files, introspection of frames and the
interpreter, patching of the test helpers or of libraries, and tampering
with error reporting. ``autograder.rebuild`` replaces a flagged solution
cell by the release's stub (its exercise scores 0) and drops a flagged
extra cell; the flags reach the instructor.
"""

import ast

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


def imported_modules(code):
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
