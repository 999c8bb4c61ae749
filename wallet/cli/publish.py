"""``elicense publish DIR``: what verifiers fetch, as static signed files for a CDN.

Verifiers, online or syncing for offline use, read only public, signed documents: the
trust anchors, each province's signed trust list, the list of status lists and each
signed status list, and every issuer's keys. ``publish`` writes them under ``DIR`` at
the very paths the server answers them on, so any static web server or CDN origin can
serve ``DIR`` in place of this service for those paths::

    DIR/trust/anchors                          GET /trust/anchors (JSON)
    DIR/trust/lists/{region}                   a province's trust list (trustlist+jwt)
    DIR/status/lists                           GET /status/lists (JSON)
    DIR/status/{uscc}/{n}                      a status list (statuslist+jwt)
    DIR/status/{uscc}/{n}.cwt                  the same list as a CWT (statuslist+cwt)
    DIR/issuers/{uscc}/jwks.json               an issuer's keys with their states
    DIR/.well-known/jwt-vc-issuer/issuers/{uscc}   SD-JWT VC issuer metadata

Every file is written whole (a temporary file renamed over the old one), so an origin
never serves half a list. Status lists carry a ``ttl`` of
300 s (``STATUS_LIST_TTL_SECONDS``): run ``publish`` again well within it (every minute, from
cron or a timer) and let the CDN keep a copy no longer than that.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wallet.cli.inputs import nonempty

if TYPE_CHECKING:
    from wallet.server.wiring import Services


def add_publish_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    publish = verbs.add_parser(
        "publish",
        parents=[common],
        help="write trust lists, status lists and issuer keys as static files (for a CDN)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    publish.add_argument(
        "out", type=nonempty, metavar="DIR", help="where to write (made if missing)"
    )
    publish.add_argument("--json", action="store_true", help="print the files written as JSON")
    publish.set_defaults(handler=_publish)


def _publish(args: argparse.Namespace) -> int:
    from issuers.store.publication import STATUS_LIST_TTL_SECONDS
    from wallet.cli.local import local_services

    with local_services() as services:
        files = published_files(services)
    out = Path(args.out)
    for relative in files:
        refuse_linked_directories(out, relative)
    for relative, body in files.items():
        write_whole(out / relative, body)
    if args.json:
        print(json.dumps({"out": str(out), "files": sorted(files)}, ensure_ascii=False))
    else:
        print(
            f"elicense: published {len(files)} files under {out}; publish again within "
            f"{STATUS_LIST_TTL_SECONDS} s (the status lists' ttl)"
        )
    return 0


def published_files(services: Services) -> dict[str, bytes]:
    """Every public signed document, keyed by its path under the server's root."""
    from issuers.api.directory import issuer_jwks
    from issuers.api.sd_jwt_vc import jwt_vc_issuer_metadata
    from issuers.store import repository as repo

    publication, issuance = services.publication, services.issuance
    files: dict[str, bytes] = {}
    anchors = [
        {"region_code": region, "jwk": key.public_jwk()} for region, key in publication.anchors()
    ]
    files["trust/anchors"] = _json(anchors)
    for region, _ in publication.anchors():
        files[f"trust/lists/{region}"] = publication.trust_list(region).encode("ascii")
    links = publication.status_list_uris()
    files["status/lists"] = _json([{"uri": uri, "issuer": uscc} for uri, uscc in links])
    for uri, uscc in links:
        path = urlsplit(uri).path.lstrip("/")  # status/{uscc}/{n}
        number = int(path.rsplit("/", 1)[1])
        files[path] = publication.status_list_jwt(uscc, number).encode("ascii")
        files[f"{path}.cwt"] = publication.status_list_cwt(uscc, number)
    with issuance.engine.connect() as conn:
        usccs = [info.uscc for info in repo.list_issuers(conn)]
    for uscc in usccs:
        files[f"issuers/{uscc}/jwks.json"] = issuer_jwks(uscc, issuance).model_dump_json().encode()
        metadata = jwt_vc_issuer_metadata(uscc, issuance)
        files[f".well-known/jwt-vc-issuer/issuers/{uscc}"] = metadata.model_dump_json().encode()
    return files


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def refuse_linked_directories(out: Path, relative: str) -> None:
    """UsageError if a directory between ``out`` and ``relative`` is a symbolic link (or
    not a directory): the files must land under ``out``, not wherever a link points.
    ``out`` itself may be a link: the operator named it."""
    from wallet.cli.fields import UsageError

    here = out
    for part in Path(relative).parts[:-1]:
        here = here / part
        if here.is_symlink() or (here.exists() and not here.is_dir()):
            raise UsageError(f"{here} is a symbolic link or not a directory: nothing published")


def write_whole(path: Path, body: bytes) -> None:
    """Write ``body`` to ``path`` through a temporary file renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.chmod(temporary, 0o644)  # public documents, for a web server to read
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
