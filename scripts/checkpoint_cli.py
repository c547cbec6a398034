"""The command line shared by the checkpoint build scripts (outfit scorer, fast style).

``python -m scripts.<script>`` rebuilds a shipped checkpoint from its seed and
writes it; ``--check`` rebuilds and compares with the shipped one, writing
nothing; ``--data`` prints the fingerprint of the generated data only (cheap:
no training), which tests compare across CPU settings.
"""

import argparse
import json


def rebuild(argv, description, data_fingerprint, build):
    """``(args, built)``: the parsed options and ``build()``'s checkpoint with its metrics printed.

    With ``--data``, prints ``data_fingerprint()`` as JSON and returns
    ``(args, None)`` without building.
    """
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rebuild and compare, write nothing")
    parser.add_argument("--data", action="store_true", help="print the data's fingerprint only")
    args = parser.parse_args(argv)
    if args.data:
        print(json.dumps(data_fingerprint()))
        return args, None
    built = build()
    print("metrics:", {key: round(value, 4) for key, value in built["metrics"].items()})
    return args, built
