"""Fault injection: a process saving checkpoints in a loop is SIGKILLed at random moments;
each time, ``latest_checkpoint`` must name a complete checkpoint of the last save that
finished (or of the one that finished just before the kill, before it could say so).

Importing torch takes seconds, so one helper process imports scopevar once and forks a fresh
writer per round.  Each writer resumes from the latest checkpoint; the test waits for two of
its saves, to learn how long one takes, and kills it at a random moment of the next.
"""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

import scopevar as tf
from scopevar.bundle import BundleReader

pytestmark = [pytest.mark.slow,       # ~10 s, half of it the helper importing scopevar
              pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")]

ROUNDS = 20

HELPER = r'''
import os, sys, torch
import scopevar as tf

directory = sys.argv[1]

def write_forever():
    zeros = tf.zeros_initializer()
    w = tf.get_variable("model/w", [256, 1024], initializer=zeros)    # 1 MiB: saves take a while
    b = tf.get_variable("model/b", [1024], initializer=zeros)
    step = tf.train.get_or_create_global_step()
    saver = tf.train.Saver(max_to_keep=3)
    latest = tf.train.latest_checkpoint(directory)
    if latest:
        saver.restore(None, latest)
    done = os.open(os.path.join(directory, "done.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    n = int(step)
    while True:
        n += 1
        with torch.no_grad():
            for var in (w, b, step):
                var.fill_(n)
        saver.save(None, os.path.join(directory, "model.ckpt"), global_step=step)
        os.write(done, b"%d\n" % n)

for line in sys.stdin:                                   # one line per round
    pid = os.fork()
    if pid == 0:
        try:
            write_forever()
        finally:
            os._exit(1)
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("dead", flush=True)
'''


def completed_steps(directory):
    path = os.path.join(directory, "done.log")
    if not os.path.exists(path):
        return [0]
    with open(path) as f:
        return [0] + [int(line) for line in f.read().split()]


def wait_for_saves(directory, count, timeout=60):
    """The time at which ``done.log`` lists ``count`` steps beyond the initial 0."""
    deadline = time.monotonic() + timeout
    while len(completed_steps(directory)) <= count:
        assert time.monotonic() < deadline, "the writer stopped saving"
        time.sleep(0.002)
    return time.monotonic()


def check_latest(directory, last_done):
    prefix = tf.train.latest_checkpoint(directory)
    with BundleReader(prefix) as reader:              # verifies every CRC
        step = int(reader.get("global_step"))
        assert step in (last_done, last_done + 1), (prefix, last_done)
        assert prefix.endswith("-%d" % step)
        for name in ("model/w", "model/b"):
            assert torch.all(reader.get(name) == step), name


def test_sigkill_during_saves_leaves_the_last_completed_checkpoint(tmp_path):
    rng = random.Random(0)
    directory = str(tmp_path)
    helper = subprocess.Popen([sys.executable, "-c", HELPER, directory], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(ROUNDS):
            helper.stdin.write("go\n")
            helper.stdin.flush()
            pid = int(helper.stdout.readline())
            before = len(completed_steps(directory)) - 1
            first = wait_for_saves(directory, before + 1)
            one_save = wait_for_saves(directory, before + 2) - first
            time.sleep(rng.uniform(0, one_save))
            os.kill(pid, signal.SIGKILL)
            assert helper.stdout.readline() == "dead\n"
            done = completed_steps(directory)
            assert done == sorted(set(done)), "a writer saved a step twice or went back"
            check_latest(directory, done[-1])
    finally:
        helper.kill()
        helper.wait()
    assert len(tf.train.get_checkpoint_state(directory).all_model_checkpoint_paths) <= 3
