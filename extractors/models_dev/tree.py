"""models.dev's TOML tree, commit by commit: the records ``api.json`` would have served, for the keys a commit touched.

The repository (``anomalyco/models.dev``) holds ``providers/<provider>/provider.toml``, one file per model a
provider serves under ``providers/<provider>/models/<model id>.toml`` (209 of them git symlinks to another
provider's file) and, since 2026-06, provider-agnostic ``models/<lab>/<id>.toml`` that a provider's file
inherits through ``base_model``. models.dev's build turns the tree into ``api.json`` as follows, and so do we:
a provider is served when it has a ``provider.toml``; a model's id is its path under ``models/`` without
``.toml``; a file with ``base_model`` is the base deep-merged with its own fields (objects key by key,
anything else replaced), less the dotted paths of ``base_model_omit``, ``base_model`` kept.

``ModelsDevTree`` holds the tree as a replay reaches it and answers, for one commit's changed files, the
records of every key whose served object may have changed: the changed model files, the models of a
changed ``provider.toml``, the files inheriting a changed base, the symlinks to a changed file. Keys a
commit did not touch get no observation: their version goes on. A key whose file went (or whose provider
did) is ``gone``: positive evidence, as a catalog page's 404 is. Pure: no I/O.
"""

from __future__ import annotations

import copy
import posixpath
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from extractors.spec import TreeFile
from transforms.records import MODEL_FIELDS, Listing, Parsed, RowError
from transforms.units import UnitError

from .records import SOURCE_ID, endpoint_record, model_record

PROVIDERS = "providers/"
BASES = "models/"
FOLDERS = (PROVIDERS, BASES)
"""The repository folders the tree is read from."""
MAX_LINKS = 8
"""Symlinks followed from one file before it is refused as a loop."""
NOT_INHERITED = ("benchmarks", "license", "links", "weights", "id")
"""Fields of a base model a provider's file does not inherit (models.dev's ``inheritableModelMetadata``)."""


def key_of(path: str) -> str | None:
    """The ``<provider>/<model id>`` key of a provider's model file, None for any other path."""
    if not path.startswith(PROVIDERS) or not path.endswith(".toml"):
        return None
    parts = path[len(PROVIDERS) : -len(".toml")].split("/")
    if len(parts) < 3 or parts[1] != "models":
        return None
    return f"{parts[0]}/{'/'.join(parts[2:])}"


def provider_file(provider_id: str) -> str:
    return f"{PROVIDERS}{provider_id}/provider.toml"


class TreeError(ValueError):
    """A file of the tree that cannot be served (bad TOML, a base or symlink target that is missing)."""


