"""What makes the runtime one package's own: its name, where its API lives, how to install it.

Every other runtime module is the same in every generated package; the generator writes this
one afresh for each (template `package/_package.py.jinja`). This copy holds the values the
runtime uses in place, in its own tests.
"""

LOGGER_NAME = "runtime"
DEFAULT_BASE_URL = "https://slack.com/api/"
USER_AGENT = "runtime (Python; generated from the Slack OpenAPI spec)"
ASYNC_EXTRA = "pip install httpx"
REDIS_EXTRA = "pip install redis"
