"""Which file each ``--format`` goes to: each ``--output`` belongs to the ``--format`` before it
(``-f table -f json -o r.json``), an ``--output`` alone names its format by its extension.

The order of the options is read from the command line itself, knowing only which of the
command's options take a value (from its typer declaration), never from click's parser."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable

from grader.errors import LoopcheckError


def value_options(command: Callable) -> dict[str, tuple[str, bool]]:
    """Each option string of a typer command function (``--format``, ``-f``) → (its parameter's
    name, whether it takes a value): everything but a ``bool`` flag takes one."""
    import typer.models

    out: dict[str, tuple[str, bool]] = {}
    for name, param in inspect.signature(command).parameters.items():
        info = param.default
        if isinstance(info, typer.models.OptionInfo):
            takes = param.annotation not in (bool, "bool")
            for decl in info.param_decls or ():
                for spelling in decl.split("/"):  # "--color/--no-color"
                    out[spelling.strip()] = (name, takes)
    return out


def option_order(args: list[str], options: dict[str, tuple[str, bool]]) -> list[str]:
    """The parameter names of the options in ``args``, one per occurrence, in command-line order
    (``--format=json``, ``-fjson``, ``-vf json`` and ``--`` as the shell and click read them)."""
    order: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            break
        if arg.startswith("--"):
            spelling, eq, _ = arg.partition("=")
            known = options.get(spelling)
            if known:
                order.append(known[0])
                if known[1] and not eq:
                    i += 1  # its value is the next word
        elif arg.startswith("-") and len(arg) > 1:
            for j in range(1, len(arg)):  # a cluster of short options: -vf json, -fjson
                known = options.get("-" + arg[j])
                if not known:
                    break
                order.append(known[0])
                if known[1]:
                    if j == len(arg) - 1:
                        i += 1
                    break
        i += 1
    return order


def pair_formats(order: list[str], formats: list[str], outputs: list[str]) -> list[tuple[str, str | None]]:
    """(format, output file or None) in the order given.

    ``order`` is the parameter names in command-line order (one per occurrence). Each
    ``--output`` belongs to the ``--format`` before it; an ``--output`` given before any
    ``--format`` belongs to the first one (or to the default ``table``)."""
    fmts, outs = iter(formats), iter(outputs)
    pairs: list[list] = []
    orphans: list[str] = []
    for name in order:
        if name == "fmt":
            pairs.append([next(fmts), None])
        elif name == "output":
            out = next(outs)
            if pairs and pairs[-1][1] is None:
                pairs[-1][1] = out
            else:
                orphans.append(out)
    if not pairs:
        pairs.append(["table", None])
    for out in orphans:
        free = next((p for p in pairs if p[1] is None), None)
        if free is None:
            raise LoopcheckError(f"--output {out} has no --format of its own")
        free[1] = out
    return [(f, o) for f, o in pairs]


EXTENSIONS = {".json": "json", ".xml": "junit", ".sarif": "sarif", ".md": "markdown", ".markdown": "markdown",
              ".csv": "csv", ".txt": "table"}


def format_of(output: str) -> str:
    """The format an --output file's extension asks for, when no --format was given."""
    ext = os.path.splitext(output)[1].lower()
    if ext not in EXTENSIONS:
        raise LoopcheckError(f"--output {output}: give its --format (no format is known for {ext or 'no extension'}; "
                             f"by extension: {', '.join(f'{e} {f}' for e, f in EXTENSIONS.items())})")
    return EXTENSIONS[ext]


def pairs_of(args: list[str] | None, command: Callable, formats: list[str],
             outputs: list[str]) -> list[tuple[str, str | None]]:
    """The (format, output) pairs of a command line; without the command line (the command
    called by other means), the n-th ``--output`` goes with the n-th ``--format``."""
    if outputs and not formats:  # `-o report.json`: the file's extension says which format
        return [(format_of(out), out) for out in outputs]
    if args is None:
        order = [name for i in range(max(len(formats), len(outputs)))
                 for name, given in (("fmt", formats), ("output", outputs)) if i < len(given)]
        return pair_formats(order, formats, outputs)
    counted = [n for n in option_order(args, value_options(command)) if n in ("fmt", "output")]
    return pair_formats(counted, formats, outputs)
