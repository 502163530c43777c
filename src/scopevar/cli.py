"""The ``scopevar`` command.

    $ scopevar inspect ckpt/model.ckpt-7                 # name, dtype, shape, size of each tensor
    $ scopevar inspect ckpt --tensor conv1/weights       # a value; ckpt/: its latest checkpoint
    $ scopevar convert ckpt/model.ckpt-7 model.safetensors
    $ scopevar convert model.safetensors out/model.ckpt
    $ scopevar demo                                      # train, save, reload a TF1 ResNet

A subcommand is one function decorated with ``@command(arguments...)``: its name is the
subcommand, its docstring's first line the help, and it returns the exit status.
"""
import argparse
import contextlib
import math
import os
import sys

import numpy as np
import torch

from . import dtypes
from .bundle import BundleReader, index_path
from .errors import ExportError, OpError
from .train import export, latest_checkpoint

COMMANDS = []
LARGE = 64 << 20            # files from this many bytes get a progress bar


def command(*arguments):
    """Register the decorated function as a subcommand taking ``arguments`` (``arg(...)``)."""
    def register(function):
        COMMANDS.append((function, arguments))
        return function
    return register


def arg(*names, **options):
    """One ``add_argument(*names, **options)`` of a subcommand."""
    return names, options


def print_aligned(rows):
    """Print ``rows`` of strings as columns, two spaces apart."""
    widths = [max(len(cell) for cell in column) for column in zip(*rows)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@command(arg("path", help="checkpoint prefix, or a directory (its latest checkpoint)"),
         arg("--tensor", metavar="NAME", help="print the value of this tensor"),
         arg("--all", action="store_true", help="print every tensor's value"))
def inspect(args):
    """List a TF checkpoint's tensors (name, dtype, shape, size), values on request."""
    prefix = _checkpoint(args.path)
    with BundleReader(prefix) as reader:
        names = [args.tensor] if args.tensor else reader.keys()
        sizes = [math.prod(reader.shape(name)) for name in names]
        rows = [("name", "dtype", "shape", "size")] + [
            (name, dtypes.name(reader.dtype(name)), str(list(reader.shape(name))), f"{size:,}")
            for name, size in zip(names, sizes)]
        print_aligned(rows)
        if not args.tensor:
            print(f"{prefix}: {len(names)} tensors, {sum(sizes):,} values, "
                  f"{_nbytes(reader) / (1 << 20):.1f} MiB")
        if args.tensor or args.all:
            for name in names:
                print("\n%s:\n%s" % (name, _numpy(reader.get(name))))
    return 0


@command(arg("src", help="checkpoint prefix or directory, or a .safetensors file"),
         arg("dst", help="where to write: a .safetensors file or a checkpoint prefix"))
def convert(args):
    """Convert a TF checkpoint to safetensors, or back (nothing is ever unpickled, so torch
    .pt files are not read: use scopevar.train.export with a state dict you loaded)."""
    src_kind, dst_kind = _kind(args.src), _kind(args.dst)
    if (src_kind == "bundle") == (dst_kind == "bundle"):
        raise ExportError("convert goes from a TF checkpoint to .safetensors, or back; "
                          "got %s -> %s" % (src_kind, dst_kind))
    if src_kind == "bundle":
        prefix = _checkpoint(args.src)
        with BundleReader(prefix) as reader:
            total = _nbytes(reader)
        with _progress(total) as progress:
            export.checkpoint_to_safetensors(prefix, args.dst, progress)
    else:
        with _progress(os.path.getsize(args.src)) as progress:
            export.safetensors_to_checkpoint(args.src, args.dst, progress)
    print("%s -> %s" % (args.src, args.dst))
    return 0


@command(arg("--epochs", type=int, default=10, metavar="N", help="training epochs (10)"),
         arg("--batch-size", type=int, default=128, metavar="N", help="batch size (128)"),
         arg("--lr", type=float, default=0.01, help="Adam's learning rate (0.01)"),
         arg("--seed", type=int, default=0, help="graph-level random seed and shuffling (0)"),
         arg("--device", default="cpu", help="cpu, cuda or cuda:N (cpu)"),
         arg("--output-dir", "--logdir", dest="output_dir", metavar="DIR",
             help="checkpoints and TensorBoard events (default: a fresh temporary directory)"),
         arg("--quiet", action="store_true", help="print the test accuracy only"))
def demo(args):
    """Train a TF1 ResNet on scikit-learn's digits, checkpoint it, reload it and check it.

    Seed 002's residual network in tf.layers, trained with Adam, logged with tf.summary,
    saved every epoch with tf.train.Saver (needs ``pip install 'scopevar[demo]'``)."""
    from .demo import run
    return run(args)


def main(argv=None):
    """Run the ``scopevar`` command with ``argv`` (default: ``sys.argv[1:]``); returns the
    exit status.  Bad input prints one line on stderr and returns 1.

    >>> w = tf.get_variable("conv1/weights", [3, 3, 1, 8])
    >>> path = tf.train.Saver().save(None, "ckpt/model.ckpt")
    >>> main(["inspect", "ckpt"])
    name           dtype    shape         size
    conv1/weights  float32  [3, 3, 1, 8]  72
    ckpt/model.ckpt: 1 tensors, 72 values, 0.0 MiB
    0
    """
    parser = argparse.ArgumentParser(prog="scopevar", description="TF1 checkpoints without "
                                     "TensorFlow: inspect and convert them; the demo "
                                     "trains, saves and reloads a TF1 network.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for function, arguments in COMMANDS:
        doc = function.__doc__.splitlines()[0]
        sub = subparsers.add_parser(function.__name__, help=doc, description=doc)
        for names, options in arguments:
            sub.add_argument(*names, **options)
        sub.set_defaults(run=function)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (OpError, OSError, ValueError, ImportError) as e:
        print("scopevar %s: error: %s" % (args.command, str(e).replace("\n", " ")),
              file=sys.stderr)
        return 1


def _checkpoint(path):
    """The checkpoint prefix ``path`` names: itself, ``x`` for ``x.index``, or a directory's
    latest checkpoint."""
    if path.endswith(".index"):
        return path[:-len(".index")]
    if os.path.isdir(path) and not os.path.exists(index_path(path)):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ExportError("%s: a directory with no checkpoint (no 'checkpoint' file naming "
                              "an existing one); pass a prefix such as %s/model.ckpt-7"
                              % (path, path.rstrip("/")), path)
        return latest
    return path


def _kind(path):
    if path.endswith((".pt", ".pth")):
        raise ExportError("%s: torch pickles are not read or written (nothing is ever "
                          "unpickled); convert to or from .safetensors" % path, path)
    return "safetensors" if path.endswith(".safetensors") else "bundle"


def _nbytes(reader):
    return sum(math.prod(reader.shape(n)) * getattr(reader.dtype(n), "itemsize", 1)
               for n in reader.keys())


def _numpy(value):
    if isinstance(value, np.ndarray):                  # strings
        return value
    return (value.float() if value.dtype == torch.bfloat16 else value).numpy()


@contextlib.contextmanager
def _progress(total):
    """The ``progress`` callback of a byte-counting ``tqdm`` bar on stderr, for ``total``
    bytes from ``LARGE`` up and when tqdm is installed; else None."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is None or total < LARGE:
        yield None
        return
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, leave=False) as bar:
        yield bar.update


if __name__ == "__main__":
    sys.exit(main())
