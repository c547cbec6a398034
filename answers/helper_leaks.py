"""No helper shipped to students may compute an exercise's answer: a behavioural check.

The student kit's ``course`` package (everything but the answer key) must not
hold a function that hands out an exercise's result, even written
differently (``recommend`` for all users at once, say). Text searches cannot
see that; behaviour can. Each answer collection may give ``PROBES``:
``{exercise: function returning keyword arguments}``. For each probe, the
answer key's output is computed here; then, in a separate Python that sees
only the kit, every public function of every kit module whose parameters can
all be filled from the probe's arguments (by name, the rest from defaults) is
called, and its output compared with the answer key's: equal as a whole, or
equal to one slice along the first dimension (a batched version), is a leak.

Run on a kit: ``python -m answers.helper_leaks KIT`` (``make bundle`` does,
after ``python -m autograder bundle``; it removes a kit that leaks), or
:func:`find_reimplementations`. The kit side is ``python -m
answers.helper_leaks --kit-side PROBES.pt``, with the kit first on
``sys.path``.
"""

import argparse
import importlib
import importlib.util
import inspect
import io
import json
import os
import pkgutil
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

#: Seconds one helper call may take in the probe before it is skipped.
CALL_LIMIT_S = 20


def _same(got, expected):
    """True if ``got`` equals ``expected`` (tensors, numbers, tuples of them)."""
    if isinstance(expected, tuple):
        return False  # tuples are compared element by element in matches()
    if isinstance(expected, (int, float)) and not isinstance(got, torch.Tensor):
        return isinstance(got, (int, float)) and abs(got - expected) <= 1e-6
    if not isinstance(got, torch.Tensor) or not isinstance(expected, torch.Tensor):
        return False
    if got.shape != expected.shape or got.is_complex() or expected.is_complex():
        return False
    return bool(torch.allclose(got.double(), expected.double(), atol=1e-6, equal_nan=True))


def matches(got, expected):
    """True if ``got`` is ``expected``, or holds it as one slice along its first dimension."""
    if isinstance(expected, tuple) and isinstance(got, tuple) and len(got) == len(expected):
        return all(matches(g, e) for g, e in zip(got, expected, strict=True))
    if _same(got, expected):
        return True
    expected = torch.as_tensor(expected) if isinstance(expected, (int, float)) else expected
    batched = (
        isinstance(got, torch.Tensor)
        and isinstance(expected, torch.Tensor)
        and got.dim() == expected.dim() + 1
        and got.shape[1:] == expected.shape
    )
    return batched and any(_same(row, expected) for row in got)


def _kit_functions():
    """``[(qualified name, function)]``: the public functions of the importable ``course``."""
    import course

    found = []
    for info in pkgutil.walk_packages(course.__path__, "course."):
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(function)
                and function.__module__ == module.__name__
            ):
                found.append((f"{module.__name__}.{name}", function))
    return found


def _bind(function, arguments):
    """Keyword arguments for ``function`` from ``arguments``, or None if it needs others."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    chosen = {}
    for parameter in parameters:
        if parameter.name in arguments:
            chosen[parameter.name] = arguments[parameter.name]
        elif parameter.default is inspect.Parameter.empty and parameter.kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            return None
    return chosen or None  # a helper that uses none of the probe's arguments is not probed


def _timeout(*_):
    raise TimeoutError


def _load_probes(probe_file):
    """``({exercise: (arguments, expected)}, {exercise: why not})`` from the probe file.

    Each probe is stored apart, so that a probe whose arguments are objects of a
    module the kit does not hold (a kit of one topic, say) is set aside, named,
    without stopping the others.
    """
    probes, unread = {}, {}
    for exercise, payload in torch.load(probe_file, weights_only=False).items():
        try:
            probes[exercise] = torch.load(io.BytesIO(payload), weights_only=False)
        except (ModuleNotFoundError, AttributeError) as error:
            unread[exercise] = str(error)
    return probes, unread


def probe_kit(probe_file):
    """The kit side: ``{"leaks": [[helper, exercise], ...], "unread": {exercise: why}}``."""
    probes, unread = _load_probes(probe_file)
    signal.signal(signal.SIGALRM, _timeout)
    leaks = []
    for qualified, function in _kit_functions():
        for exercise, (arguments, expected) in probes.items():
            chosen = _bind(function, arguments)
            if chosen is None:
                continue
            signal.alarm(CALL_LIMIT_S)
            try:
                got = function(**chosen)
            except Exception:  # a helper that cannot take these arguments is not a leak
                continue
            finally:
                signal.alarm(0)
            if matches(got, expected):
                leaks.append([qualified, exercise])
    return {"leaks": leaks, "unread": unread}


def _stored_apart(probes):
    """``{exercise: bytes}``: each probe saved on its own (see :func:`_load_probes`)."""
    stored = {}
    for exercise, probe in probes.items():
        buffer = io.BytesIO()
        torch.save(probe, buffer)
        stored[exercise] = buffer.getvalue()
    return stored


def find_reimplementations(kit, probes, unread=None):
    """``[(helper, exercise)]``: kit helpers that compute an exercise's answer.

    ``probes`` is ``{exercise: (arguments, the answer key's output)}``. A probe
    whose arguments need a module the kit lacks cannot be run on it; it is
    added to the dict ``unread`` (``{exercise: reason}``) when one is given.
    """
    kit = Path(kit).resolve()
    with tempfile.TemporaryDirectory(prefix="probes-") as tmp:
        probe_file = Path(tmp) / "probes.pt"
        torch.save(_stored_apart(probes), probe_file)
        repo = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=f"{kit}{os.pathsep}{repo}", MPLBACKEND="Agg")
        done = subprocess.run(
            [sys.executable, "-m", "answers.helper_leaks", "--kit-side", str(probe_file)],
            cwd=kit,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the reimplementation probe failed:\n{done.stderr[-2000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    if unread is not None:
        unread.update(found["unread"])
    return [tuple(pair) for pair in found["leaks"]]


def exercise_probes():
    """``{exercise: (arguments, the answer key's output)}`` from every answer collection."""
    from answers import collections

    probes = {}
    for answers in collections():
        key = importlib.import_module(f"course.reference.{answers.notebook_id}")
        for exercise, make_arguments in answers.probes.items():
            arguments = make_arguments()
            probes[f"{answers.assignment_id}.{exercise}"] = (
                arguments,
                getattr(key, exercise)(**arguments),
            )
    return probes


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m answers.helper_leaks",
        description="Check that no helper of a student kit computes an exercise's answer.",
    )
    parser.add_argument("kit", nargs="?", help="the student kit (python -m autograder bundle)")
    parser.add_argument("--kit-side", metavar="PROBES", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.kit_side:
        if importlib.util.find_spec("course.reference") is not None:
            raise SystemExit("the probe must run on the student kit, which has no reference")
        print(json.dumps(probe_kit(args.kit_side)))
        return 0
    if not args.kit:
        parser.error("give the student kit's folder")
    unread = {}
    leaks = find_reimplementations(args.kit, exercise_probes(), unread)
    for exercise, reason in sorted(unread.items()):
        print(f"note: {exercise} not probed, the kit cannot read its arguments ({reason})")
    if leaks:
        shutil.rmtree(args.kit)
        found = "; ".join(f"{helper} computes {exercise}" for helper, exercise in leaks)
        print(f"error: the kit would hand out answers, so it was removed: {found}", file=sys.stderr)
        return 1
    print(f"no helper of {args.kit} computes an exercise")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
