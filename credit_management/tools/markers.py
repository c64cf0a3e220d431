"""Context keys that only the addon's own code can set.

A flag such as ``credit_promise_state=True`` in the context lets a method
write what users may not; a JSON-RPC call carries a context of its own, so a
plain value there can be forged. A marker is a Python object: the context of
an RPC call holds none, and the check compares identities.
"""


class Marker:
    """A context key whose value is this object itself."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"Marker({self.key!r})"

    def on(self, records):
        """``records`` in a context that carries the marker."""
        return records.with_context(**{self.key: self})

    def is_set(self, env):
        return env.context.get(self.key) is self
