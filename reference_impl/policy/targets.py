"""Facts for choosing a target: build images, stock installers, library caveats, runtimes.

A wheel builder asks more than "which glibc": which image builds the tag, whether the pip a
distribution ships can read it, which allowed library a distribution leaves out, and what a
symbol version means in compiler terms. Those facts live in four files next to the baselines
(``build-images.toml``, ``installers.toml``, ``library-caveats.toml``, ``toolchains.toml``);
this module reads them and checks every name they use against the loaded :class:`PolicySet`.
A file that is absent contributes nothing (a proposed policy directory may leave them out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from packaging.version import InvalidVersion, Version

from reference_impl.errors import PolicyError
from reference_impl.policy.fields import Table, read_toml
from reference_impl.policy.load import default_policies
from reference_impl.policy.model import Baseline, Distribution, PolicySet

IMAGE_STATUSES = ("current", "alpha", "eol", "unpublished")
"""Upstream's words for an image: built, marked ALPHA, no longer built, never pushed."""

TAG_FORMS = ("manylinux1", "manylinux2010", "manylinux2014", "manylinux_x_y")
"""Tag spellings in the order installers learned to read them, oldest first."""

FILES = ("build-images.toml", "installers.toml", "library-caveats.toml", "toolchains.toml")


@dataclass(frozen=True)
class Caveat:
    """Something a builder must know before using an image, on some or all architectures."""

    text: str
    link: str
    architectures: tuple[str, ...] = ()
    """Empty when it holds on every architecture of the image."""

    def applies_to(self, arch: str) -> bool:
        return not self.architectures or arch in self.architectures


@dataclass(frozen=True)
class BuildImage:
    """One image family of pypa/manylinux (``manylinux_2_28``), built per architecture."""

    name: str
    baseline: str
    base: str
    toolchain: str
    architectures: tuple[str, ...]
    status: str
    since: str | None
    """When an ``eol`` image's support ended."""
    link: str | None
    caveats: tuple[Caveat, ...]
    sources: tuple[str, ...]
    registry: str

    def image(self, arch: str) -> str:
        """The pullable name on one architecture: ``quay.io/pypa/manylinux_2_28_x86_64``."""
        return f"{self.registry}/{self.name}_{arch}"


@dataclass(frozen=True)
class StockInstaller:
    """The pip that a distribution release ships for one of its Python interpreters."""

    distribution: str
    python: str | None
    pip: Version | None
    """None where only the newest tag form it reads is published."""
    reads: str | None
    """The newest entry of TAG_FORMS it installs; None when it installs no manylinux wheel."""
    default: bool
    sources: tuple[str, ...]

    def can_read(self, form: str) -> bool:
        """Whether this pip installs wheels tagged with ``form`` (an entry of TAG_FORMS)."""
        return self.reads is not None and TAG_FORMS.index(form) <= TAG_FORMS.index(self.reads)


@dataclass(frozen=True)
class MissingLibraries:
    """Allowed libraries that a distribution release does not provide out of the box."""

    distribution: str
    libraries: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Runtime:
    """What a symbol version means to a builder: the GCC release whose runtime defines it."""

    family: str
    version: str
    library: str
    gcc: str
    dialect: str | None
    """The default C++ dialect of that GCC release."""


