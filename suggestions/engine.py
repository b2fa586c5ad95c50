"""The suggester: TF-IDF (scikit-learn) over each criterion's words, ranked against evidence.

Each mappable target (a criterion, or each lettered sub-part of one) is one document made of its
own wording (counted three times), its outcome's wording, its parts' or parent's wording, and
the cue words of cues.py for units that have them (what a learner writes when they show that
criterion). Words are lower-cased, lightly stemmed and joined into bigrams; a short list of
domain synonyms (a colleague in another team is an internal customer, a questionnaire is
feedback, escalating is referring) adds the unit's own words to what the learner wrote.

An item scores against a target by the cosine of the whole text and of its best sentence; the
best sentence is the phrase shown, with the target's words marked.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix

from .cues import cues_for

# Words too common in this domain's writing to tell one criterion from another.
_STOP_WORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    learner unit evidence one two three got get us per via etc
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# (pattern in the learner's words, the unit's words it shows). Applied before tokenising.
SYNONYMS = [
    (r"\bcolleagues?\b|\bother (?:departments?|teams?)\b|\bstaff\b", "internal customer"),
    (r"\bsurveys?\b|\bquestionnaires?\b|\bforms? (?:sent|returned)\b|\bratings?\b", "feedback"),
    (r"\bescalat\w*|\bpassed (?:it )?(?:on )?to\b|\bhanded (?:it )?over\b|\breferr\w*", "refer"),
    (
        r"\bdeadlines?\b|\bturnaround\b|\bwithin \d+ (?:hours?|days?|minutes?)\b|\bsame day\b"
        r"|\bon time\b|\blate\b|\bdelays?\b|\bearly\b"
        r"|\bby (?:monday|tuesday|wednesday|thursday|friday|noon|\d)",
        "timescale",
    ),
    (
        r"\bsla\b|\bservice level agreements?\b|\bkpis?\b|\btargets?\b|\baccura\w*",
        "quality standard",
    ),
    (r"\bfixed\b|\bsort(?:ed)? (?:it )?out\b|\bput (?:it )?right\b|\bsolved?\b", "resolve"),
    (r"\blogged\b|\brecorded\b|\bcomplaints? log\b", "process record"),
    (r"\bimprov\w*|\bchanged the (?:process|procedure|way)\b|\bintroduced\b", "improvement"),
    (r"\bone[- ]to[- ]ones?\b|\b1[:-]1s?\b|\b1 to 1\b", "meeting feedback"),
    (r"\bunhappy\b|\bcomplain\w*", "problem complaint"),
    (r"\bissues?\b|\bmistakes?\b|\bfault\w*", "problem"),
]
# One pass over the text for all of them: each pattern is a named group of one alternation.
_SYNONYM = re.compile(
    "|".join(f"(?P<s{number}>{pattern})" for number, (pattern, _) in enumerate(SYNONYMS)),
    re.IGNORECASE,
)
_SYNONYM_WORDS = {f"s{number}": words for number, (_, words) in enumerate(SYNONYMS)}
# What a learner writes when they show what they did (competence outcomes, "Be able to"), and
# when they explain what they know (knowledge outcomes, "Understand", "Know").
_DID = re.compile(
    r"\b(?:i|we|she|he|they)\s+(?:\w+ed|sent|made|took|gave|rang|met|set|put|found|wrote|"
    r"told|ran|did|went|kept|had|spoke|chose|brought|dealt|paid|built|began|left|got|"
    r"always|also|then|now)\b|\bobserved\b|\bwitnessed\b|\bminutes\b|\blog\b",
    re.IGNORECASE,
)
_KNOW = re.compile(
    r"\b(?:explain\w*|why|because|means?|important|benefits?|value|purpose|types? of|"
    r"ways? of|techniques?|helps?|useful|discussed)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[-•*]\s+")
MAX_SENTENCES = 400


@lru_cache(maxsize=20_000)
def stem(word):
    """A light suffix stemmer: enough to meet 'complaints', 'complained' and 'complaint'."""
    for suffix, keep in (
        ("ies", "y"),
        ("ied", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def expand(text):
    """The text with the unit's words added for each synonym it uses."""
    extra = [_SYNONYM_WORDS[match.lastgroup] for match in _SYNONYM.finditer(text)]
    return f"{text} {' '.join(extra)}" if extra else text


def words(text):
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def analyse(text):
    """Features of a text: stemmed words and the bigrams of neighbouring ones."""
    tokens = words(expand(text))
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


@dataclass(frozen=True)
class Target:
    key: str  # the mapping picker's key: 'c<pk>' or 'p<pk>'
    code: str  # '3.2' or '9.1 a'
    wording: str  # what the learner reads: the criterion (and part) wording
    document: str  # what is indexed
    knowledge: bool = False  # of an 'Understand' or 'Know' outcome


@dataclass
class Suggestion:
    key: str
    code: str
    wording: str
    score: float
    phrase: list = field(default_factory=list)  # [(text, marked)] pieces of the best sentence

    @property
    def phrase_text(self):
        return "".join(text for text, _ in self.phrase)


def targets_from_criteria(criteria):
    """Targets for criteria (with outcome, unit and parts loaded), in the picker's terms."""
    return targets_from_rows(
        (
            criterion.outcome.unit.reference,
            criterion.pk,
            criterion.code,
            criterion.text,
            criterion.outcome.text,
            [(part.pk, part.letter, part.text) for part in criterion.parts.all()],
        )
        for criterion in criteria
    )


