"""The navigation's to-do count, remembered for a minute per person so that most pages do not
count again: every notice to a person, every change they make to a portfolio and their home
page forget it, so it is counted afresh (in the navigation's one query) when it may have moved.
"""

from django.core.cache import cache

SECONDS = 60


def _key(user_id):
    return f"todo-count:{user_id}"


def recall(user_id):
    return cache.get(_key(user_id))


def remember(user_id, count):
    cache.set(_key(user_id), count, SECONDS)


def forget(*user_ids):
    cache.delete_many([_key(user_id) for user_id in user_ids if user_id])


# The roles a person held when last counted, so that counting again builds only their lists
# and still folds the count into the navigation's one query. An enrolment made or changed
# forgets them for its people; otherwise they are at most a minute old.
def _roles_key(user_id):
    return f"todo-roles:{user_id}"


def recall_roles(user_id):
    return cache.get(_roles_key(user_id))


def remember_roles(user_id, roles):
    cache.set(_roles_key(user_id), frozenset(roles), SECONDS)


def forget_roles(*user_ids):
    cache.delete_many([_roles_key(user_id) for user_id in user_ids if user_id])
