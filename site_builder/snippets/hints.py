"""What to do about a failure: a hint added to the evidence of a check that failed on an import.

A block (or a companion's ``smoke()``) that fails with ``ModuleNotFoundError`` or ``ImportError`` most
often needs a package the Python running the checks lacks — the checks run with the interpreter that
runs site-builder (``sys.executable``). ``with_hint`` names the module and says where to install it: in
this repository (a ``Makefile`` with a ``check`` target and ``requirements/companions.txt`` beside the
content folder), ``make check`` or ``make test`` installs the companion stack; elsewhere, the package goes
into the environment site-builder runs in. The hint is the last lines of the result's ``detail``, so the
report, ``--json``, pytest and the page's "How it failed" all show it.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import re
import sys
import textwrap
from pathlib import Path

from site_builder.snippets.cache import distribution_versions
from site_builder.snippets.model import FAILED, SHELL, CheckResult

_IMPORT_ERROR = re.compile(r"\b(ModuleNotFoundError|ImportError): (.*)")
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")
_NO_NAME = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")


def with_hint(result: CheckResult, kind: str, companions: Path) -> CheckResult:
    """``result`` with a hint after its evidence when it failed on an import; else ``result`` unchanged.

    Not for a shell block: the Python it failed in is whichever it called, not necessarily ours."""
    if result.status != FAILED or kind == SHELL:
        return result
    hint = import_hint(f"{result.reason}\n{result.detail}", companions)
    if hint is None:
        return result
    return dataclasses.replace(result, detail=f"{result.detail.rstrip()}\n\n{hint}".lstrip("\n"))


def import_hint(text: str, companions: Path) -> str | None:
    """The hint for the last import error ``text`` shows (a reason, a traceback, a doctest report), or None."""
    errors = _IMPORT_ERROR.findall(text)
    if not errors:
        return None
    message = errors[-1][1]
    python = sys.executable
    missing, no_name = _NO_MODULE.search(message), _NO_NAME.search(message)
    module = missing.group(1) if missing else no_name.group(2) if no_name else None
    top = module.partition(".")[0] if module else None
    if top is not None and _installed(top, companions):
        lacking = f"`{no_name.group(1)}`" if no_name else f"`{module}`"
        versions = distribution_versions(top)
        if not versions:
            version = ".".join(map(str, sys.version_info[:2]))
            hint = (f"hint: `{top}`, of the standard library of Python {version} (the Python the checks run with, "
                    f"{python}), has no {lacking}: the code may need another version of Python.")
        else:
            installed = ", ".join(f"{dist} {version}" for dist, version in versions.items())
            hint = (f"hint: `{top}` is installed ({installed}) but has no {lacking}: the code may need another "
                    f"version of it, installed into the Python the checks run with ({python}).")
    else:
        what = f"`{top}` is not installed" if top else "an import failed"
        if _this_repository(companions):
            todo = ("this project's companion stack (requirements/companions.txt) holds the packages its posts "
                    "use: `make check` or `make test` installs it; `make build` does not.")
        else:
            name = top or "NAME"
            todo = (f"install the package that provides {'it' if top else 'what the message names'} there "
                    f"(`{python} -m pip install {name}`; a package may be named otherwise than its module, "
                    "as scikit-learn provides sklearn), then check again.")
        hint = f"hint: {what} in the Python the checks run with ({python}): {todo}"
    return "\n".join(textwrap.wrap(hint, 100, subsequent_indent="  ", break_long_words=False,
                                   break_on_hyphens=False))


def _installed(top: str, companions: Path) -> bool:
    """Whether the checks' Python finds ``top``: among the companions or on its ``sys.path``."""
    try:
        return importlib.machinery.PathFinder.find_spec(top, [str(companions), *sys.path]) is not None \
            or top in sys.builtin_module_names
    except (ImportError, ValueError):
        return False


def _this_repository(companions: Path) -> bool:
    """A project with site-builder's own Makefile targets: ``make check`` installs the companions' packages."""
    project = companions.parent.parent
    try:
        makefile = (project / "Makefile").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return (project / "requirements" / "companions.txt").is_file() and \
        re.search(r"^check:", makefile, re.MULTILINE) is not None
