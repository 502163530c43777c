"""The Graph: collections, name scopes, unique names, the variable store and seeds.

A ``Graph`` owns all mutable state of a TF1 program.  What TF keeps per thread is per thread
here too: the name-scope stack, the variable-scope store, the device stack and the variable
creator stack of each graph; the default-graph stack.  Collections, the unique-name table,
the variable store and the random seeds are shared by all threads using the graph.

>>> g = Graph()
>>> with g.as_default():
...     with name_scope("a") as a1: pass
...     with name_scope("a") as a2: pass
>>> a1, a2
('a/', 'a_1/')
"""
import contextlib
import itertools
import re
import threading

from .errors import CollectionError, GraphNestingError, InvalidNameError

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


class GraphKeys:
    """TF's standard collection names (the same strings)."""
    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    SAVEABLE_OBJECTS = "saveable_objects"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    TRAINABLE_RESOURCE_VARIABLES = "trainable_resource_variables"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    TRAIN_OP = "train_op"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"
    _VARIABLE_COLLECTIONS = ["variables", "local_variables", "metric_variables",
                             "model_variables", "trainable_variables",
                             "moving_average_variables", "concatenated_variables",
                             "trainable_resource_variables"]


class _ThreadState(threading.local):
    """What each thread sees of one graph."""

    def __init__(self):
        self.name_stack = ""
        self.scope_store = None        # variable_scope's store, created on first use
        self.device_stack = []         # device specs and device functions, innermost last
        self.creator_stack = []        # variable creators, innermost last
        self.closes = 0                # name scopes this thread closed (_forget_names)