@dataclass(frozen=True)
class TargetFacts:
    """Everything the four files say, checked against the policy data."""

    images: tuple[BuildImage, ...] = ()
    tag_forms: Mapping[str, Version] = field(default_factory=dict)
    """Tag form -> the first pip release that installs it."""
    tag_form_sources: tuple[str, ...] = ()
    stock: tuple[StockInstaller, ...] = ()
    missing: tuple[MissingLibraries, ...] = ()
    introduced_by: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Family -> bare version -> the GCC release that first defines it."""
    runtime_libraries: Mapping[str, str] = field(default_factory=dict)
    runtime_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dialects: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """(first GCC release, default dialect, sources), oldest first."""

    def images_for(self, baseline: str) -> tuple[BuildImage, ...]:
        return tuple(i for i in self.images if i.baseline == baseline)

    def installers_of(self, distribution: str) -> tuple[StockInstaller, ...]:
        """The stock pips of a release, its default interpreter's first."""
        found = [s for s in self.stock if s.distribution == distribution]
        return tuple(sorted(found, key=lambda s: not s.default))

    def stock_of(self, distribution: str) -> StockInstaller | None:
        """The pip of the release's default python3, if recorded."""
        return next((s for s in self.installers_of(distribution) if s.default), None)

    def missing_on(self, distribution: str) -> tuple[str, ...]:
        return tuple(
            sorted(
                {lib for m in self.missing if m.distribution == distribution for lib in m.libraries}
            )
        )

    def runtime(self, family: str, version: str) -> Runtime | None:
        """The builder's meaning of ``FAMILY_VERSION``; prefixed variants share the number's."""
        table = self.introduced_by.get(family, {})
        numbered = version.rsplit("_", 1)[-1]
        gcc = table.get(version) or table.get(numbered)
        if gcc is None:
            return None
        return Runtime(family, version, self.runtime_libraries[family], gcc, self.dialect_of(gcc))

    def dialect_of(self, gcc: str) -> str | None:
        """The default C++ dialect of a GCC release (``7.2.0`` -> ``gnu++14``)."""
        chosen = None
        for since, dialect, _ in self.dialects:
            if Version(gcc) >= Version(since):
                chosen = dialect
        return chosen


def reads(pip: Version, tag_forms: Mapping[str, Version]) -> str | None:
    """The newest tag form a pip release installs, or None if it predates manylinux1."""
    known = [form for form in TAG_FORMS if form in tag_forms and pip >= tag_forms[form]]
    return known[-1] if known else None


def newest_baseline(policies: PolicySet, dist: Distribution) -> Baseline | None:
    """The newest baseline whose wheels run on ``dist`` on at least one architecture."""
    fitting = [
        b
        for b in policies.baselines
        if b.glibc <= dist.glibc and set(b.architectures) & set(dist.architectures)
    ]
    return fitting[-1] if fitting else None


def tag_form_of(baseline: Baseline, arch: str) -> str:
    """The oldest spelling of ``baseline`` on ``arch`` an installer can read: its alias if any."""
    alias = baseline.aliases.get(arch)
    return alias if alias in TAG_FORMS else "manylinux_x_y"


def library_caveats(
    policies: PolicySet, facts: TargetFacts, baseline: Baseline
) -> list[tuple[Distribution, tuple[str, ...]]]:
    """Releases the baseline covers that lack some library it allows, oldest glibc first."""
    found = []
    for dist in policies.covered_by(baseline):
        lacking = tuple(lib for lib in facts.missing_on(dist.id) if lib in baseline.libraries)
        if lacking and not dist.build_image:
            found.append((dist, lacking))
    return found


@lru_cache(maxsize=1)
def default_targets() -> TargetFacts:
    """The target facts shipped with the default policy data (loaded once per process)."""
    return load_targets(default_policies())


def load_targets(policies: PolicySet) -> TargetFacts:
    """Read the four files next to ``policies``' baselines; PolicyError names file and key."""
    reader = _Reader(policies)
    images = reader.images()
    tag_forms, tag_form_sources, stock = reader.installers()
    introduced, libraries, runtime_sources, dialects = reader.toolchains()
    facts = TargetFacts(
        images=images,
        tag_forms=tag_forms,
        tag_form_sources=tag_form_sources,
        stock=stock,
        missing=reader.library_caveats(),
        introduced_by=introduced,
        runtime_libraries=libraries,
        runtime_sources=runtime_sources,
        dialects=dialects,
    )
    reader.check_build_image_rows(images)
    return facts


