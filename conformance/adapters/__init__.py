"""The implementations the suite can run, by name; each module imports only its own tool."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from conformance.adapters.base import Adapter, AdapterError

ADAPTERS: Mapping[str, str] = {
    "reference": "conformance.adapters.reference:ReferenceAdapter",
    "packaging": "conformance.adapters.packaging_adapter:PackagingAdapter",
    "pep600-sample": "conformance.adapters.pep600_sample:PEP600SampleAdapter",
    "pip": "conformance.adapters.pip_adapter:PipAdapter",
    "uv": "conformance.adapters.uv_adapter:UvAdapter",
    "auditwheel": "conformance.adapters.auditwheel_adapter:AuditwheelAdapter",
    "distlib": "conformance.adapters.distlib_adapter:DistlibAdapter",
    "dep-logic": "conformance.adapters.dep_logic_adapter:DepLogicAdapter",
    "nab": "conformance.adapters.nab_adapter:NabAdapter",
    "auditwheel-symbols": (
        "conformance.adapters.auditwheel_symbols_adapter:AuditwheelSymbolsAdapter"
    ),
}
"""Adapter name -> ``module:class``; ``--impl all`` runs every one of them."""

IN_PROCESS = ("reference", "packaging", "pep600-sample", "distlib", "dep-logic", "nab")
"""Adapters that answer in this process: cheap enough for the differential explorer to call
thousands of times, and run one after another (several pose as a system by patching
process-wide probes)."""


def create(name: str) -> Adapter:
    """A fresh adapter by name; :class:`AdapterError` for an unknown one."""
    try:
        target = ADAPTERS[name]
    except KeyError:
        known = ", ".join(ADAPTERS)
        raise AdapterError(f"no implementation named {name!r} (known: {known})") from None
    module, attribute = target.split(":")
    adapter: Adapter = getattr(importlib.import_module(module), attribute)()
    return adapter