class Graph:
    """A TF1 graph without ops: the state variables, scopes and collections live in."""

    def __init__(self):
        self._collections = {}
        self._names_in_use = {}
        self._closed = {}              # closed name scopes: base -> [[first j, last j, names]]
        self._closes = 0               # name scopes all threads closed
        self._lock = threading.RLock()
        self._thread = _ThreadState()
        self.seed = None               # the graph-level seed (set_random_seed)
        self._seed_counter = 0         # TF 2.x: op seeds of unseeded random ops, in order
        self._store = None             # the variable store, created on first use

    # -- default graph ----------------------------------------------------------------------

    @contextlib.contextmanager
    def as_default(self):
        """Make this the default graph of the current thread inside the block."""
        stack = _default_stack()
        stack.append(self)
        try:
            yield self
        finally:
            if not stack or stack[-1] is not self:
                raise GraphNestingError("Nesting violated for default stack of <class 'Graph'> "
                                        "objects. Exit graphs in the reverse order of entering.")
            stack.pop()

    # -- collections ------------------------------------------------------------------------

    def add_to_collection(self, name, value):
        with self._lock:
            self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        """Add ``value`` to each collection once (a string is one name)."""
        names = (names,) if isinstance(names, str) else set(names)
        collections = self._collections
        with self._lock:
            for name in names:
                items = collections.get(name)
                if items is None:
                    collections[name] = [value]
                else:
                    items.append(value)

    def get_collection_ref(self, name):
        """The live list of a collection (created empty when missing)."""
        with self._lock:
            return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        """A new list of the collection's items; with ``scope``, only items whose ``name``
        matches ``re.match(scope, item.name)`` (anchored at the start only).  Lazily computed
        items (regularization losses) are evaluated now."""
        items = self._collections.get(name)
        if not items:
            return []
        if scope is None:
            return [_evaluate(x) for x in items]
        if not isinstance(scope, str):
            raise CollectionError("scope must be a string or None, got %r" % (scope,))
        match = re.compile(scope).match
        return [_evaluate(x) for x in items
                if isinstance(getattr(x, "name", None), str) and match(x.name)]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # -- names ------------------------------------------------------------------------------

    def get_name_scope(self):
        """The current name scope, without a trailing slash (``''`` at the root)."""
        return self._thread.name_stack

    def unique_name(self, name, mark_as_used=True):
        """TF's uniquifier of op names, name scopes and ``tf.Variable`` names.

        Relative to the current name scope; case-insensitive bookkeeping; ``v``, ``v_1``, ...
        skipping suffixes already taken explicitly.
        """
        stack = self._thread.name_stack
        if "/" in name:
            return self._unique_name(stack + "/" + name if stack else name, mark_as_used)
        return self._uniquify(stack + "/" + name if stack else name, mark_as_used)

    def _unique_name(self, name, mark_as_used=True):
        """``unique_name`` of a full name (the current name scope not prepended)."""
        self._reopen(name)
        return self._uniquify(name, mark_as_used)

    def _uniquify(self, name, mark_as_used=True):
        """``_unique_name`` of a name in an open scope (nothing under it was forgotten).

        TF's table ``{name: times given}`` less the entries it implies: uniquifying ``v``
        the i-th time marks ``v_i`` (or the next free suffix) used once, so ``v_j`` with
        ``0 < j < count(v)`` is in use once unless stored (``_implied``)."""
        key = name.lower()
        with self._lock:
            used = self._names_in_use
            i = used.get(key)
            if i is None:
                i = _implied(used, key) if key[-1:].isdigit() else 0
            if mark_as_used:
                used[key] = i + 1
            if i > 0:
                j = i
                while "%s_%d" % (key, j) in used:   # v_j, j >= count(v), is never implied
                    j += 1
                if mark_as_used and j > i:
                    used["%s_%d" % (key, j)] = 1
                name = "%s_%d" % (name, j)
        return name

    # -- forgetting the names of closed scopes (a template's calls) ---------------------------

    def _names_mark(self):
        """Where the names recorded from now on begin, for ``_forget_names``."""
        return len(self._names_in_use), len(self._closed), self._closes, self._thread.closes

    def _forget_names(self, scope, mark):
        """Forget the names recorded under the name scope ``scope`` (fresh at ``mark``, now
        closed for good: it is never made again), and the records of closed scopes in it.

        Only a name asked under ``scope/`` could see them: re-entering it by string, a name
        with a ``/`` that reaches into it, a variable's full name.  Those paths call
        ``_reopen`` first, which puts them back, so every name given stays TF's.  Calls that
        leave the same names under consecutive scopes ``net_3``, ``net_4``, ... share one
        record ``[3, 4, names]``: a training loop's template calls cost O(1) memory.  Skipped
        when another thread closed a scope meanwhile (the names added since ``mark`` are
        then not all of this block's).  Not TF's: names asked by another thread that
        re-entered ``scope/`` by string while the block ran and is still in it."""
        n, m, closes, mine = mark
        thread = self._thread
        with self._lock:
            if self._closes - closes != thread.closes - mine:
                return
            self._closes += 1
            thread.closes += 1
            key = scope.lower()
            used, closed = self._names_in_use, self._closed
            names = (_pop_under(used, len(used) - n, key + "/"),
                     _pop_under(closed, len(closed) - m, key + "/") if len(closed) > m else {})
            base, j = _split(key)
            records = closed.setdefault(base, [])
            for r in records[-2:]:              # calls that alternate share their two tables
                if r[2] == names:
                    names = r[2]
            if records and records[-1][1] == j - 1 and records[-1][2] is names:
                records[-1][1] = j
            else:
                records.append([j, j, names])

    def _reopen(self, name):
        """Put back what ``_forget_names`` forgot of the scopes ``name`` is or is under: call
        it before asking names under a scope entered by its full string."""
        if not self._closed:
            return
        key = name.lower()
        end = key.find("/")
        while end != -1:
            self._reopen_scope(key[:end])
            end = key.find("/", end + 1)
        self._reopen_scope(key)

    def _reopen_scope(self, key):
        base, j = _split(key)
        with self._lock:
            records = self._closed.get(base)
            for n, r in enumerate(records or ()):
                if r[0] <= j <= r[1]:
                    break
            else:
                return
            records[n:n + 1] = [x for x in ([r[0], j - 1, r[2]], [j + 1, r[1], r[2]])
                                if x[0] <= x[1]]
            names, closed = r[2]
            for rest, count in names.items():
                self._names_in_use[key + "/" + rest] = count
            for rest, inner in closed.items():
                self._closed.setdefault(key + "/" + rest, []).extend(list(x) for x in inner)

    def name_scope(self, name):
        """Enter a name scope (see ``scopevar.name_scope``); gives the scope string."""
        return _NameScope(self, name)

    # -- seeds ------------------------------------------------------------------------------

    def _next_op_seed(self):
        """The op seed TF 2.x gives the next random op created without one."""
        with self._lock:
            seed = self._seed_counter
            self._seed_counter += 1
        return seed

    # -- misc -------------------------------------------------------------------------------

    def finalize(self):
        self._finalized = True

    finalized = property(lambda self: getattr(self, "_finalized", False))

    def __repr__(self):
        return "<scopevar.Graph at %#x>" % id(self)


