"""Load the companions of content/companions/ by path, as the snippet checks do."""

from __future__ import annotations

import importlib.util
import sys

from site_paths import ROOT

COMPANIONS = ROOT / "content" / "companions"


def load_companion(name: str):
    """Import ``content/companions/<name>.py`` once, as module ``companions_<name>``."""
    module_name = f"companions_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, COMPANIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
