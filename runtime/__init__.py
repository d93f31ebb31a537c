"""The client runtime: the hand-written modules every generated package is built on.

The generator copies each module here verbatim into the package it writes (`_base.py` becomes
`slack_calls/_base.py`), unless a template `package/<module>.jinja` exists: the built-in
templates make the package's own `__init__.py` and `_package.py` (its name, base URL and the
like); a user's template folder may replace any other module the same way. Everything here is
typed, linted and tested in place, as `runtime` (see tests/test_runtime_unit.py); this
`__init__` is never copied and exports nothing.
"""
