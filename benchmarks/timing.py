"""Timing shared by the benchmark scripts."""
import time


def best(f, runs=5):
    """The best time of ``f(i)`` over ``runs`` runs ``i`` (writers take a fresh file name per
    run, as a Saver does: replacing an existing file makes ext4 flush it, a cost of its own)."""
    times = []
    for i in range(runs):
        start = time.perf_counter()
        f(i)
        times.append(time.perf_counter() - start)
    return min(times)


def best_each(fs, runs=5):
    """The best time of each function of ``fs`` over ``runs`` rounds that call them in turn,
    so that a change in the machine's load hits every side alike."""
    times = [[] for _ in fs]
    for i in range(runs):
        for f, t in zip(fs, times):
            start = time.perf_counter()
            f(i)
            t.append(time.perf_counter() - start)
    return [min(t) for t in times]