class _Reader:
    """Reads one file at a time, checking each name against the policy set."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self.distributions = {d.id: d for d in policies.distributions}
        self.baselines = {b.name: b for b in policies.baselines}

    def _open(self, name: str) -> Table | None:
        path = Path(self.policies.directory) / name
        if not path.exists():
            return None
        shown = f"{Path(self.policies.directory).name}/{name}"
        return Table(read_toml(path, shown), shown)

    def _sources(self, table: Table, key: str = "source") -> tuple[str, ...]:
        found = table.strings(key, None)
        for source_id in found:
            if source_id not in self.policies.sources:
                raise table.fail(key, f"names unknown source {source_id!r} (see sources.toml)")
        return found

    def _distributions(self, table: Table) -> tuple[str, ...]:
        found = table.strings("distributions", None)
        for dist_id in found:
            if dist_id not in self.distributions:
                raise table.fail("distributions", f"unknown distribution {dist_id!r}")
        return found

    def _link(self, table: Table, key: str = "link") -> str:
        link = table.text(key)
        if not link.startswith("https://"):
            raise table.fail(key, f"{link!r} is not an https link")
        return link

    def images(self) -> tuple[BuildImage, ...]:
        top = self._open("build-images.toml")
        if top is None:
            return ()
        top.only(["registry", "images"])
        registry = top.text("registry")
        found = []
        for name, entry in top.table("images", required=True).tables().items():
            entry.only(
                [
                    "baseline",
                    "base",
                    "toolchain",
                    "architectures",
                    "status",
                    "since",
                    "link",
                    "caveat",
                    "source",
                ]
            )
            baseline = self.baselines.get(entry.text("baseline"))
            if baseline is None:
                raise entry.fail("baseline", f"unknown baseline {entry.text('baseline')!r}")
            arches = entry.strings("architectures", None)
            for arch in arches:
                if arch not in baseline.architectures:
                    raise entry.fail("architectures", f"{baseline.name} does not cover {arch}")
            status = entry.text("status")
            if status not in IMAGE_STATUSES:
                raise entry.fail("status", f"{status!r} is not one of {', '.join(IMAGE_STATUSES)}")
            since = entry.day("since")
            if (status == "eol") != (since is not None):
                raise entry.fail("since", "is required for an eol image, and only for one")
            caveats = []
            for item in entry.table_list("caveat"):
                item.only(["text", "link", "architectures"])
                scope = item.strings("architectures")
                for arch in scope:
                    if arch not in arches:
                        raise item.fail("architectures", f"the image has no {arch} build")
                caveats.append(Caveat(item.text("text"), self._link(item), scope))
            found.append(
                BuildImage(
                    name=name,
                    baseline=baseline.name,
                    base=entry.text("base"),
                    toolchain=entry.text("toolchain"),
                    architectures=arches,
                    status=status,
                    since=since,
                    link=self._link(entry) if entry.has("link") else None,
                    caveats=tuple(caveats),
                    sources=self._sources(entry),
                    registry=registry,
                )
            )
        return tuple(sorted(found, key=lambda i: self.baselines[i.baseline].glibc))

    def installers(
        self,
    ) -> tuple[dict[str, Version], tuple[str, ...], tuple[StockInstaller, ...]]:
        top = self._open("installers.toml")
        if top is None:
            return {}, (), ()
        top.only(["tag_forms", "stock"])
        forms = top.table("tag_forms", required=True)
        forms.only([*TAG_FORMS, "source"])
        tag_forms = {form: _version(forms, form) for form in TAG_FORMS if forms.has(form)}
        ordered = [tag_forms[f] for f in TAG_FORMS if f in tag_forms]
        if ordered != sorted(ordered):
            raise forms.fail(TAG_FORMS[-1], "each tag form must need a newer pip than the last")
        stock: list[StockInstaller] = []
        for entry in top.table_list("stock"):
            entry.only(["distributions", "python", "default", "pip", "reads", "source"])
            if entry.has("pip") == entry.has("reads"):
                raise entry.fail("pip", "give either the pip version or the tag form it reads")
            pip = _version(entry, "pip") if entry.has("pip") else None
            form = reads(pip, tag_forms) if pip is not None else entry.text("reads")
            if form is not None and form not in TAG_FORMS:
                raise entry.fail("reads", f"{form!r} is not one of {', '.join(TAG_FORMS)}")
            for dist_id in self._distributions(entry):
                stock.append(
                    StockInstaller(
                        distribution=dist_id,
                        python=entry.optional_text("python"),
                        pip=pip,
                        reads=form,
                        default=entry.boolean("default", True),
                        sources=self._sources(entry),
                    )
                )
        defaults = [s.distribution for s in stock if s.default]
        for dist_id in defaults:
            if defaults.count(dist_id) > 1:
                raise top.fail("stock", f"{dist_id} has more than one default installer")
        return tag_forms, self._sources(forms), tuple(stock)

    def library_caveats(self) -> tuple[MissingLibraries, ...]:
        top = self._open("library-caveats.toml")
        if top is None:
            return ()
        top.only(["missing"])
        found = []
        for entry in top.table_list("missing"):
            entry.only(["distributions", "libraries", "source"])
            libraries = entry.strings("libraries", None)
            for dist_id in self._distributions(entry):
                allowed = {
                    lib
                    for b in self.policies.baselines
                    if self.distributions[dist_id] in self.policies.covered_by(b)
                    for lib in b.libraries
                }
                for lib in libraries:
                    if lib not in allowed:
                        raise entry.fail(
                            "libraries",
                            f"{lib} is allowed by no baseline that covers {dist_id}, "
                            "so its absence is no caveat",
                        )
                found.append(MissingLibraries(dist_id, libraries, self._sources(entry)))
        return tuple(found)

    def toolchains(
        self,
    ) -> tuple[
        dict[str, dict[str, str]],
        dict[str, str],
        dict[str, tuple[str, ...]],
        tuple[tuple[str, str, tuple[str, ...]], ...],
    ]:
        top = self._open("toolchains.toml")
        if top is None:
            return {}, {}, {}, ()
        top.only(["families", "default_dialect"])
        introduced: dict[str, dict[str, str]] = {}
        libraries: dict[str, str] = {}
        sources: dict[str, tuple[str, ...]] = {}
        for family, entry in top.table("families", required=True).tables().items():
            if family not in self.policies.families:
                raise top.fail(f"families.{family}", "is not a family of families.toml")
            entry.only(["library", "source", "introduced_by"])
            library = entry.text("library")
            if library not in self.policies.families[family].libraries:
                raise entry.fail("library", f"{library} does not define {family} versions")
            table = entry.table("introduced_by", required=True)
            introduced[family] = {v: str(_version(table, v)) for v in table.data}
            libraries[family] = library
            sources[family] = self._sources(entry)
        dialects = []
        for item in top.table_list("default_dialect"):
            item.only(["since_gcc", "dialect", "source"])
            dialects.append(
                (str(_version(item, "since_gcc")), item.text("dialect"), self._sources(item))
            )
        if [Version(d[0]) for d in dialects] != sorted(Version(d[0]) for d in dialects):
            raise top.fail("default_dialect", "entries must be in GCC release order")
        return introduced, libraries, sources, tuple(dialects)

    def check_build_image_rows(self, images: tuple[BuildImage, ...]) -> None:
        """A build-image row of distributions.toml must match its image in build-images.toml."""
        if not images:
            return
        by_name = {i.name: i for i in images}
        for dist in self.policies.distributions:
            if not dist.build_image:
                continue
            name = "manylinux" + ("_" if "_" in dist.release else "") + dist.release
            image = by_name.get(name)
            where = f"{Path(self.policies.directory).name}/distributions.toml"
            if image is None:
                raise PolicyError(where, f"build image {dist.id} is not in build-images.toml")
            baseline = self.baselines[image.baseline]
            if dist.glibc != baseline.glibc or set(dist.architectures) != set(image.architectures):
                raise PolicyError(
                    where,
                    f"build image {dist.id} (glibc {dist.glibc}, {', '.join(dist.architectures)}) "
                    f"disagrees with {name} in build-images.toml",
                )


def _version(table: Table, key: str) -> Version:
    text = table.text(key)
    try:
        return Version(text)
    except InvalidVersion:
        raise table.fail(key, f"{text!r} is not a version") from None


def caveat_report(policies: PolicySet, facts: TargetFacts) -> list[str]:
    """Lines for ``policy verify``: each release lacking a library its baselines allow.

    A caveat is not a mismatch: the data says so on purpose (clause promise.mainstream), so
    it is reported beside the check and never changes its verdict.
    """
    lines = []
    for dist in sorted(policies.distributions, key=lambda d: (d.name, d.glibc, d.release)):
        lacking = facts.missing_on(dist.id)
        allowing = [
            b
            for b in policies.baselines
            if dist in policies.covered_by(b) and b.libraries.intersection(lacking)
        ]
        if not allowing:
            continue
        sources = sorted({s for m in facts.missing if m.distribution == dist.id for s in m.sources})
        lines.append(
            f"CAVEAT: {dist.title} ({dist.id}) lacks {', '.join(lacking)}, which "
            f"{allowing[0].name} to {allowing[-1].name} allow: wheels that link "
            f"{'it' if len(lacking) == 1 else 'them'} fail to load there (source: "
            f"{', '.join(sources)})"
        )
    return lines
