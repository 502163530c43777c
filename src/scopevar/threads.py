"""Worker threads kept for the life of the process, one pool per role: starting a thread can
cost a millisecond or more, as much as the work a save, a restore or a random op hands it.

>>> pool("write").submit(sum, [1, 2]).result()
3
"""
import functools
import os
from concurrent.futures import ThreadPoolExecutor


def pool(role, threads=1):
    """The executor of ``threads`` threads kept for ``role`` (a name) in this process."""
    return _pool(role, threads, os.getpid())


@functools.lru_cache(maxsize=None)
def _pool(role, threads, pid):
    """One per process (``pid``): a forked child has none of its parent's threads."""
    return ThreadPoolExecutor(threads, thread_name_prefix="scopevar-%s" % role)
