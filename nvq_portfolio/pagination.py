"""A paginator whose count stops at a cap, for lists that grow with the centre."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts at most `cap` rows: an exact count of an assessor's 40,000 items read every
    item's row on each page (a sequential scan); this one stops at the cap, so a page costs the
    same for any centre. Past the cap, `capped` is true, the count says "more than" and the
    last page reachable is the cap's: the list's filters narrow it from there."""

    def __init__(self, object_list, per_page, *, cap, **options):
        super().__init__(object_list, per_page, **options)
        self.cap = cap

    @cached_property
    def _counted(self):
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @property
    def capped(self):
        return self._counted > self.cap
