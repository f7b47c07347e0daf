"""Reading `AIROUTER_STATE_URL`: which backend, where, and how to print it without secrets."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from airouter.errors import ConfigError

ACCEPTED_FORMS = (
    "memory://, sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, "
    "redis://[:password@]host:port/db, rediss://… (TLS), unix:///path/to/redis.sock"
)
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})
MASK = "***"


def scheme_of(url: str) -> str:
    """The URL's scheme, lower-cased; `ConfigError` for one no backend serves."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in REDIS_SCHEMES or scheme in {"memory", "sqlite"}:
        return scheme
    raise unsupported(url, "unknown scheme")


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///path` URL: relative to the working directory after three
    slashes, absolute after four (`sqlite:////var/lib/airouter/state.sqlite3`)."""
    prefix = "sqlite:///"
    if not url.lower().startswith(prefix) or len(url) == len(prefix):
        raise unsupported(url, "a SQLite URL needs a path after sqlite:///")
    rest = urlsplit(url[len(prefix) :])
    if rest.query or rest.fragment:
        raise unsupported(url, "a SQLite URL takes no query or fragment")
    return Path(unquote(url[len(prefix) :]))


def redact(url: str) -> str:
    """`url` with any password (in the userinfo or a `password=` query) replaced by ***."""
    parts = urlsplit(url)
    if parts.password is not None:
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        url = url.replace(parts.netloc, f"{user}:{MASK}@{hostport}", 1)
    if parts.query:
        query = "&".join(_mask_pair(pair) for pair in parts.query.split("&"))
        url = url.replace(f"?{parts.query}", f"?{query}", 1)
    return url


def _mask_pair(pair: str) -> str:
    name, equals, _ = pair.partition("=")
    return f"{name}{equals}{MASK}" if equals and name.lower() == "password" else pair


def scrub(text: str, url: str) -> str:
    """`text` (say, a driver's error message) with the URL's password masked, if it appears."""
    secrets = [urlsplit(url).password] + [
        v for k, v in parse_qsl(urlsplit(url).query) if k.lower() == "password"
    ]
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK).replace(unquote(secret), MASK)
    return text


def unsupported(url: str, why: str) -> ConfigError:
    return ConfigError(
        f"AIROUTER_STATE_URL {redact(url)!r} is not supported ({why}); accepted forms: "
        f"{ACCEPTED_FORMS}"
    )