def targets_from_rows(rows):
    """Targets from (unit reference, criterion pk, code, text, outcome text, [(part pk,
    letter, text)]) rows: from the database, or from the catalogue fixture for benchmarks."""
    targets = []
    for reference, pk, code, text, outcome_text, parts in rows:
        base = [text] * 3 + [outcome_text]
        knowledge = outcome_text.split(" ", 1)[0].lower() in {"understand", "know"}
        if not parts:
            document = " ".join([*base, cues_for(reference, code)])
            targets.append(Target(f"c{pk}", code, text, document, knowledge))
        for part_pk, letter, part_text in parts:
            part_code = f"{code} {letter}"
            document = " ".join([*base, *[part_text] * 3, cues_for(reference, part_code)])
            targets.append(
                Target(f"p{part_pk}", part_code, f"{text} {part_text}", document, knowledge)
            )
    return targets


class Index:
    """A fitted model for one set of targets; cheap to query, built once per catalogue."""

    # How much the best sentence counts beside the whole text, and the least score shown.
    SENTENCE_WEIGHT = 0.5
    # How far an account of doing (or of knowing) lifts the outcomes of that kind.
    KIND_WEIGHT = 1.0
    MIN_SCORE = 0.04

    def __init__(self, targets):
        # Imported here: the command and pages that never suggest skip scikit-learn's import.
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        self.targets = list(targets)
        # Counted and weighted apart, so an item's sentences are analysed once and their counts
        # summed for the whole text.
        self.counter = CountVectorizer(analyzer=analyse)
        self.weigher = TfidfTransformer(sublinear_tf=True)
        self.matrix = self.weigher.fit_transform(
            self.counter.fit_transform([t.document for t in self.targets])
        )
        vocabulary = self.counter.vocabulary_
        # Each target's own unigrams, for marking the words of the phrase that matched.
        self.target_words = [
            {term for term in analyse(t.document) if " " not in term and term in vocabulary}
            for t in self.targets
        ]
        self.knowledge = np.array([t.knowledge for t in self.targets])

    def suggest(self, text, *, limit=5, exclude=frozenset()):
        text = (text or "").strip()
        if not text or not self.targets:
            return []
        sentences = [s for s in _SENTENCE.split(text) if len(s.split()) >= 3][:MAX_SENTENCES]
        sentences = sentences or [text]
        counts = self.counter.transform(sentences)
        by_sentence = self.weigher.transform(counts)
        whole = self.weigher.transform(csr_matrix(counts.sum(axis=0)))
        whole_scores = (self.matrix @ whole.T).toarray().ravel()
        sentence_scores = (self.matrix @ by_sentence.T).toarray()  # targets x sentences
        best_sentence = sentence_scores.argmax(axis=1)
        best_sentence_score = sentence_scores.max(axis=1)
        scores = whole_scores + self.SENTENCE_WEIGHT * best_sentence_score
        did, know = len(_DID.findall(text)), len(_KNOW.findall(text))
        if did + know:
            doing = did / (did + know)
            lift = np.where(self.knowledge, 1 - doing, doing)
            scores = scores * (1 + self.KIND_WEIGHT * (lift - 0.5))
        ranked = sorted(range(len(self.targets)), key=lambda i: -scores[i])
        suggestions = []
        for i in ranked:
            target = self.targets[i]
            if target.key in exclude or scores[i] < self.MIN_SCORE:
                continue
            phrase = _marked(sentences[best_sentence[i]], self.target_words[i])
            suggestions.append(
                Suggestion(target.key, target.code, target.wording, float(scores[i]), phrase)
            )
            if len(suggestions) >= limit:
                break
        return suggestions


def _marked(sentence, target_words, limit=300):
    """[(text, marked)] pieces of `sentence` (cut to `limit`), marking the target's words."""
    sentence = sentence.strip()
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    pieces, last = [], 0
    for match in re.finditer(r"[A-Za-z0-9]+", sentence):
        word = match.group().lower()
        expanded = {stem(w) for w in _WORD.findall(expand(word).lower())} - STOP_WORDS
        if word not in STOP_WORDS and (stem(word) in target_words or expanded & target_words):
            if match.start() > last:
                pieces.append((sentence[last : match.start()], False))
            if pieces and pieces[-1][1] and sentence[last : match.start()] == "":
                pieces[-1] = (pieces[-1][0] + match.group(), True)
            else:
                pieces.append((match.group(), True))
            last = match.end()
    if last < len(sentence):
        pieces.append((sentence[last:], False))
    return _joined(pieces)


def _joined(pieces):
    """Neighbouring marked words with only a space between become one mark."""
    out = []
    for text, marked in pieces:
        if (
            out
            and marked
            and out[-1][1] is False
            and out[-1][0] == " "
            and len(out) > 1
            and out[-2][1]
        ):
            space = out.pop()
            previous = out.pop()
            out.append((previous[0] + space[0] + text, True))
        else:
            out.append((text, marked))
    return out


@lru_cache(maxsize=32)
def _index_for(targets):
    return Index(targets)


def index_for(targets):
    """The fitted index for these targets: fitted once per process for each catalogue state,
    since the targets (keys and words) are the cache's key."""
    return _index_for(tuple(targets))
