"""The :class:`Kind` base class: settings and display declarations, configuring (every error
at once), generating a variant, the policy in force, and grading through the pipeline."""

from __future__ import annotations

import copy
import functools
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .config import _all_finite, _check_pinned_numbers
from .formatting import latex_mat, latex_num, latex_vec, plain
from .grading import Policy, PolicyError
from .pipeline import grade_submission
from .settings import Setting, check_settings, config_schema
from .values import ConfigError, Grade, Plot, Slip, Step, Variant


def _solved_once(solve):
    """``solve`` that remembers its last answer key: generating, explaining and grading one
    variant pass the same params and solve once, not three or four times. A key is reused
    only for the very same params object, still equal to what was solved (params changed
    in place are solved again), and handed out as a copy (a caller may change its key)."""

    @functools.wraps(solve)
    def solve_once(self, params):
        last = self.__dict__.get("_last_solved")
        if last is not None and last[0] is solve and last[1] is params and last[2] == params:
            return _copied(last[3])
        key = solve(self, params)
        self.__dict__["_last_solved"] = (solve, params, _copied(params), _copied(key))
        return key

    return solve_once


def _copied(value):
    """A copy of plain nested data (dicts, lists, numbers, text), faster than deepcopy."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.copy()
    return copy.deepcopy(value) if isinstance(value, (set, tuple)) else value


class Kind:
    """Base of every exercise kind. See the module docstring for what a kind writes."""

    slug: str = ""
    title: str = ""
    settings: tuple[Setting, ...] = ()  # one per config key
    defaults: dict = {}  # derived from ``settings``
    param_names: tuple[str, ...] = ()
    default_policy: dict = {}
    # Pinned arrays that fix sizes: parameter → the size config key of each axis, e.g.
    # {"W": ("m", "n")}. A pinned W then sets m and n, so it needs no matching m and n.
    sizes: dict[str, tuple[str, ...]] = {}
    # How it is shown: parameter → LaTeX symbol of the givens shown as mathematics, in order;
    # (activation param, alpha param, symbol) of the activations named; statistics facets
    # (facet name → label, read from params by ``facets``).
    given_symbols: dict[str, str] = {}
    named_activations: tuple[tuple[str, str, str], ...] = ()
    facet_labels: dict[str, str] = {}
    # Misconception tag → a short phrase for staff pages, for tags the shared table
    # (problems.misconceptions.MISCONCEPTIONS) lacks or that this kind means otherwise.
    misconception_names: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "settings" in cls.__dict__:
            cls.defaults = {s.name: s.default for s in cls.settings}
        if "solve" in cls.__dict__:
            cls.solve = _solved_once(cls.__dict__["solve"])

    def setting(self, name: str):
        """The declared setting called ``name``; KeyError if none."""
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)

    # ---- to be written by each kind

    def make_params(self, rng: np.random.Generator, cfg: dict) -> dict:
        raise NotImplementedError

    def validate_config(self, cfg: dict) -> None:
        """Rules between settings (each setting alone is checked from its declaration);
        raise ConfigError naming the setting concerned."""

    def check_params(self, params: dict) -> dict:
        """Params normalised (numbers as float arrays where useful); ConfigError if invalid."""
        return params

    def solve(self, params: dict) -> dict:
        raise NotImplementedError

    def prompt(self, params: dict) -> str:
        raise NotImplementedError

    def answer_fields(self, params: dict) -> list[dict]:
        raise NotImplementedError

    def solution(self, params: dict) -> list[Step]:
        raise NotImplementedError

    def slips(self, params: dict, key: dict) -> list[Slip]:
        return []

    # ---- how a variant is shown (overridable; the defaults read the declarations above)

    def givens(self, params: dict) -> list[str]:
        """The given quantities as LaTeX lines ``symbol = value`` (vectors as columns)."""
        out = []
        for key, symbol in self.given_symbols.items():
            value = params.get(key)
            if isinstance(value, list) and value and isinstance(value[0], list):
                out.append(f"{symbol} = {latex_mat(value)}")
            elif isinstance(value, list) and value:
                out.append(f"{symbol} = {latex_vec(value)}")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out.append(f"{symbol} = {latex_num(value)}")
        return out

    def activation_lines(self, params: dict) -> list[str]:
        """'f = ReLU' lines naming the activation(s) and α of a variant."""
        out = []
        for key, alpha_key, label in self.named_activations:
            if isinstance(params.get(key), str) and params[key] in ACTIVATIONS:
                act = ACTIVATIONS[params[key]]
                text = f"{label} = {act.name}"
                if act.has_alpha:
                    text += f" with α = {latex_num(act.alpha(params.get(alpha_key)))}"
                out.append(text)
        return out

    def plot(self, params: dict) -> Plot | None:
        """The variant's plot, or None (the default: no plot)."""
        return None

    def facets(self, params: dict) -> dict[str, str]:
        """Facet name → value of a variant for statistics (names from ``facet_labels``)."""
        return {}

    def config_schema(self) -> dict:
        """JSON Schema of this kind's config, from its declared settings."""
        return config_schema(self.settings, self.param_names)

    # ---- shared machinery

    def configure(self, config: dict | None) -> dict:
        """Defaults merged with ``config``; ConfigError for unknown keys or bad values, with
        every setting's error at once (``ConfigError.errors``)."""
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise ConfigError("config must be a mapping")
        unknown = sorted(set(config) - set(self.defaults) - {"fixed"}, key=str)
        if unknown:
            raise ConfigError(
                f"unknown config key(s) for {self.slug}: {', '.join(map(str, unknown))}; "
                f"valid: {', '.join(sorted([*self.defaults, 'fixed']))}"
            )
        cfg = copy.deepcopy(self.defaults)
        cfg.update(copy.deepcopy(config))
        fixed = cfg.setdefault("fixed", {})
        if not isinstance(fixed, dict):
            raise ConfigError("fixed must map parameter names to values", setting="fixed")
        bad = sorted(set(fixed) - set(self.param_names), key=str)
        if bad:
            raise ConfigError(
                f"cannot pin {', '.join(map(str, bad))} for {self.slug}; "
                f"parameters: {', '.join(self.param_names)}",
                setting="fixed",
            )
        for name, value in fixed.items():
            _check_pinned_numbers(name, value)
        inferred = self._pinned_sizes(fixed)
        cfg.update({axis: size for axis, (_name, size) in inferred.items()})
        errors = check_settings(self.settings, cfg)
        if not errors:
            try:
                self.validate_config(cfg)
            except ConfigError as exc:
                errors = [exc]
        if errors:
            if not inferred:
                raise ConfigError.joined(errors)
            pinned = ", ".join(sorted({name for name, _size in inferred.values()}))
            raise ConfigError.joined(
                [
                    ConfigError(f"{m} (sizes taken from the pinned {pinned})", setting=setting)
                    for e in errors
                    for setting, m in e.errors
                ]
            ) from None
        return cfg

    def _pinned_sizes(self, fixed: dict) -> dict[str, tuple[str, int]]:
        """Size config key → (pinned parameter, size) read from the pinned arrays' shapes.
        Arrays that are malformed or disagree are left to check_params, which names them."""
        inferred: dict[str, tuple[str, int]] = {}
        for name, axes in self.sizes.items():
            if name not in fixed:
                continue
            try:
                shape = np.shape(np.asarray(fixed[name], dtype=float))
            except (TypeError, ValueError, OverflowError):
                continue
            if len(shape) == len(axes):
                for axis, size in zip(axes, shape, strict=True):
                    inferred.setdefault(axis, (name, int(size)))
        return inferred

    def generate(self, seed: int, config: dict | None = None) -> Variant:
        """A variant from ``seed`` and ``config``: the same pair gives the same variant."""
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise ConfigError(f"seed must be a whole number ≥ 0, got {seed!r}")
        cfg = self.configure(config)
        rng = np.random.default_rng(seed)
        params = self.make_params(rng, cfg)
        params.update(copy.deepcopy(cfg["fixed"]))
        try:
            self.check_params(params)
        except ConfigError as exc:
            if exc.setting is None and cfg["fixed"]:  # a pinned parameter does not fit
                raise ConfigError(str(exc), setting="fixed") from None
            raise
        params = plain(params)
        answers = self.solve(params)
        for name, value in answers.items():
            if not _all_finite(value):
                # validate_config's bounds make this unreachable; never store an inf key
                raise ConfigError(
                    f"this config gives {name} = {value!r}, not a finite number; "
                    "narrow its ranges or sizes"
                )
        return Variant(self.slug, seed, copy.deepcopy(config or {}), params, answers)

    def varies(self, config: dict | None = None, tries: int = 4) -> bool:
        """True if different seeds give different numbers; False when the config pins every
        parameter (the lecture's examples): then "a new variant" would be the same one."""
        first = self.generate(0, config).params
        return any(self.generate(seed, config).params != first for seed in range(1, tries))

    def policy(self, policy: dict | None = None) -> Policy:
        """The grading policy in force: this kind's defaults, then ``policy``. ConfigError
        for an invalid policy, including weights that name an answer this kind does not
        have or that leave every answer a weight of 0."""
        try:
            pol = Policy.from_dict({}, self.default_policy, policy)
            if pol.weights:
                pol.check_weights(self.answer_names())
            return pol
        except PolicyError as exc:
            raise ConfigError(str(exc), setting="policy") from None

    def answer_names(self) -> list[str]:
        """The names of this kind's answers (the same for every variant of a kind)."""
        if "_answer_names" not in self.__dict__:
            fields = self.answer_fields(self.generate(0).params)
            self.__dict__["_answer_names"] = [f["name"] for f in fields]
        return list(self.__dict__["_answer_names"])

    def describe_policy(self, policy: dict | None = None) -> str:
        return self.policy(policy).describe()

    def grade(self, params: dict, submission: Any, policy: dict | None = None) -> Grade:
        """Grade ``submission`` (answer name → value) against the key of ``params``.

        Never raises for a submission, whatever it holds (numbers of any size, numpy
        values, nested lists, mappings, text): unreadable entries, wrong shapes, NaN,
        missing or unknown answers become ``format_errors`` (then nothing is graded).
        Raises ConfigError only for an invalid ``policy``.
        """
        return grade_submission(self, params, submission, self.policy(policy))
