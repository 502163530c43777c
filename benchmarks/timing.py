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


def int_option(args, flag, default):
    """Take ``flag N`` out of the argument list ``args``: ``N`` as an int, else ``default``."""
    if flag not in args:
        return default
    at = args.index(flag)
    value = int(args[at + 1])
    del args[at:at + 2]
    return value


def optional(measure, *args):
    """``measure(*args)``, or None (with a line saying why) where TensorFlow cannot run."""
    try:
        return measure(*args)
    except Exception as e:  # noqa: BLE001 - TF is optional for these scripts
        print("TensorFlow not measured:", str(e).splitlines()[-1])
        return None
