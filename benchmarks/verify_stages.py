"""Where a QR verification's time goes, stage by stage (``verify_speed.py --stages``).

The steps of :func:`verifiers.qr.verify_credential_cose`, as that function runs them,
over the benchmark's pool: the first k stages are run for k = 1..n (with a raw
signature check while ours is not yet among them), and stage k costs what it adds, in
CPU time per call, median over interleaved rounds. So every stage is measured where it
runs in a real verification, right after a signature check (a stage timed alone in a
loop looks cheaper: its code and data stay in the CPU caches that the signature check
otherwise evicts). A profiling aid, not a figure: the whole function is what counts.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from time import thread_time_ns

from benchmarks.harness import Run
from benchmarks.verify_samples import NOW, Pool, Signed
from issuers.catalogue import CertificateFields, CertificateType, get_type
from issuers.codes import LicenceIdentifier, parse_identifier
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims
from issuers.registry import KeyResolver, TrustedKey
from verifiers.qr import DEFAULT_LEEWAY, _check_window, _result, verify_qr


class _State:
    """What one stage hands the next."""

    qr: str
    keys: KeyResolver
    cose: bytes
    message: cose_sign1.Sign1
    trusted: TrustedKey
    claims: CredentialClaims
    identifier: LicenceIdentifier
    certificate_type: CertificateType
    fields: CertificateFields


def _unwrap(s: _State) -> None:
    s.cose = qr_envelope.unwrap(s.qr)


def _decode(s: _State) -> None:
    s.message = cose_sign1.decode(s.cose)


def _resolve(s: _State) -> None:
    s.trusted = s.keys.resolve(s.message.kid)


def _signature(s: _State) -> None:
    s.message.verify(s.trusted.key)


def _claims(s: _State) -> None:
    s.claims = CredentialClaims.from_cbor(s.message.payload)


def _identifier(s: _State) -> None:
    s.identifier = parse_identifier(s.claims.identifier, strict=False)


def _type(s: _State) -> None:
    s.certificate_type = get_type(s.identifier.type_code)
    assert s.certificate_type.slug in s.trusted.issuer.allowed_types


def _window(s: _State) -> None:
    _check_window(s.claims, NOW, DEFAULT_LEEWAY)


def _schema(s: _State) -> None:
    s.fields = s.certificate_type.from_compact(s.claims.fields)


def _holders(s: _State) -> None:
    assert set(s.claims.holder_codes) == set(s.certificate_type.holder_codes(s.fields))


def _build(s: _State) -> None:
    issuer = s.trusted.issuer
    _result(s.message, issuer, s.claims, s.identifier, s.certificate_type, s.fields, False)


# Stage k costs what running stages 1..k adds to stages 1..k-1, all measured after a
# signature check; the signature stage is what our call adds to cryptography's.
STAGES: tuple[tuple[str, Callable[[_State], None]], ...] = (
    ("prefix, Base45, zlib", _unwrap),
    ("COSE_Sign1 decode", _decode),
    ("key resolution", _resolve),
    ("signature, beyond the raw", _signature),
    ("CWT claims", _claims),
    ("identifier (GB/T 36904)", _identifier),
    ("type and issuer", _type),
    ("validity window", _window),
    ("type schema (fields)", _schema),
    ("holder codes", _holders),
    ("result", _build),
)


_SIGNATURE = 4  # the signature is the 4th stage


def _cpu_us_per_call(work: Callable[[], None], calls: int) -> float:
    start = thread_time_ns()
    work()
    return (thread_time_ns() - start) / calls / 1000


def stage_medians(run: Run, pool: Pool, rounds: int) -> dict[str, float]:
    """Median µs of CPU time per call of each stage: the first k stages are run over
    the pool for k = 1..n, and stage k costs the difference between k and k - 1."""
    pool_size = len(pool.qrs)
    run.progress(f"verify_qr stage by stage: {rounds} rounds")
    states = []
    for qr in pool.qrs:
        state = _State()
        state.qr, state.keys = qr, pool.resolver
        states.append(state)

    def raw_verify(state: _State, signed: Signed) -> None:
        signed.key.verify(signed.signature, signed.signed)

    def first(k: int) -> Callable[[], None]:
        """Stages 1..k, and the raw signature check while ours is not among them: each
        stage runs after a signature check, as in a real verification."""
        steps = [step for _, step in STAGES[:k]]
        raw_too = k < _SIGNATURE

        def work() -> None:
            for state, signed in zip(states, pool.signed, strict=True):
                for step in steps:
                    step(state)
                if raw_too:
                    raw_verify(state, signed)

        return work

    def raw() -> None:
        for s in pool.signed:
            s.key.verify(s.signature, s.signed)

    def whole() -> None:
        for qr in pool.qrs:
            verify_qr(qr, keys=pool.resolver, now=NOW)

    names = ("raw", "whole", *(f"first {k}" for k in range(1, len(STAGES) + 1)))
    works = (raw, whole, *(first(k) for k in range(1, len(STAGES) + 1)))
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds + 1):
        for name, work in zip(names, works, strict=True):
            spent = _cpu_us_per_call(work, pool_size)
            if round_:  # the first is the warm-up
                samples[name].append(spent)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    previous = medians["raw"]
    for k, (name, _) in enumerate(STAGES, start=1):
        medians[name] = medians[f"first {k}"] - previous
        previous = medians[f"first {k}"]
    return medians


# Stages as the figure's note groups them.
_GROUPS = {
    "prefix, Base45, zlib": ("prefix, Base45, zlib",),
    "COSE": ("COSE_Sign1 decode", "key resolution", "signature, beyond the raw"),
    "CWT claims": ("CWT claims",),
    "identifier and type": ("identifier (GB/T 36904)", "type and issuer"),
    "schema": ("type schema (fields)", "holder codes"),
    "window and result": ("validity window", "result"),
}


def summary(medians: dict[str, float]) -> str:
    """One line for a figure's note: the in-place cost of each group of stages."""
    parts = [
        f"{group} {sum(medians[name] for name in names):.1f}" for group, names in _GROUPS.items()
    ]
    besides = medians[f"first {len(STAGES)}"] - medians["raw"]
    return f"beyond the signature {besides:.1f} µs CPU per call, in place: " + ", ".join(parts)


def print_stages(medians: dict[str, float]) -> None:
    raw = medians["raw"]
    print(f"== verify_qr stage by stage (median µs of CPU per call; raw Ed25519 {raw:.1f}) ==")
    for name, _ in STAGES:
        print(f"  {name:26s} {medians[name]:7.2f}")
    besides = medians[f"first {len(STAGES)}"] - raw
    print(f"  {'all but the raw signature':26s} {besides:7.2f}")
    print(f"  {'whole verify_qr':26s} {medians['whole']:7.2f}  ({medians['whole'] / raw:.2f}x)")
