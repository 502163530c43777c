"""``tensorflow.python.util.all_util`` under the import alias: ``make_all``, which TF-Slim's
package ``__init__`` files call to build ``__all__`` from their ``@@name`` docstring lines.

>>> import sys, types
>>> m = sys.modules["nets_example"] = types.ModuleType("nets_example", "@@vgg\\n@@missing")
>>> m.vgg = len
>>> make_all("nets_example")
['vgg']
"""
import re
import sys

__all__ = ["make_all"]

_REFERENCE = re.compile(r"^@@(\w+)$", flags=re.MULTILINE)


def make_all(module_name, doc_string_modules=None):
    """The ``@@name`` references in the docstrings of ``doc_string_modules`` (default: the
    module itself) that name a member of module ``module_name``."""
    module = sys.modules[module_name]
    found = set()
    for doc_module in doc_string_modules or [module]:
        found.update(m.group(1) for m in _REFERENCE.finditer(doc_module.__doc__ or "")
                     if hasattr(module, m.group(1)))
    return list(found)