class _NameScope:
    """``Graph.name_scope``: a class, cheaper than a generator (every variable scope opens one)."""

    __slots__ = ("_graph", "_name", "_old")

    def __init__(self, graph, name):
        self._graph, self._name = graph, name

    def __enter__(self):
        thread = self._graph._thread
        old = self._old = thread.name_stack
        name = self._name
        if name:
            graph = self._graph
            _validate_scope_name(name, nested=bool(old))
            if name[-1] == "/":
                new, returned = name[:-1], name
                if graph._closed and new != old:
                    graph._reopen(new)
            else:
                full = old + "/" + name if old else name
                new = graph._unique_name(full) if "/" in name else graph._uniquify(full)
                returned = new + "/"
        else:
            new = returned = ""
        thread.name_stack = new
        return returned

    def __exit__(self, *exc):
        self._graph._thread.name_stack = self._old


_VALID_NAMES = (set(), set())     # scope names found valid: at the root, nested


def _validate_scope_name(name, nested):
    valid = _VALID_NAMES[nested]
    if name in valid:
        return
    if nested:
        if not _VALID_SCOPE_NAME.match(name):
            raise InvalidNameError(
                "'%s' is not a valid scope name. A scope name has to match the following "
                "pattern: %s. Use letters, digits and . _ - / > only." % (name, _VALID_SCOPE_NAME.pattern))
    elif not _VALID_OP_NAME.match(name):
        raise InvalidNameError(
            "'%s' is not a valid root scope name. A root scope name has to match the following "
            "pattern: %s. At the root a name must start with a letter, digit or '.'."
            % (name, _VALID_OP_NAME.pattern))
    if len(valid) >= 65536:                # bounded, whatever the number of names
        valid.clear()
    valid.add(name)


def _split(key):
    """``v_j`` (j a plain positive decimal) as ``(v, j)``; any other name as ``(name, 0)``."""
    base, sep, j = key.rpartition("_")
    if sep and j.isdecimal() and j.isascii() and j[0] != "0":
        return base, int(j)
    return key, 0


def _implied(used, key):
    """How often TF's table has given ``key`` when it is not stored: once if it is ``v_j``
    with ``0 < j < count(v)`` (uniquifying ``v`` the j-th time marked ``v_j`` or found it
    taken), else never."""
    base, j = _split(key)
    return 1 if 0 < j < used.get(base, 0) else 0


def _pop_under(table, count, prefix):
    """Remove the keys starting with ``prefix`` among the last ``count`` keys of ``table``
    (insertion order); returns them as ``{key less prefix: value}``."""
    popped, n = {}, len(prefix)
    for k in list(itertools.islice(reversed(table), max(count, 0))):
        if k.startswith(prefix):
            popped[k[n:]] = table.pop(k)
    return popped


def _evaluate(item):
    """Items stored lazily (e.g. regularization losses) are computed when read."""
    return item() if getattr(item, "_lazy_collection_item", False) else item


# -- the default graph ------------------------------------------------------------------------

class _DefaultStack(threading.local):
    def __init__(self):
        self.stack = []


_DEFAULT = _DefaultStack()
_global_graph = Graph()
_global_lock = threading.Lock()


def _default_stack():
    return _DEFAULT.stack


def get_default_graph():
    """The innermost graph entered with ``as_default()`` in this thread, else the global one."""
    stack = _DEFAULT.stack
    return stack[-1] if stack else _global_graph


def reset_default_graph():
    """Replace the global default graph by a new, empty one (fresh names, collections, store)."""
    global _global_graph
    if _DEFAULT.stack:
        raise GraphNestingError("Do not use tf.reset_default_graph() to clear nested graphs. If "
                                "you need a cleared graph, exit the nesting and create a new graph.")
    with _global_lock:
        _global_graph = Graph()


# -- module-level shortcuts on the default graph --------------------------------------------

def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_name_scope():
    return get_default_graph().get_name_scope()


def global_variables(scope=None):
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None):
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


class name_scope:  # noqa: N801 - TF's name
    """TF1's ``tf.name_scope(name, default_name=None, values=None)``.

    Prefixes the names of ``tf.Variable``s (not of ``get_variable``); ``None`` or ``''`` go to
    the root, a name ending in ``/`` re-enters that exact scope, anything else is made unique.

    >>> with name_scope("ns") as ns:
    ...     ns
    'ns/'
    """

    def __init__(self, name, default_name=None, values=None):
        self._name = default_name if name is None else name
        self._cm = None

    def __enter__(self):
        self._cm = get_default_graph().name_scope(self._name)
        return self._cm.__enter__()

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
