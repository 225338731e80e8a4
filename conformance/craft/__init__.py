"""The fixture crafter: pure-Python ELF and wheel writers driven by declarative recipes.

It imports nothing from ``reference_impl``: the fixtures must not be made by the code they
test. Layouts (:mod:`.layouts`) are declared apart from building (:mod:`.elf`,
:mod:`.wheel`), recipes are read by :mod:`.recipes`, and :mod:`.generate` writes or checks
``conformance/fixtures/``.
"""

from __future__ import annotations

from conformance.craft.elf import ElfSpec, Symbol, build_elf
from conformance.craft.generate import FIXTURES, build_all, check, fixture, generate
from conformance.craft.recipes import RECIPES, RecipeError, load_all
from conformance.craft.wheel import Member, WheelSpec, build_wheel

__all__ = [
    "FIXTURES",
    "RECIPES",
    "ElfSpec",
    "Member",
    "RecipeError",
    "Symbol",
    "WheelSpec",
    "build_all",
    "build_elf",
    "build_wheel",
    "check",
    "fixture",
    "generate",
    "load_all",
]
