"""Student code is read before it runs: :func:`scan` says what may not run, and why.

Every piece of student code (solution cells and the student's own extra
cells) is parsed, not run, and flagged when it could reach the answer key,
the hidden tests or the grader instead of computing: imports of
``course.reference``, reading files, introspection of frames and the
interpreter, rebinding or patching what the tests rely on, and tampering
with error reporting. ``autograder.rebuild`` replaces a flagged solution
cell by the release's stub (its exercise scores 0) and drops a flagged
extra cell; the flags reach the instructor.

What the tests rely on is read from the release itself, not from a list
(:meth:`Protected.from_release`): every name the set-up cell binds, and
every name a test cell reads (hidden parts included) that no solution cell
defines: the test helpers, the toy scores and call counters, the built-ins
the tests call. A student may bind such a name again only by the very
import the set-up cell made (``import torch``).
"""

import ast
from dataclasses import dataclass, field

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
    }
)

#: The only double-underscore attributes student code may use: object
#: protocols. Every other one (``__globals__``, ``__setattr__``, ``__file__``,
#: ``__defaults__``, ``__class__``, ``__torch_function__``, ...) reaches the
#: interpreter's or a module's insides.
ALLOWED_DUNDERS = frozenset(
    {
        "__init__",
        "__name__",
        "__doc__",
        "__version__",
        "__call__",
        "__len__",
        "__iter__",
        "__next__",
        "__getitem__",
        "__contains__",
        "__repr__",
        "__str__",
        "__enter__",
        "__exit__",
        "__eq__",
        "__hash__",
        "__lt__",
        "__add__",
        "__sub__",
        "__mul__",
        "__matmul__",
        "__truediv__",
        "__neg__",
    }
)

#: Words that betray an attempt to find the answer key or the hidden tests.
FORBIDDEN_WORDS = ("course.reference", "gradebook", "HIDDEN TESTS", "BEGIN SOLUTION")

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(eq=False)
class _Scope:
    kind: str  # "module", "function", "class" or "comprehension"
    parent: "_Scope | None"
    bound: set = field(default_factory=set)
    declared_global: set = field(default_factory=set)


@dataclass(frozen=True)
class Binding:
    """A name that a piece of code binds in the notebook's namespace."""

    name: str
    kind: str  # "import", "def", "class" or "assignment" (any other statement)
    #: for an import, what it binds the name to: "torch", "course.testing:expect_close"
    target: str = ""


class _Walker(ast.NodeVisitor):
    """Python's scoping rules, enough to tell the notebook's names from local ones.

    Collects the bindings of the notebook's (module) namespace, the names read
    from it, and the roots of attribute and item assignments that reach it.
    """

    def __init__(self):
        self.module = self.scope = _Scope("module", None)
        self.bindings = []  # Binding, in the module namespace
        self._loads = []  # (scope, name)
        self._stores = []  # (scope, root name) of x.attr = ..., x[i] = ..., del x.attr
        self.star_imports = []

    # -- scopes
    def _enclosing(self, kinds):
        scope = self.scope
        while scope.kind not in kinds:
            scope = scope.parent
        return scope

    def _bind(self, name, kind="assignment", target="", scope=None):
        scope = scope or self.scope
        if scope.kind == "module" or name in scope.declared_global:
            self.bindings.append(Binding(name, kind, target))
        else:
            scope.bound.add(name)

    def _in_scope(self, kind, body, bind=()):
        outer, self.scope = self.scope, _Scope(kind, self.scope)
        self.scope.bound |= set(bind)
        for node in body:
            self.visit(node)
        self.scope = outer

    def _visit_all(self, nodes):
        for node in nodes:
            if node is not None:
                self.visit(node)

    @staticmethod
    def _parameters(args):
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        return [a.arg for a in every if a is not None]

    def _visit_signature(self, node):
        args = node.args
        self._visit_all([*args.defaults, *args.kw_defaults])
        if not isinstance(node, ast.Lambda):
            self._visit_all(node.decorator_list)
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            self._visit_all([a.annotation for a in every if a is not None] + [node.returns])

    def visit_FunctionDef(self, node):
        self._visit_signature(node)
        self._bind(node.name, "def")
        self._in_scope("function", node.body, self._parameters(node.args))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._visit_signature(node)
        self._in_scope("function", [node.body], self._parameters(node.args))

    def visit_ClassDef(self, node):
        self._visit_all([*node.decorator_list, *node.bases, *node.keywords])
        self._bind(node.name, "class")
        self._in_scope("class", node.body)

    def _visit_comprehension(self, node):
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        outer, self.scope = self.scope, _Scope("comprehension", self.scope)
        for number, generator in enumerate(generators):
            self.visit(generator.target)
            if number:
                self.visit(generator.iter)
            self._visit_all(generator.ifs)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        self._visit_all(parts)
        self.scope = outer

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    # -- bindings and reads
    def visit_Global(self, node):
        self.scope.declared_global |= set(node.names)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self._loads.append((self.scope, node.id))
        else:
            self._bind(node.id)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        # a walrus inside a comprehension binds in the scope around it
        self._bind(node.target.id, scope=self._enclosing({"module", "function", "class"}))

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self._bind(alias.asname, "import", alias.name)
            else:
                top = alias.name.split(".")[0]
                self._bind(top, "import", top)

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.star_imports.append(module)
            else:
                self._bind(alias.asname or alias.name, "import", f"{module}:{alias.name}")

    def visit_ExceptHandler(self, node):
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        if node.name:
            self._bind(node.name)

    def visit_MatchMapping(self, node):
        if node.rest:
            self._bind(node.rest)
        self.generic_visit(node)

    def _visit_store_target(self, target):
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root = target
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                self._stores.append((self.scope, root.id))

    def visit_Attribute(self, node):
        if not isinstance(node.ctx, ast.Load):
            self._visit_store_target(node)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if not isinstance(node.ctx, ast.Load):
            self._visit_store_target(node)
        self.generic_visit(node)

    # -- results
    def _reaches_module(self, scope, name):
        """True if ``name`` read in ``scope`` is looked up in the notebook's namespace."""
        first = True
        while scope.kind != "module":
            if name in scope.declared_global:
                return True
            # a class body's names are seen by the class body only
            if (first or scope.kind != "class") and name in scope.bound:
                return False
            scope, first = scope.parent, False
        return True

    def global_reads(self):
        """Names read from the notebook's namespace (or the built-ins)."""
        return {name for scope, name in self._loads if self._reaches_module(scope, name)}

    def global_stores(self):
        """Root names of attribute and item assignments on the notebook's names."""
        return [name for scope, name in self._stores if self._reaches_module(scope, name)]


