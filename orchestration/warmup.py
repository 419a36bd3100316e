"""Loading, in the background, the libraries a run's later steps use.

While dbt builds, in its own process, the run's process only waits for dbt's output. The
gate (Great Expectations, about 3.5 s to import) and the report (matplotlib, about 1 s)
are imported in that time by a background thread instead of after the build, on the
critical path. Only a run that builds pays for it: a skipped build imports neither.
"""

from __future__ import annotations

import importlib
import threading

# What the steps after the dbt build import; an import error here is left for the step
# that needs the module to raise, where it is reported.
AFTER_BUILD = ("great_expectations", "matplotlib.figure", "matplotlib.backends.backend_svg")


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the step that uses the module reports it
            return


def warm_up(modules: tuple[str, ...] = AFTER_BUILD) -> threading.Thread:
    """Starts importing ``modules`` in a background thread; the caller need not wait."""
    thread = threading.Thread(target=_import_all, args=(modules,), name="g2139-warm-up", daemon=True)
    thread.start()
    return thread
