"""The grading pipeline every kind shares: read each answer (format errors grade nothing),
compare entries under the policy, weigh answers into a score, name the slips matched."""

from __future__ import annotations

from typing import Any

import numpy as np

from .formatting import plain
from .grading import (
    EntryError,
    Policy,
    entries_match,
    parse_answer,
    parse_bool,
    parse_choice,
    parse_shape,
)
from .values import Grade, Slip


def grade_submission(kind, params: dict, submission: Any, pol: Policy) -> Grade:
    """Grade ``submission`` (answer name → value) against ``kind``'s key of ``params`` under
    the policy ``pol`` (see :meth:`problems.kind.Kind.grade`, which calls this). Never raises
    for a submission: what cannot be read becomes ``format_errors``."""
    key = kind.solve(params)
    fields = kind.answer_fields(params)
    if not isinstance(submission, dict):
        return Grade(
            0.0,
            {},
            {"answers": "expected a mapping of answer names to values"},
            [],
            ["Nothing was graded: answers: expected a mapping of answer names to values."],
        )
    names = {f["name"] for f in fields}
    format_errors: dict[str, str] = {}
    for extra in sorted({_answer_name(k) for k in submission} - names):
        format_errors[extra] = f"unknown answer; expected {', '.join(sorted(names))}"
    parsed: dict[str, Any] = {}
    for f in fields:
        name = f["name"]
        raw = submission.get(name)
        if _is_blank(raw, f["type"]):
            format_errors[name] = "no answer given"
            continue
        try:
            parsed[name] = _parse_field(f, raw, pol)
        except EntryError as exc:
            format_errors[name] = str(exc)
    if format_errors:
        return Grade(
            0.0,
            {},
            format_errors,
            [],
            ["Nothing was graded: " + _join_errors(format_errors)],
            {},
        )

    results: dict[str, dict] = {}
    total = weight_sum = 0.0
    for f in fields:
        name = f["name"]
        ok = _compare(f, parsed[name], key[name], pol)
        frac = float(ok.mean()) if ok.size else 0.0
        correct = bool(ok.all())
        score = frac if pol.partial_credit == "entries" else float(correct)
        w = float(pol.weights.get(name, 1.0))
        total += w * score
        weight_sum += w
        results[name] = {"correct": correct, "score": score, "entries": ok.tolist()}
    score = total / weight_sum if weight_sum else 0.0
    if pol.partial_credit == "none":
        score = float(all(r["correct"] for r in results.values()))

    misconceptions: list[str] = []
    feedback: list[str] = []
    wrong = {n for n, r in results.items() if not r["correct"]}
    if wrong:
        slips = [slip for slip in kind.slips(params, key) if slip.answer in wrong]
        matched = [s for s, same in zip(slips, _matching(slips, parsed, pol), strict=True) if same]
        shadowed = {(s.answer, tag) for s in matched for tag in s.shadows}
        # One explanation per answer: two slips matching the same value are two stories for
        # one number, and telling both ("you skipped f" and "you applied f too early")
        # contradicts itself. The unshadowed one the kind lists first is told.
        told: set[str] = set()
        for slip in matched:
            if (slip.answer, slip.tag) in shadowed or slip.answer in told:
                continue
            told.add(slip.answer)
            if slip.tag not in misconceptions:
                misconceptions.append(slip.tag)
                feedback.append(slip.sentence)
        for f in fields:
            if f["name"] in wrong:
                feedback.append(_wrong_sentence(f, results[f["name"]]))
    else:
        feedback.append("All correct.")
    return Grade(
        round(score, 12),
        results,
        {},
        misconceptions,
        feedback,
        {n: plain(v) for n, v in parsed.items()},
    )


def _answer_name(key: Any) -> str:
    """A submitted answer name as text to report (JSON names are text; a caller's may be
    anything: str() of an int of 5,000 digits raises, a long name is cut)."""
    if not isinstance(key, str):
        key = f"<{type(key).__name__}>"
    return key if len(key) <= 40 else key[:40] + "…"


def _is_blank(raw: Any, type_: str) -> bool:
    """Nothing given: None, blank text or an empty list (an empty list is an answer for a
    shape: 'no result'). Never compares with ==, which numpy makes element-wise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return True
    if type_ == "shape":
        return False
    if isinstance(raw, np.ndarray):
        return raw.size == 0
    return isinstance(raw, list | tuple) and len(raw) == 0


def _parse_field(f: dict, raw: Any, pol: Policy) -> Any:
    t = f["type"]
    if t == "boolean":
        return parse_bool(raw)
    if t == "choice":
        return parse_choice(raw, f["options"])
    if t == "shape":
        return parse_shape(raw)
    return parse_answer(
        raw,
        f["shape"],
        pol.entry,
        f["symbol"],
        bool(f.get("transposable")),
        f.get("first_index", 1),
    )


def _compare(f: dict, value: Any, key: Any, pol: Policy) -> np.ndarray:
    if f["type"] in ("boolean", "choice", "shape"):
        return np.array([value == key])
    value = np.asarray(value, dtype=float)
    key = np.asarray(key, dtype=float)
    if value.shape != key.shape:  # a transposed matrix: every entry wrong
        return np.zeros(key.shape, dtype=bool)
    return np.asarray(entries_match(value, key, pol))


def _matching(slips: list[Slip], parsed: dict, pol: Policy) -> list[bool]:
    """For each slip: does the student's answer equal its value? Numeric slips of one
    answer and one shape are compared in a single vectorised call (a wrong answer is
    checked against a dozen or more slips)."""
    out = [False] * len(slips)
    batches: dict[tuple, list[int]] = {}
    for i, slip in enumerate(slips):
        value, candidate = parsed[slip.answer], slip.value
        if isinstance(candidate, bool | str) or isinstance(value, bool | str) or candidate == []:
            out[i] = _same(value, candidate, pol)
            continue
        shape = np.shape(candidate)
        if shape == np.shape(value):
            batches.setdefault((slip.answer, shape), []).append(i)
    for (answer, _shape), idx in batches.items():
        candidates = np.array([slips[i].value for i in idx], dtype=float)
        value = np.asarray(parsed[answer], dtype=float)
        ok = entries_match(np.broadcast_to(value, candidates.shape), candidates, pol)
        hits = ok.reshape(len(idx), -1).all(axis=1)
        for i, hit in zip(idx, hits, strict=True):
            out[i] = bool(hit)
    return out


def _same(value: Any, candidate: Any, pol: Policy) -> bool:
    if isinstance(candidate, bool | str) or (isinstance(candidate, list) and not candidate):
        return value == candidate
    if isinstance(value, bool | str):
        return False
    v = np.asarray(value, dtype=float)
    c = np.asarray(candidate, dtype=float)
    return v.shape == c.shape and bool(np.all(entries_match(v, c, pol)))


def _wrong_sentence(f: dict, result: dict) -> str:
    entries = np.asarray(result["entries"])
    if f["type"] != "number" or entries.size == 1:
        return f"{f['symbol']} is not correct."
    return f"{f['symbol']}: {int(entries.sum())} of {entries.size} entries are correct."


def _join_errors(errors: dict[str, str]) -> str:
    return "; ".join(f"{n}: {m}" for n, m in errors.items()) + "."
