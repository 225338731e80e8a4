"""Shared fixtures for the crafter's tests: the valid ELF files, extracted once per session."""

from __future__ import annotations

import pytest

from .craft_expect import Subject, elf_subjects


@pytest.fixture(scope="session")
def subjects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Subject]:
    """Every valid ELF fixture and ELF wheel member, by id."""
    return {s.id: s for s in elf_subjects(tmp_path_factory.mktemp("members"))}
