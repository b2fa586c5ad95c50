"""Reading suggestions: the criteria an item most likely shows, best first."""

from dataclasses import dataclass, field

from evidence.services import criteria_open_to
from evidence.typed import typed_template

from .engine import index_for, targets_from_criteria
from .models import DismissedSuggestion, ExtractedText

SHOWN = 5


@dataclass
class ItemSuggestions:
    suggestions: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # files whose words could not be read
    read_from: list = field(default_factory=list)  # what was read: "title", file names...


def item_text(item, file_texts=()):
    """Everything the learner wrote or uploaded for the item, as one text."""
    pieces = [item.title, item.description]
    template = typed_template(item.template) if item.template else None
    if template:
        pieces += [answer for _label, answer in template.answers(item.typed_content or {})]
    elif item.typed_content:
        pieces += [str(value) for value in item.typed_content.values()]
    pieces += list(file_texts)
    return "\n".join(piece for piece in pieces if piece)


def suggestions_for_item(item, *, limit=SHOWN):
    """The targets to propose for `item`: not mapped, not dismissed, best first. Five queries:
    the criteria, their parts, the file texts, the dismissals and the mappings."""
    criteria = (
        criteria_open_to(item.enrolment)
        .select_related("outcome__unit")
        .prefetch_related("parts")
        .order_by("outcome__unit__level", "outcome__unit__title", "outcome__number", "number")
    )
    texts = list(
        ExtractedText.objects.filter(file__item=item, file__removed_at__isnull=True)
        .select_related("file")
        .order_by("file__uploaded_at", "file__pk")
    )
    dismissed = {d.key for d in DismissedSuggestion.objects.filter(item=item)}
    mapped = {
        f"p{part}" if part else f"c{criterion}"
        for criterion, part in item.mappings.values_list("criterion", "part")
    }
    targets = targets_from_criteria(criteria)
    text = item_text(item, (t.text for t in texts if t.text))
    # A unit whose criteria are not yet in the catalogue (an outline) has nothing to suggest.
    found = (
        index_for(targets).suggest(text, limit=limit, exclude=frozenset(dismissed | mapped))
        if targets
        else []
    )
    return ItemSuggestions(
        suggestions=found,
        problems=[t.problem for t in texts if t.problem],
        read_from=[t.file.original_name for t in texts if t.text],
    )
