"""Every test makes its own app, so nothing a test changes in one can reach the next; this
keeps that affordable.

Half of `create_app` is Werkzeug writing and compiling Python source for each route's
URL builder, twice per route, although the result depends only on the route's pattern:
the generated function reaches its converters through the rule it is bound to
(`self._converters[...]`), never through a closure. So each compiled function is kept per
pattern and bound to every new rule, as Werkzeug binds it. Checked against Werkzeug 3.1
(requirements.txt pins it); a later version fails `test_url_builders` before anything else.
"""

from werkzeug.routing import Rule

_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _shared_builder(self: Rule, append_unknown: bool = True):
    defaults = self.defaults or {}
    if any(is_dynamic and name in defaults for is_dynamic, name in self._trace):
        # A default folded into the pattern goes through this rule's converter: not shared.
        return _compile_builder(self, append_unknown)
    key = (tuple(self._trace), tuple(sorted(map(str, defaults))), append_unknown)
    if key not in _builders:
        _builders[key] = _compile_builder(self, append_unknown)
    return _builders[key]


def install() -> None:
    Rule._compile_builder = _shared_builder