class ModelsDevTree:
    """The tree at the last commit applied, with what each file depends on."""

    def __init__(self) -> None:
        self.files: dict[str, TreeFile] = {}
        self._parsed: dict[bytes, dict[str, Any] | TreeError] = {}  # TOML body -> its table (or why not)
        self._users: dict[str, set[str]] = {}  # a path -> the paths whose served object reads it

    def paths(self) -> set[str]:
        """The paths present."""
        return set(self.files)

    def present(self, path: str) -> bool:
        """Whether the model file at ``path`` is served: it exists and its provider has a ``provider.toml``."""
        key = key_of(path)
        return key is not None and path in self.files and provider_file(key.split("/", 1)[0]) in self.files

    def served(self, path: str) -> bool:
        """Whether ``path`` is present and, through its symlinks, reaches a file (a broken symlink is not served)."""
        return self.present(path) and not self._dangling(path)

    def apply(self, changes: Mapping[str, TreeFile | None]) -> list[tuple[str, Parsed]]:
        """Apply one commit's changes (None: deleted); returns what it makes observed, key by key, each
        with the changed path that touched the key (its own file first)."""
        touched = self._touched(changes)
        was = {path: self.served(path) for path in touched}
        for path, file in changes.items():
            self._forget(path)
            if file is None:
                self.files.pop(path, None)
            else:
                self.files[path] = file
        for path in changes:
            self._remember(path)
        touched |= self._touched(changes)
        was.update({path: False for path in touched if path not in was})
        parsed: list[tuple[str, Parsed]] = []
        for path in sorted(touched):
            if self.served(path):
                parsed.append((self._cause(path, changes), self._served(path)))
            elif was[path]:
                parsed.append((self._cause(path, changes), gone(path, "its file left the tree")))
        return parsed

    def _touched(self, changes: Iterable[str]) -> set[str]:
        """The model files whose served object reads any of ``changes`` (themselves included)."""
        seen: set[str] = set()
        todo = list(changes)
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            todo.extend(self._users.get(path, ()))
            if path.endswith("/provider.toml") and path.startswith(PROVIDERS):
                folder = path.removesuffix("provider.toml") + "models/"
                todo.extend(p for p in self.files if p.startswith(folder))
        return {p for p in seen if key_of(p) is not None}

    def _cause(self, path: str, changes: Mapping[str, TreeFile | None]) -> str:
        """The changed path a touched model file is observed for: itself, else what it reads."""
        if path in changes:
            return path
        key = key_of(path)
        assert key is not None
        provider = provider_file(key.split("/", 1)[0])
        if provider in changes:
            return provider
        return next((p for p in self._dependencies(path) if p in changes), min(changes))

    def _reads(self, path: str, strict: bool = True) -> tuple[list[str], str | None]:
        """The file chain the served object of ``path`` is read from (itself, then its symlink targets) and
        the base it inherits; ``strict=False`` goes as far as it can, for a broken file's dependencies."""
        chain = [path]
        file = self.files.get(path)
        while file is not None and file.symlink:
            if len(chain) > MAX_LINKS:
                if strict:
                    raise TreeError(f"{chain[0]}: more than {MAX_LINKS} symlinks")
                return chain, None
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), file.body.decode().strip()))
            chain.append(path)
            file = self.files.get(path)
        if file is None:
            if strict:
                raise TreeError(f"{chain[0]}: symlink to {path}, which is not in the tree")
            return chain, None
        try:
            base = self._table(path, file).get("base_model")
        except TreeError:
            if strict:
                raise
            base = None
        return chain, f"{BASES}{base}.toml" if isinstance(base, str) else None

    def _dangling(self, path: str) -> bool:
        chain, _ = self._reads(path, strict=False)
        return chain[-1] not in self.files

    def _dependencies(self, path: str) -> list[str]:
        chain, base = self._reads(path, strict=False)
        return [*chain[1:], *([base] if base else [])]

    def _forget(self, path: str) -> None:
        if path in self.files:
            for read in self._dependencies(path):
                self._users.get(read, set()).discard(path)

    def _remember(self, path: str) -> None:
        if path in self.files:
            for read in self._dependencies(path):
                self._users.setdefault(read, set()).add(path)

    def _table(self, path: str, file: TreeFile) -> dict[str, Any]:
        """The TOML table of a (non-symlink) file, parsed once per distinct body."""
        table = self._parsed.get(file.body)
        if table is None:
            try:
                table = tomllib.loads(file.body.decode())
            except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
                table = TreeError(f"not valid TOML ({e})")
            self._parsed[file.body] = table
        if isinstance(table, TreeError):
            raise TreeError(f"{path}: {table}")
        return table

    def _served(self, path: str) -> Parsed:
        """The model and endpoint records of a served model file (one rejected row if it cannot be served)."""
        key = key_of(path)
        assert key is not None
        provider_id = key.split("/", 1)[0]
        try:
            provider = self._table(provider_file(provider_id), self.files[provider_file(provider_id)])
            item = self._object(path)
            model = model_record(key, item)
            endpoint = endpoint_record(key, provider_id, provider, item)
        except (TreeError, UnitError, ValueError, TypeError) as e:
            return Parsed(rejected=(RowError("model", key, str(e) if isinstance(e, TreeError) else f"{path}: {e}"),))
        if model["status"] == "deprecated":  # retired (positive evidence), and its endpoint with it
            return Parsed(records={"model": [model]}, listings=(Listing("endpoint", key, 0, "deprecated"),))
        return Parsed(records={"model": [model], "endpoint": [endpoint]})

    def _object(self, path: str) -> dict[str, Any]:
        """The model object api.json serves for ``path``: its file (through symlinks) merged with its base."""
        chain, base_path = self._reads(path)
        item = dict(self._table(chain[-1], self.files[chain[-1]]))
        if base_path is None:
            return item
        if base_path not in self.files:
            raise TreeError(f"base_model {item['base_model']!r}: no {base_path} in the tree")
        base = {k: v for k, v in self._table(base_path, self.files[base_path]).items() if k not in NOT_INHERITED}
        omit = item.pop("base_model_omit", None) or []
        merged = deep_merge(base, item)
        for dotted in omit:
            omit_path(merged, str(dotted).split("."))
        return merged


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: objects merged key by key, anything else replaced (remeda's ``mergeDeep``)."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def omit_path(target: dict[str, Any], parts: list[str]) -> None:
    """Delete the dotted path ``parts`` from ``target``, and the objects it leaves empty."""
    parents: list[tuple[dict[str, Any], str]] = []
    current = target
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            return
        parents.append((current, part))
        current = child
    if parts[-1] not in current:
        return
    del current[parts[-1]]
    for parent, part in reversed(parents):
        if parent[part]:
            break
        del parent[part]


def gone(path: str, why: str) -> Parsed:
    """A model file that left the tree: its model ``gone``, its endpoint listed empty (positive evidence)."""
    key = key_of(path)
    assert key is not None
    model = {**dict.fromkeys(MODEL_FIELDS), "source": SOURCE_ID, "model_id": key, "status": "gone"}
    return Parsed(records={"model": [model]}, listings=(Listing("endpoint", key, 0, evidence=why),))