def _walk(code):
    walker = _Walker()
    walker.visit(ast.parse(code))
    return walker


def bindings(code):
    """The :class:`Binding` s that ``code`` makes in the notebook's namespace ([] if not Python)."""
    try:
        return _walk(code).bindings
    except SyntaxError:
        return []


def free_reads(code):
    """Names ``code`` reads from the notebook's namespace without binding them itself."""
    try:
        walker = _walk(code)
    except SyntaxError:
        return set()
    return walker.global_reads() - {b.name for b in walker.bindings}


@dataclass(frozen=True)
class Protected:
    """What student code may not rebind or patch, read from the release.

    ``names``: what the set-up and test cells rely on; ``imports``: the
    set-up's own imports, ``{name: target}``, which a student may repeat.
    """

    names: frozenset = frozenset()
    imports: dict = field(default_factory=dict)

    @classmethod
    def from_release(cls, setup, tests, solutions):
        """From the set-up cell's code, the test cells' code and the solution cells.

        ``solutions`` maps each solution cell's grade id to its released code
        (the stub): the names those cells define are the student's to write.
        """
        defined = set(solutions)
        for code in solutions.values():
            defined |= {b.name for b in bindings(code)}
        setup_bindings = bindings(setup)
        names = {b.name for b in setup_bindings}
        for code in tests:
            names |= free_reads(code) - defined
        imports = {}
        for binding in setup_bindings:
            if binding.kind == "import":
                imports.setdefault(binding.name, set()).add(binding.target)
        # a name the set-up binds twice (by an import, then otherwise) has no safe repeat
        plain = {b.name for b in setup_bindings if b.kind != "import"}
        safe = {n: t.pop() for n, t in imports.items() if len(t) == 1 and n not in plain}
        return cls(frozenset(names), safe)


def _rebinding_reasons(walker, protected):
    reasons = []
    for binding in walker.bindings:
        if binding.name not in protected.names:
            continue
        if binding.kind == "import" and protected.imports.get(binding.name) == binding.target:
            continue  # the set-up's own import, repeated: the same object
        reasons.append(f"rebinds {binding.name}, which the tests use")
    imported = {b.name for b in walker.bindings if b.kind == "import"}
    for root in walker.global_stores():
        if root in protected.names:
            reasons.append(f"patches {root}, which the tests use")
        elif root in imported:
            reasons.append(f"patches the module {root}")
    for module in walker.star_imports:
        reasons.append(f"imports * from {module or '.'} (it may rebind the names the tests use)")
    return reasons


def _import_reasons(tree):
    reasons = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in FORBIDDEN_MODULES or "reference" in name:
                reasons.append(f"imports {name}")
    return reasons


def _getattr_is_plain(node):
    """True for ``getattr(x, "name")`` with a literal public name."""
    return (
        len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
        and not node.args[1].value.startswith("_")
    )


def _use_reasons(tree):
    reasons = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_CALLS:
                reasons.append(f"calls {node.func.id}()")
            if node.func.id == "getattr" and not _getattr_is_plain(node):
                reasons.append("calls getattr() with a computed or private name")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            reasons.append(f"uses {node.id}")
        elif isinstance(node, ast.Attribute):
            dunder = node.attr.startswith("__") and node.attr.endswith("__")
            if node.attr in FORBIDDEN_ATTRIBUTES or (dunder and node.attr not in ALLOWED_DUNDERS):
                reasons.append(f"uses .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for word in FORBIDDEN_WORDS:
                if word.lower() in node.value.lower():
                    reasons.append(f"mentions {word!r}")
    return reasons


def scan(code, protected=Protected()):
    """Reasons why ``code`` may not run under grading (an empty list if it may).

    ``protected`` says what the release's set-up and tests rely on (see
    :meth:`Protected.from_release`).
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # it will fail on its own, with the student's own error
    walker = _Walker()
    walker.visit(tree)
    reasons = _import_reasons(tree) + _use_reasons(tree) + _rebinding_reasons(walker, protected)
    return sorted(set(reasons))
